"""Remote mailboxes the worker fetches from (OTRS Admin "PostMaster Mail Accounts")."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketry.core.validity import validity_field
from ticketry.tickets.models import Queue


class MailAccountType(models.TextChoices):
    POP3 = "POP3", "POP3"
    POP3S = "POP3S", "POP3S"
    POP3TLS = "POP3TLS", _("POP3 with STARTTLS")
    IMAP = "IMAP", "IMAP"
    IMAPS = "IMAPS", "IMAPS"
    IMAPTLS = "IMAPTLS", _("IMAP with STARTTLS")


DEFAULT_PORTS = {
    MailAccountType.POP3: 110,
    MailAccountType.POP3S: 995,
    MailAccountType.POP3TLS: 110,
    MailAccountType.IMAP: 143,
    MailAccountType.IMAPS: 993,
    MailAccountType.IMAPTLS: 143,
}


class MailAccount(models.Model):
    """A mailbox to fetch. Without a queue, mail is dispatched by recipient (system addresses);
    with one, everything goes into that queue. Only trusted accounts may set X-OTRS headers."""

    login = models.CharField(_("login"), max_length=200)
    # Kept readable: the fetcher must present it to the mail server.
    password = models.CharField(_("password"), max_length=200)
    host = models.CharField(_("host"), max_length=200)
    port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    type = models.CharField(_("type"), max_length=10, choices=MailAccountType.choices)
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX", blank=True)
    trusted = models.BooleanField(_("trusted"), default=False)
    queue = models.ForeignKey(
        Queue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: dispatch by the recipient's system address."),
    )
    verify_certificate = models.BooleanField(_("verify TLS certificate"), default=True)
    valid = validity_field()
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    last_fetch_at = models.DateTimeField(_("last fetch"), null=True, blank=True)
    last_fetch_error = models.TextField(_("last fetch error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("mail account")
        verbose_name_plural = _("mail accounts")
        ordering = ["host", "login"]

    def __str__(self) -> str:
        return f"{self.type} {self.login}@{self.host}"

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[MailAccountType(self.type)]
