from importlib.resources import files
from typing import Any

import yaml
from django.apps import AppConfig


class RosettaConfig(AppConfig):
    name = "rosetta_django"
    openapi: dict[str, Any]

    def ready(self) -> None:
        """Plain Django has no OpenAPI generator: load the contract, package data (a copy
        of shared_contract/openapi.yaml), once at startup to serve it."""
        self.openapi = yaml.safe_load((files(__package__) / "openapi.yaml").read_text())
