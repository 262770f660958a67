"""Ticket history: one row per change, with OTRS's type names and `%%`-separated arguments."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .config import HistoryType, Priority, Queue, State, TicketType
from .ticket import Article, Ticket


class TicketHistory(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="history")
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history_type = models.ForeignKey(HistoryType, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    # The ticket's attributes at the time of the change, as OTRS records them for statistics.
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="+")
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="+")
    priority = models.ForeignKey(Priority, on_delete=models.PROTECT, related_name="+")
    type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["ticket", "id"], name="history_ticket"),
            models.Index(fields=["history_type", "created_at"], name="history_type_time"),
        ]

    def __str__(self) -> str:
        return f"{self.history_type.name}: {self.name}"
