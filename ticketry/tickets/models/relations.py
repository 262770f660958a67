"""What hangs on a ticket besides articles: links, watchers, seen flags, accounted time."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .config import LinkType
from .ticket import Article, Ticket


class TicketLink(models.Model):
    """A link between two tickets. For ParentChild the source is the parent."""

    VALID = "Valid"
    TEMPORARY = "Temporary"

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    link_type = models.ForeignKey(LinkType, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("state"), max_length=20, default=VALID, choices=[(VALID, VALID), (TEMPORARY, TEMPORARY)]
    )
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "link_type"], name="uniq_link")
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.link_type} {self.target_id}"


class Watcher(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="watchers")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watched"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("watcher")
        verbose_name_plural = _("watchers")
        constraints = [models.UniqueConstraint(fields=["ticket", "agent"], name="uniq_watcher")]

    def __str__(self) -> str:
        return f"{self.agent_id} watches {self.ticket_id}"


class TicketFlag(models.Model):
    """A per-agent flag on a ticket, such as `Seen`."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="flags")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=50)
    value = models.CharField(max_length=50, default="1")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "agent", "key"], name="uniq_ticket_flag")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.agent_id} {self.key}"


class ArticleFlag(models.Model):
    """A per-agent flag on an article, such as `Seen` or `Important`."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="flags")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=50)
    value = models.CharField(max_length=50, default="1")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "agent", "key"], name="uniq_article_flag")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.agent_id} {self.key}"


class TimeAccounting(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_accounting")
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    time_units = models.DecimalField(_("time units"), max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("accounted time")
        verbose_name_plural = _("accounted time")

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.time_units}"
