"""Every inbound message as received, before and after processing."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketry.tickets.models import Article, Queue, Ticket

from .accounts import MailAccount


class InboundSource(models.TextChoices):
    PIPE = "pipe", _("MTA pipe")
    ACCOUNT = "account", _("mail account")
    LMTP = "lmtp", _("LMTP")
    UPLOAD = "upload", _("upload")


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    PROCESSED = "processed", _("processed")
    QUARANTINED = "quarantined", _("quarantined")


class InboundOutcome(models.TextChoices):
    NEW_TICKET = "new_ticket", _("new ticket")
    FOLLOW_UP = "follow_up", _("follow-up")
    FOLLOW_UP_REJECTED = "follow_up_rejected", _("follow-up rejected")
    NEW_TICKET_FOR_CLOSED = "new_ticket_for_closed", _("new ticket for a closed one")
    IGNORED = "ignored", _("ignored")
    QUARANTINED = "quarantined", _("quarantined")


class InboundMessage(models.Model):
    """The raw bytes are stored (and committed) before anything is parsed. `dedup_key`
    (Message-ID plus a hash of the content) makes a second delivery of the same message find
    this row instead of creating another."""

    raw = models.FileField(_("raw message"), upload_to="inbound/%Y/%m/%d/", max_length=255)
    dedup_key = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField(_("size"))
    message_id = models.CharField(_("message ID"), max_length=998, blank=True)
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    from_address = models.CharField(_("from"), max_length=250, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=InboundSource.choices)
    account = models.ForeignKey(
        MailAccount, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trusted = models.BooleanField(_("trusted"), default=False)
    queue = models.ForeignKey(
        Queue, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    envelope_recipient = models.CharField(_("envelope recipient"), max_length=250, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=InboundStatus.choices,
        default=InboundStatus.RECEIVED,
    )
    outcome = models.CharField(
        _("outcome"), max_length=25, choices=InboundOutcome.choices, blank=True
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When the last attempt at processing began: while it may still run, no other process
    # takes the message.
    attempted_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"))
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="inbound_status")]

    def __str__(self) -> str:
        return self.subject or self.message_id or f"#{self.pk}"
