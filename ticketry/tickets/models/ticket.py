"""Tickets, their articles and attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .config import (
    SLA,
    CommunicationChannel,
    LockType,
    Priority,
    Queue,
    SenderType,
    Service,
    State,
    TicketType,
)


class Ticket(models.Model):
    """A customer request and everything done about it. Written only by the ticket services."""

    tn = models.CharField(_("ticket number"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=255)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets")
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="+")
    priority = models.ForeignKey(Priority, on_delete=models.PROTECT, related_name="+")
    type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="+")
    lock = models.ForeignKey(LockType, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_tickets"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="responsible_tickets"
    )
    # Login and customer ID as strings, as OTRS keeps them: a ticket may name a customer
    # who is not (or no longer) in the customer database.
    customer_user_id = models.CharField(_("customer user"), max_length=250, blank=True)
    customer_id = models.CharField(_("customer ID"), max_length=150, blank=True)
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sla = models.ForeignKey(SLA, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    pending_until = models.DateTimeField(_("pending until"), null=True, blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    unlock_timeout_base = models.DateTimeField(_("unlock timeout base"), null=True, blank=True)
    escalation_at = models.DateTimeField(null=True, blank=True)
    escalation_response_at = models.DateTimeField(null=True, blank=True)
    escalation_update_at = models.DateTimeField(null=True, blank=True)
    escalation_solution_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        # Lists sort by a column and then by id (keyset paging); overviews filter by state ids.
        indexes = [
            models.Index(fields=["queue", "state"], name="ticket_queue_state"),
            models.Index(fields=["queue", "created_at", "id"], name="ticket_queue_created"),
            models.Index(fields=["state", "lock"], name="ticket_state_lock"),
            models.Index(fields=["owner", "state"], name="ticket_owner_state"),
            models.Index(fields=["responsible", "state"], name="ticket_responsible_state"),
            models.Index(fields=["customer_user_id"], name="ticket_customer_user"),
            models.Index(fields=["customer_id"], name="ticket_customer"),
            models.Index(fields=["created_at", "id"], name="ticket_created_id"),
            models.Index(fields=["changed_at", "id"], name="ticket_changed_id"),
            models.Index(fields=["title", "id"], name="ticket_title_id"),
            models.Index(fields=["pending_until"], name="ticket_pending"),
            models.Index(fields=["escalation_at", "id"], name="ticket_escalation_id"),
            models.Index(fields=["archived"], name="ticket_archived"),
        ]

    def __str__(self) -> str:
        return f"{self.tn} {self.title}"

    @property
    def is_locked(self) -> bool:
        return self.lock_id == LockType.LOCK


class Article(models.Model):
    """One message of a ticket: a mail, a phone call, a note or a chat."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="articles")
    channel = models.ForeignKey(CommunicationChannel, on_delete=models.PROTECT, related_name="+")
    sender_type = models.ForeignKey(SenderType, on_delete=models.PROTECT, related_name="+")
    is_visible_for_customer = models.BooleanField(_("visible for customer"), default=False)
    from_address = models.TextField(_("from"), blank=True)
    to_address = models.TextField(_("to"), blank=True)
    cc = models.TextField(_("cc"), blank=True)
    bcc = models.TextField(_("bcc"), blank=True)
    reply_to = models.TextField(_("reply to"), blank=True)
    subject = models.TextField(_("subject"), blank=True)
    message_id = models.CharField(_("message ID"), max_length=998, blank=True)
    message_id_md5 = models.CharField(max_length=32, blank=True, db_index=True)
    in_reply_to = models.TextField(_("in reply to"), blank=True)
    references = models.TextField(_("references"), blank=True)
    body = models.TextField(_("body"), blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)
    content_type = models.CharField(_("content type"), max_length=250, default="text/plain")
    charset = models.CharField(_("charset"), max_length=50, default="utf-8")
    raw_message = models.FileField(
        _("raw message"), upload_to="raw/%Y/%m/%d/", max_length=255, blank=True
    )
    incoming_at = models.DateTimeField(_("incoming time"))
    time_units = models.DecimalField(_("time units"), max_digits=10, decimal_places=2, default=0)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["id"]
        indexes = [models.Index(fields=["ticket", "id"], name="article_ticket")]

    def __str__(self) -> str:
        return self.subject or f"#{self.pk}"


class Attachment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=250)
    content_type = models.CharField(_("content type"), max_length=250)
    content_id = models.CharField(_("content ID"), max_length=250, blank=True)
    disposition = models.CharField(
        _("disposition"),
        max_length=15,
        choices=[("attachment", "attachment"), ("inline", "inline")],
        default="attachment",
    )
    size = models.PositiveBigIntegerField(_("size"))
    content = models.FileField(_("content"), upload_to="attachments/%Y/%m/%d/", max_length=255)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename
