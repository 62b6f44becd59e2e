"""The shared `users` table of db/schema.sql as a Django model; Django never creates or
alters it (`managed = False`, no migrations)."""

# The annotations give mypy the fields' types without the django-stubs plugin (which
# would need one settings module for every Django project in the repository).
from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models.functions import Now


class User(models.Model):
    # GENERATED ALWAYS AS IDENTITY: the database assigns it, Django never sends it.
    id: models.BigAutoField[int, int] = models.BigAutoField(primary_key=True)
    # Lengths, the case-insensitive unique index and the no-control-characters rule are
    # the database's constraints; validation checks them first, the database decides last.
    email: models.TextField[str, str] = models.TextField()
    name: models.TextField[str, str] = models.TextField()
    # Set by the database's defaults and triggers. A db_default leaves the column out of
    # INSERT and brings its value back through RETURNING.
    created_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(db_default=Now())
    updated_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(db_default=Now())

    class Meta:
        managed = False
        db_table = "users"

    def __str__(self) -> str:
        return self.email
