"""The bounds a mail must keep to be processed (system settings `PostMasterMaxEmail*`); a mail
beyond them is quarantined with the reason instead of holding up the intake."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ticketry.core import sysconfig

from ..parsing import ParsedMessage


class OverLimit(Exception):
    """The mail is beyond one of the limits; the text says which."""


def check_size(size: int) -> None:
    limit = sysconfig.get("PostMasterMaxEmailSize") * 1024
    if size > limit:
        raise OverLimit(
            _("The message has %(size)d KB, more than the limit of %(limit)d KB.")
            % {"size": size // 1024, "limit": limit // 1024}
        )


def check_structure(parsed: ParsedMessage) -> None:
    headers = sysconfig.get("PostMasterMaxEmailHeaders")
    if len(parsed.headers) > headers:
        raise OverLimit(
            _("The message has %(count)d header fields, more than the limit of %(limit)d.")
            % {"count": len(parsed.headers), "limit": headers}
        )
    parts = sysconfig.get("PostMasterMaxEmailParts")
    if parsed.part_count > parts:
        raise OverLimit(
            _("The message has %(count)d MIME parts, more than the limit of %(limit)d.")
            % {"count": parsed.part_count, "limit": parts}
        )
    depth = sysconfig.get("PostMasterMaxEmailDepth")
    if parsed.depth > depth:
        raise OverLimit(
            _("The MIME parts are nested %(depth)d deep, more than the limit of %(limit)d.")
            % {"depth": parsed.depth, "limit": depth}
        )
