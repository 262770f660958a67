"""The outbound mail queue and the auto-response counter of the loop protection."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketry.tickets.models import Article, Ticket


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class OutboundMail(models.Model):
    """A composed message waiting to be sent, being retried, sent or given up on. Its row
    is written in the transaction that created the article, so a crash loses nothing. It is
    the only copy of an Email article's message (ticketry.mail.raw_messages), so sent rows
    are kept as long as their article."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="transmissions"
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    envelope_from = models.CharField(_("envelope sender"), max_length=250)
    recipients = models.JSONField(_("recipients"))
    message = models.BinaryField(_("message"))
    message_id = models.CharField(_("message ID"), max_length=998, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound mail")
        verbose_name_plural = _("outbound mails")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbound_due"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id or self.pk} → {', '.join(self.recipients)}"


class AutoResponseCount(models.Model):
    """How many auto-responses went to an address on a day (OTRS ticket_loop_protection)."""

    address = models.CharField(_("address"), max_length=250)
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("auto-response count")
        verbose_name_plural = _("auto-response counts")
        constraints = [
            models.UniqueConstraint(fields=["address", "day"], name="autoresponse_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.day}: {self.count}"
