"""Ticket numbers in mail subjects: cleaning a subject and building one for outgoing mail,
as OTRS's TicketSubjectClean and TicketSubjectBuild do (settings `Ticket::Subject*`)."""

from __future__ import annotations

import re

from django.conf import settings

from ticketry.core import sysconfig

KINDS = ("new", "reply", "forward")
# OTRS's fallback when Ticket::SubjectSize is unset or zero.
DEFAULT_SIZE = 120
CUT_MARK = " [...]"


def subject_clean(tn: str, subject: str, *, size: int | None = None) -> str:
    """`subject` without the ticket number markers of `tn` and without leading reply and
    forward prefixes, cut to `size` characters (default Ticket::SubjectSize; 0 = no cut)."""
    hook = settings.TICKET_HOOK
    divider = settings.TICKET_HOOK_DIVIDER
    if size is None:
        size = sysconfig.get("Ticket::SubjectSize") or DEFAULT_SIZE
    markers = [f"{hook}: {tn}", f"{hook}:{tn}", f"{hook}{divider}{tn}"]
    for marker in markers:
        subject = re.sub(rf"\[\s*{re.escape(marker)}\s*\]\s*", "", subject)
    for marker in markers:
        subject = re.sub(rf"{re.escape(marker)}\s*", "", subject)
    # The prefixes are settings used as regular expressions, as in OTRS; replies are
    # stripped before forwards, so "Fwd: Re: x" keeps its "Re: ".
    for prefix in (sysconfig.get("Ticket::SubjectRe"), sysconfig.get("Ticket::SubjectFwd")):
        if prefix:
            subject = re.sub(rf"^(?:(?:{prefix})(?:\[\d+\])?:\s)+", "", subject, flags=re.I)
    # Once: leading whitespace, or trailing whitespace when there is none in front.
    subject = re.sub(r"^\s+|\s+$", "", subject, count=1)
    if size and len(subject) > size:
        subject = subject[:size] + CUT_MARK
    return subject


def subject_build(tn: str, subject: str, *, kind: str = "new", no_cleanup: bool = False) -> str:
    """The subject of an outgoing mail about ticket `tn`: the ticket number where
    Ticket::SubjectFormat puts it (Left, Right or None), with "Re: " or "Fwd: " in front
    of replies and forwards."""
    if kind not in KINDS:
        raise ValueError(f"Unknown subject kind {kind!r}; use one of {', '.join(KINDS)}.")
    if not no_cleanup:
        subject = subject_clean(tn, subject)
    subject_format = str(sysconfig.get("Ticket::SubjectFormat")).lower()
    marker = f"{settings.TICKET_HOOK}{settings.TICKET_HOOK_DIVIDER}{tn}"
    prefix = ""
    if kind != "new":
        word = sysconfig.get("Ticket::SubjectRe" if kind == "reply" else "Ticket::SubjectFwd")
        prefix = f"{word}: " if word else ""
    if subject_format == "none":
        return prefix + subject
    if subject_format == "right":
        return f"{prefix}{subject} [{marker}]"
    return f"{prefix}[{marker}] {subject}"
