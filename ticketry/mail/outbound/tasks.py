"""Background jobs of the outbound mail queue: send one message right after its transaction
commits, and every minute send whatever is due (OTRS MailQueueSend)."""

from datetime import timedelta
from functools import partial

from django.db import transaction
from django_tasks import task

from ticketry.core.schedule import periodic

from .queue import send_due


@task()
def send_outbound_mail(outbound_id: int) -> dict[str, list[int]]:
    """Send one queued message now, if it is still due."""
    return send_due(limit=1, outbound_ids=[outbound_id]).to_json()


@periodic("MailQueueSend", every=timedelta(minutes=1))
@task()
def mail_queue_send() -> dict[str, list[int]]:
    """Send the due messages of the queue, including retries."""
    return send_due().to_json()


def send_after_commit(outbound_id: int) -> None:
    """Ask a worker to send the message once the current transaction commits. If that
    fails, the message is still queued and the periodic job sends it."""
    transaction.on_commit(partial(send_outbound_mail.enqueue, outbound_id), robust=True)
