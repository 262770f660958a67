"""Shared bookkeeping tables: when each periodic job runs next (see core.schedule)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicRun(models.Model):
    """One row per registered schedule. A worker claims a due run by moving `next_run_at`
    forward with a conditional update, so each run is enqueued once however many workers
    look at the same moment."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    next_run_at = models.DateTimeField(_("next run"))
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_task_id = models.CharField(_("last task"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SysConfigValue(models.Model):
    """A changed system setting (see core.sysconfig); settings without a row have their
    registered default."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    value = models.JSONField(_("value"))
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("system setting")
        verbose_name_plural = _("system settings")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
