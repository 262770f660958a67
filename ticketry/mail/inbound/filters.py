"""Postmaster filters (OTRS MatchDBSource): match header values, set X-OTRS headers."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from ..addresses import address_of, split_addresses
from ..models import PostmasterFilter
from ..postmaster_config import postmaster_filters
from .params import MailParams

logger = logging.getLogger(__name__)

EMAIL_ADDRESS_PREFIX = "EMAILADDRESS:"
_FIRST_GROUP = "[***]"
_NAMED_GROUP = re.compile(r"\[\*\*\\(\w+)\*\*\]")
_PERL_NAMED = re.compile(r"\(\?<(?=[A-Za-z_])")


@dataclass(frozen=True, slots=True)
class FilterRun:
    name: str
    sets: dict[str, str]


def apply_filters(params: MailParams) -> list[FilterRun]:
    """Run every valid filter in name order; stop after a matching filter that says so."""
    applied: list[FilterRun] = []
    for mail_filter in postmaster_filters():
        match = _match(mail_filter, params)
        if match is None:
            continue
        values = {
            str(row.get("header", "")): _substitute(str(row.get("value", "")), match)
            for row in mail_filter.sets
            if row.get("header")
        }
        for header, value in values.items():
            params.set(header, value)
        applied.append(FilterRun(name=mail_filter.name, sets=values))
        if mail_filter.stop_after_match:
            break
    return applied


def _match(mail_filter: PostmasterFilter, params: MailParams) -> re.Match | None:
    """A filter matches when at least one row matched and none failed; returns the last
    positive row's match (for `[***]`), or a dummy match for a purely negative filter."""
    last: re.Match | None = None
    matched_any = False
    for row in mail_filter.matches:
        header = str(row.get("header", ""))
        pattern = str(row.get("value", ""))
        if not header or not pattern:
            continue
        negate = bool(row.get("negate"))
        try:
            found = _row_match(pattern, params.get(header))
        except re.error as error:
            logger.warning(
                "Postmaster filter %r: bad regex %r: %s", mail_filter.name, pattern, error
            )
            return None
        if negate:
            if found is not None:
                return None
        else:
            if found is None:
                return None
            last = found
        matched_any = True
    if not matched_any:
        return None
    return last or re.match("", "")


def _row_match(pattern: str, value: str) -> re.Match | None:
    if pattern.upper().startswith(EMAIL_ADDRESS_PREFIX):
        address_pattern = _compile(pattern[len(EMAIL_ADDRESS_PREFIX) :], anchored=True)
        for address in split_addresses(value):
            found = address_pattern.match(address_of(address) or address)
            if found:
                return found
        return None
    return _compile(pattern).search(value)


def _substitute(value: str, match: re.Match) -> str:
    if _FIRST_GROUP in value:
        first = match.group(1) if match.re.groups else ""
        value = value.replace(_FIRST_GROUP, first or "", 1)

    def named(found: re.Match) -> str:
        try:
            return match.group(found.group(1)) or ""
        except IndexError:
            return ""

    return _NAMED_GROUP.sub(named, value)


def _compile(pattern: str, *, anchored: bool = False) -> re.Pattern:
    """Filters are written in Perl's syntax; `(?<name>…)` is Python's `(?P<name>…)`."""
    pattern = _PERL_NAMED.sub("(?P<", pattern)
    if anchored:
        pattern = rf"^(?:{pattern})$"
    return re.compile(pattern, re.IGNORECASE)
