"""Ticket configuration: states, priorities, types, queues, addresses and texts.

Ids of the seed rows are those of OTRS's initial data, so migrated data keeps its meaning.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketry.accounts.models import Group
from ticketry.core.validity import Validity, validity_field


class ValidQuerySet(models.QuerySet):
    def valid(self) -> ValidQuerySet:
        return self.filter(valid=Validity.VALID)


class NamedConfig(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = validity_field()

    objects = ValidQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StateType(models.Model):
    """One of OTRS's seven fixed state types; behaviour hangs on these, not on state names."""

    NEW = "new"
    OPEN = "open"
    CLOSED = "closed"
    PENDING_REMINDER = "pending reminder"
    PENDING_AUTO = "pending auto"
    REMOVED = "removed"
    MERGED = "merged"
    PENDING = (PENDING_REMINDER, PENDING_AUTO)
    VIEWABLE = (NEW, OPEN, PENDING_REMINDER, PENDING_AUTO)

    name = models.CharField(_("name"), max_length=200, unique=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("state type")
        verbose_name_plural = _("state types")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class State(NamedConfig):
    type = models.ForeignKey(StateType, on_delete=models.PROTECT, related_name="states")

    class Meta(NamedConfig.Meta):
        verbose_name = _("state")
        verbose_name_plural = _("states")

    @property
    def is_pending(self) -> bool:
        return self.type.name in StateType.PENDING


class Priority(NamedConfig):
    class Meta(NamedConfig.Meta):
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")


class TicketType(NamedConfig):
    class Meta(NamedConfig.Meta):
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")


class LockType(models.Model):
    """unlock, lock, tmp_lock (a lock taken by an action that counts as not locked in views)."""

    UNLOCK = 1
    LOCK = 2
    TMP_LOCK = 3

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("lock state")
        verbose_name_plural = _("lock states")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class FollowUpOption(models.IntegerChoices):
    """What a reply to a closed ticket does (OTRS `follow_up_possible`)."""

    POSSIBLE = 1, _("possible")
    REJECT = 2, _("reject")
    NEW_TICKET = 3, _("new ticket")


class Salutation(NamedConfig):
    text = models.TextField(_("text"))
    content_type = models.CharField(_("content type"), max_length=250, default="text/plain")

    class Meta(NamedConfig.Meta):
        verbose_name = _("salutation")
        verbose_name_plural = _("salutations")


class Signature(NamedConfig):
    text = models.TextField(_("text"))
    content_type = models.CharField(_("content type"), max_length=250, default="text/plain")

    class Meta(NamedConfig.Meta):
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")


class Calendar(models.IntegerChoices):
    DEFAULT = 0, _("default")
    CAL1 = 1, "1"
    CAL2 = 2, "2"
    CAL3 = 3, "3"
    CAL4 = 4, "4"
    CAL5 = 5, "5"
    CAL6 = 6, "6"
    CAL7 = 7, "7"
    CAL8 = 8, "8"
    CAL9 = 9, "9"


class EscalationSettings(models.Model):
    """Escalation times in working minutes (0 = none) and notify-before percentages."""

    first_response_time = models.PositiveIntegerField(_("first response time (minutes)"), default=0)
    first_response_notify = models.PositiveSmallIntegerField(_("notify by (%)"), default=0)
    update_time = models.PositiveIntegerField(_("update time (minutes)"), default=0)
    update_notify = models.PositiveSmallIntegerField(_("notify by (%)"), default=0)
    solution_time = models.PositiveIntegerField(_("solution time (minutes)"), default=0)
    solution_notify = models.PositiveSmallIntegerField(_("notify by (%)"), default=0)
    calendar = models.PositiveSmallIntegerField(
        _("calendar"), choices=Calendar.choices, default=Calendar.DEFAULT
    )

    class Meta:
        abstract = True


class Queue(NamedConfig, EscalationSettings):
    """Where tickets wait. Sub-queues are named `Parent::Child`."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="queues")
    system_address = models.ForeignKey(
        "SystemAddress", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    salutation = models.ForeignKey(
        Salutation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    signature = models.ForeignKey(
        Signature, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    unlock_timeout = models.PositiveIntegerField(_("unlock timeout (minutes)"), default=0)
    follow_up = models.PositiveSmallIntegerField(
        _("follow up option"), choices=FollowUpOption.choices, default=FollowUpOption.POSSIBLE
    )
    follow_up_lock = models.BooleanField(_("ticket lock after a follow-up"), default=False)

    class Meta(NamedConfig.Meta):
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    @property
    def parent_name(self) -> str:
        return self.name.rpartition("::")[0]

    @property
    def level(self) -> int:
        return self.name.count("::") + 1


class SystemAddress(NamedConfig):
    """An address Ticketry sends from and receives at; mail to it is routed to its queue."""

    name = models.EmailField(_("email address"), max_length=200, unique=True)
    realname = models.CharField(_("display name"), max_length=200)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="+")

    class Meta(NamedConfig.Meta):
        verbose_name = _("system email address")
        verbose_name_plural = _("system email addresses")


class TemplateType(models.TextChoices):
    ANSWER = "Answer", _("Answer")
    CREATE = "Create", _("Create")
    FORWARD = "Forward", _("Forward")
    EMAIL = "Email", _("Email")
    PHONE_CALL = "PhoneCall", _("Phone call")
    NOTE = "Note", _("Note")


class StandardTemplate(NamedConfig):
    text = models.TextField(_("text"), blank=True)
    content_type = models.CharField(_("content type"), max_length=250, default="text/plain")
    template_type = models.CharField(
        _("template type"),
        max_length=100,
        choices=TemplateType.choices,
        default=TemplateType.ANSWER,
    )
    queues = models.ManyToManyField(Queue, related_name="standard_templates", blank=True)

    class Meta(NamedConfig.Meta):
        verbose_name = _("template")
        verbose_name_plural = _("templates")


class SenderType(models.Model):
    AGENT = 1
    SYSTEM = 2
    CUSTOMER = 3

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("article sender type")
        verbose_name_plural = _("article sender types")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class CommunicationChannel(models.Model):
    EMAIL = 1
    PHONE = 2
    INTERNAL = 3
    CHAT = 4

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("communication channel")
        verbose_name_plural = _("communication channels")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class AutoResponseType(models.Model):
    REPLY = 1
    REJECT = 2
    FOLLOW_UP = 3
    REPLY_NEW_TICKET = 4
    REMOVE = 5

    name = models.CharField(_("name"), max_length=200, unique=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("auto response type")
        verbose_name_plural = _("auto response types")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class AutoResponse(NamedConfig):
    type = models.ForeignKey(AutoResponseType, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("subject"), max_length=250)
    text = models.TextField(_("text"))
    content_type = models.CharField(_("content type"), max_length=250, default="text/plain")
    system_address = models.ForeignKey(SystemAddress, on_delete=models.PROTECT, related_name="+")
    queues = models.ManyToManyField(
        Queue, through="QueueAutoResponse", related_name="auto_responses", blank=True
    )

    class Meta(NamedConfig.Meta):
        verbose_name = _("auto response")
        verbose_name_plural = _("auto responses")


class QueueAutoResponse(models.Model):
    """At most one auto response of each type per queue."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE)
    auto_response = models.ForeignKey(AutoResponse, on_delete=models.CASCADE)
    type = models.ForeignKey(AutoResponseType, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("queue auto response")
        verbose_name_plural = _("queue auto responses")
        constraints = [
            models.UniqueConstraint(fields=["queue", "type"], name="uniq_queue_auto_response_type")
        ]

    def __str__(self) -> str:
        return f"{self.queue} / {self.auto_response}"


class Service(NamedConfig, EscalationSettings):
    """A service offered to customers; `Parent::Child` names like queues."""

    class Meta(NamedConfig.Meta):
        verbose_name = _("service")
        verbose_name_plural = _("services")


class SLA(NamedConfig, EscalationSettings):
    services = models.ManyToManyField(Service, related_name="slas", blank=True)

    class Meta(NamedConfig.Meta):
        verbose_name = _("SLA")
        verbose_name_plural = _("SLAs")


class HistoryType(models.Model):
    """OTRS's ticket history types; names are kept so migrated data and admins recognise them."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("history type")
        verbose_name_plural = _("history types")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class LinkType(models.Model):
    NORMAL = 1
    PARENT_CHILD = 2

    name = models.CharField(_("name"), max_length=50, unique=True)
    source_name = models.CharField(_("source name"), max_length=50)
    target_name = models.CharField(_("target name"), max_length=50)

    class Meta:
        verbose_name = _("link type")
        verbose_name_plural = _("link types")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
