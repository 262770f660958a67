"""OTRS's validity of configuration objects: they are set invalid, never deleted."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Validity(models.IntegerChoices):
    VALID = 1, _("valid")
    INVALID = 2, _("invalid")
    INVALID_TEMPORARILY = 3, _("invalid-temporarily")


def validity_field() -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        _("validity"), choices=Validity.choices, default=Validity.VALID, db_index=True
    )
