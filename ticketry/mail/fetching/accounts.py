"""Fetching a mail account (OTRS MailAccountFetch). Each message is stored and committed,
then removed from the server, then processed; a message that cannot be stored stays on the
server, and one bad message never stops the account."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ticketry.core import sysconfig
from ticketry.core.validity import Validity

from ..inbound import Delivery, process, store_raw
from ..models import InboundMessage, InboundSource, MailAccount
from . import claims
from .connection import connected
from .mailbox import Mailbox, MailboxError

logger = logging.getLogger(__name__)

# The most messages one fetch takes (OTRS's limit); the rest waits for the next run.
MAX_MESSAGES_PER_FETCH = 5000

# Well within claims.LEASE, even when one message takes minutes to download.
RENEW_AFTER_SECONDS = 60

# The database or the file storage itself failed: no message can be stored now.
STORAGE_DOWN = (OperationalError, InterfaceError, OSError)


class StorageUnavailable(Exception):
    pass


class LeaseLost(Exception):
    pass


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    inbound_id: int
    created: bool
    delivery: Delivery | None  # None: stored, processing failed and is retried later

    def to_json(self) -> dict:
        result = self.delivery.to_json() if self.delivery else {"outcome": "received"}
        return result | {"inbound_id": self.inbound_id, "created": self.created}

    def describe(self) -> str:
        if self.delivery is None:
            text = _("Stored; it will be processed later.")
        else:
            text = self.delivery.describe()
        return f"#{self.inbound_id}: {text}"


@dataclass
class FetchReport:
    account_id: int
    account: str
    messages: list[FetchedMessage] = field(default_factory=list)
    left_on_server: list[str] = field(default_factory=list)
    error: str = ""
    busy: bool = False
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.error or self.left_on_server)

    def problem(self) -> str:
        """What the admin should see as the account's last fetch error ("" if none)."""
        if self.error or not self.left_on_server:
            return self.error
        count = len(self.left_on_server)
        return ngettext(
            "%(count)d message could not be stored and stays on the server: %(errors)s",
            "%(count)d messages could not be stored and stay on the server: %(errors)s",
            count,
        ) % {"count": count, "errors": "; ".join(self.left_on_server)}

    def to_json(self, *, messages: bool = True) -> dict:
        """The report; without `messages` only the number fetched (for a task's result)."""
        result = {
            "account_id": self.account_id,
            "account": self.account,
            "busy": self.busy,
            "error": self.problem() or None,
            "fetched": len(self.messages),
            "left_on_server": len(self.left_on_server),
            "seconds": round(self.seconds, 3),
        }
        if messages:
            result["messages"] = [message.to_json() for message in self.messages]
        return result

    def describe(self) -> list[str]:
        """A headline for the account, then one line per message."""
        values = {"account": self.account, "count": len(self.messages)}
        if self.busy:
            return [_("%(account)s: another fetch of this account is running.") % values]
        lines = [
            ngettext(
                "%(account)s: %(count)d message fetched.",
                "%(account)s: %(count)d messages fetched.",
                len(self.messages),
            )
            % values
        ]
        lines += [f"    {message.describe()}" for message in self.messages]
        if self.failed:
            lines.append("    " + _("Error: %(error)s") % {"error": self.problem()})
        return lines


def fetch_accounts(account_ids: list[int] | None = None) -> list[FetchReport]:
    """Fetch the given accounts (default: every valid one), one after the other."""
    if account_ids is None:
        account_ids = list(
            MailAccount.objects.filter(valid=Validity.VALID).values_list("pk", flat=True)
        )
    return [fetch_account(account_id) for account_id in account_ids]


def fetch_account(account_id: int) -> FetchReport:
    """Fetch one account now, unless somebody else is fetching it (then `busy`). Problems
    are reported and recorded on the account, never raised."""
    account = MailAccount.objects.select_related("queue").filter(pk=account_id).first()
    if account is None:
        return FetchReport(account_id, f"#{account_id}", error=_("There is no such account."))
    report = FetchReport(account.pk, str(account))
    if account.valid != Validity.VALID:
        report.error = _("The account is not valid.")
        return report
    lease = claims.claim(account.pk)
    if lease is None:
        report.busy = True
        return report
    run = AccountFetch(account, lease, report)
    started = time.monotonic()
    try:
        run.fetch()
    except (MailboxError, StorageUnavailable, LeaseLost) as error:
        report.error = str(error)
    except Exception as error:
        # Whatever goes wrong with one account must not keep the others from being fetched.
        logger.exception("Fetching mail account %s failed", account.pk)
        report.error = f"{type(error).__name__}: {error}"
    finally:
        report.seconds = time.monotonic() - started
        claims.release(account.pk, run.lease, error=report.problem())
    if report.failed:
        logger.warning("Mail account %s: %s", account, report.problem())
    return report


class AccountFetch:
    """One fetch of one account, in batches of PostMasterReconnectMessage messages."""

    def __init__(self, account: MailAccount, lease: datetime, report: FetchReport) -> None:
        self.account = account
        self.lease = lease
        self.renewed_at = time.monotonic()
        self.report = report
        self.tried = 0
        # Keys of messages that could not be stored: they stay, and are not tried again
        # in this fetch after a reconnect.
        self.left_behind: set[str] = set()

    def fetch(self) -> None:
        batch_size = max(1, sysconfig.get("PostMasterReconnectMessage"))
        while True:
            with connected(self.account) as mailbox:
                waiting = [key for key in mailbox.waiting() if key not in self.left_behind]
                batch = waiting[: min(batch_size, MAX_MESSAGES_PER_FETCH - self.tried)]
                for key in batch:
                    self.keep_lease()
                    self.tried += 1
                    self.fetch_message(mailbox, key)
            if len(batch) == len(waiting) or self.tried >= MAX_MESSAGES_PER_FETCH:
                return

    def keep_lease(self) -> None:
        """Renew the lease now and then, so a long fetch keeps the account to itself."""
        if time.monotonic() - self.renewed_at < RENEW_AFTER_SECONDS:
            return
        lease = claims.renew(self.account.pk, self.lease)
        if lease is None:
            raise LeaseLost(_("The fetch took too long; another one took over."))
        self.lease, self.renewed_at = lease, time.monotonic()

    def fetch_message(self, mailbox: Mailbox, key: str) -> None:
        raw = mailbox.fetch(key)
        if raw is None:  # removed by somebody else meanwhile
            return
        try:
            inbound, created = store_raw(
                raw,
                source=InboundSource.ACCOUNT,
                account=self.account,
                trusted=self.account.trusted,
                queue=self.account.queue,
            )
        except STORAGE_DOWN as error:
            raise StorageUnavailable(
                _("Messages cannot be stored now, so they stay on the server: %(error)s")
                % {"error": error}
            ) from error
        except Exception as error:
            logger.exception("Mail account %s: message %s cannot be stored", self.account, key)
            self.left_behind.add(key)
            self.report.left_on_server.append(f"{type(error).__name__}: {error}")
            return
        mailbox.remove(key)
        self.report.messages.append(FetchedMessage(inbound.pk, created, _process(inbound)))


def _process(inbound: InboundMessage) -> Delivery | None:
    try:
        return process(inbound)
    except Exception:
        # The database failed under the pipeline: the message is stored and waits for the
        # periodic processing of stored messages.
        logger.exception("Inbound message %s will be processed later", inbound.pk)
        return None
