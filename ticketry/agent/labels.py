"""How configuration rows are named on the agent's screens: lock states say what they mean
("locked", not OTRS's `lock`), sender types are words, other rows show their translated name."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from ticketry.tickets.models import LockType, SenderType

LOCK_LABELS: dict[str, Promise] = {
    "unlock": pgettext_lazy("lock state", "unlocked"),
    "lock": pgettext_lazy("lock state", "locked"),
    "tmp_lock": pgettext_lazy("lock state", "locked temporarily"),
}
SENDER_LABELS: dict[str, Promise] = {
    "agent": pgettext_lazy("sender type", "Agent"),
    "system": pgettext_lazy("sender type", "System"),
    "customer": pgettext_lazy("sender type", "Customer"),
}


def lock_label(lock: LockType) -> str:
    return _label(LOCK_LABELS, lock.name)


def sender_label(sender: SenderType) -> str:
    return _label(SENDER_LABELS, sender.name)


def _label(labels: dict[str, Promise], name: str) -> str:
    # Rows an administrator added are shown as they are written (or as the catalog has them).
    label = labels.get(name)
    return str(label) if label is not None else _(name)
