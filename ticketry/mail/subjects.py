"""Ticket numbers in mail subjects: cleaning a subject and building one for outgoing mail,
as OTRS's TicketSubjectClean and TicketSubjectBuild do (settings `Ticket::Subject*`)."""

from __future__ import annotations

import functools
import re

from django.conf import settings

from ticketry.core import sysconfig

KINDS = ("new", "reply", "forward")
# OTRS's fallback when Ticket::SubjectSize is unset or zero.
DEFAULT_SIZE = 120
CUT_MARK = " [...]"
# Reply and forward prefixes that mail programs write in their users' languages, removed
# besides the configured Ticket::SubjectRe and Ticket::SubjectFwd: a customer's "AW: " or
# "TR : " is as much a prefix as "Re: ".
LOCALIZED_PREFIXES = (
    "Re", "Aw", "Antw", "Antwort", "Sv", "Vs", "Vb", "Vl", "R", "Rif", "Res", "Rv", "Odp",
    "Ynt", "Fwd", "Fw", "Wg", "Tr", "Enc", "Pd", "回复", "答复", "转发",
)  # fmt: skip


def subject_clean(tn: str, subject: str, *, size: int | None = None) -> str:
    """`subject` without the ticket number markers of `tn` and without leading reply and
    forward prefixes, cut to `size` characters (default Ticket::SubjectSize; 0 = no cut)."""
    if size is None:
        size = sysconfig.get("Ticket::SubjectSize") or DEFAULT_SIZE
    bracketed, bare = _marker_patterns(settings.TICKET_HOOK, settings.TICKET_HOOK_DIVIDER)
    if tn.isdigit():

        def this_ticket(match: re.Match[str]) -> str:
            return "" if match.group(1) == tn else match.group(0)

        subject = bare.sub(this_ticket, bracketed.sub(this_ticket, subject))
    else:
        subject = _remove_markers(tn, subject)
    subject = _prefix_pile(
        sysconfig.get("Ticket::SubjectRe"), sysconfig.get("Ticket::SubjectFwd")
    ).sub("", subject)
    # As OTRS: leading whitespace, or trailing whitespace when there is none in front (a
    # regular expression for the trailing part would take quadratic time on long blanks).
    subject = subject.lstrip() if subject[:1].isspace() else subject.rstrip()
    if size and len(subject) > size:
        subject = shorten(subject, size)
    return subject


def shorten(subject: str, size: int) -> str:
    """The first `size` characters and the cut mark, with no space left before the mark."""
    return subject[:size].rstrip() + CUT_MARK


@functools.lru_cache(maxsize=8)
def _marker_patterns(hook: str, divider: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The ticket number markers (`[Ticket#123]`, `Ticket: 123`, ...) of any ticket number,
    compiled once: the caller keeps those of other tickets. One pattern per ticket number
    would be compiled anew for nearly every mail."""
    hooks = "|".join(re.escape(f"{hook}{glue}") for glue in (": ", ":", divider))
    return (
        re.compile(rf"\[\s*(?:{hooks})(\d+)\s*\]\s*"),
        re.compile(rf"(?:{hooks})(\d+)\s*"),
    )


def _remove_markers(tn: str, subject: str) -> str:
    """The markers of a ticket number that is not all digits (imported from elsewhere)."""
    hook = settings.TICKET_HOOK
    markers = [f"{hook}: {tn}", f"{hook}:{tn}", f"{hook}{settings.TICKET_HOOK_DIVIDER}{tn}"]
    for marker in markers:
        subject = re.sub(rf"\[\s*{re.escape(marker)}\s*\]\s*", "", subject)
    for marker in markers:
        subject = re.sub(rf"{re.escape(marker)}\s*", "", subject)
    return subject


@functools.lru_cache(maxsize=8)
def _prefix_pile(subject_re: str, subject_fwd: str) -> re.Pattern[str]:
    """Any run of leading reply and forward prefixes in any order and case, each with an
    optional counter (`Re[2]:`, `AW(3):`) and the colon of French (`TR :`) or Chinese mail
    programs. The configured prefixes are regular expressions, as in OTRS."""
    words = [f"(?:{prefix})" for prefix in (subject_re, subject_fwd) if prefix]
    words += [re.escape(word) for word in LOCALIZED_PREFIXES]
    return re.compile(
        rf"^(?:(?:{'|'.join(words)})[ \t]*(?:(?:\[\d+\]|\(\d+\))[ \t]*)?[:\uff1a][ \t]*)+",
        re.IGNORECASE,
    )


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
