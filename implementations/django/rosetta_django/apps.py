from pathlib import Path
from typing import Any

import yaml
from django.apps import AppConfig

# Plain Django has no OpenAPI generator: the service serves the contract itself. A copy of
# this implementation taken out of the repository takes the file along (see README.md).
CONTRACT = Path(__file__).resolve().parents[3] / "shared_contract" / "openapi.yaml"


class RosettaConfig(AppConfig):
    name = "rosetta_django"
    openapi: dict[str, Any]

    def ready(self) -> None:
        """Load the contract once, at startup."""
        self.openapi = yaml.safe_load(CONTRACT.read_text())
