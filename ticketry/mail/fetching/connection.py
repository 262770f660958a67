"""Opening an account's mailbox with its protocol, and ending the session the right way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from ..models import MailAccount, MailAccountType
from .imap import open_imap
from .mailbox import Mailbox, MailboxError
from .pop3 import open_pop3

POP3_TYPES = {MailAccountType.POP3, MailAccountType.POP3S, MailAccountType.POP3TLS}


def open_mailbox(account: MailAccount) -> Mailbox:
    """Connect, secure, log in (and select the folder); raises MailboxError."""
    if account.type in POP3_TYPES:
        return open_pop3(account)
    return open_imap(account)


@contextmanager
def connected(account: MailAccount) -> Iterator[Mailbox]:
    """A session that carries out its removals when the block ends, also when it ends with
    an error of ours (those messages are stored); after a network error the connection is
    only dropped, since the session is in an unknown state."""
    mailbox = open_mailbox(account)
    try:
        yield mailbox
    except MailboxError:
        mailbox.drop()
        raise
    except BaseException:
        with suppress(MailboxError):
            mailbox.close()
        raise
    mailbox.close()
