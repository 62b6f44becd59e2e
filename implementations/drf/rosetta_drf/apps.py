from django.apps import AppConfig


class RosettaConfig(AppConfig):
    name = "rosetta_drf"

    def ready(self) -> None:
        from rosetta_drf import openapi  # noqa: F401  (registers the drf-spectacular extension)
