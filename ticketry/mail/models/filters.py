"""Postmaster filters (OTRS Admin "PostMaster Filter"): match headers, set X-OTRS headers."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketry.core.validity import validity_field


class PostmasterFilter(models.Model):
    """`matches` is a list of {"header", "value" (regex), "negate"}; `sets` a list of
    {"header" (an X-OTRS header), "value"}. Filters run in name order."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    stop_after_match = models.BooleanField(_("stop after match"), default=False)
    matches = models.JSONField(_("match rules"), default=list)
    sets = models.JSONField(_("set rules"), default=list)
    valid = validity_field()
    comment = models.CharField(_("comment"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("postmaster filter")
        verbose_name_plural = _("postmaster filters")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
