"""`ticketry mail parse FILE`: show how a message is understood, touching no database."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path

from django.utils.translation import gettext as _

from ..parsing import parse_message, to_json


def configure(parser: ArgumentParser) -> None:
    parser.add_argument("file", help=_("The message file (- for standard input)."))
    parser.add_argument("--json", action="store_true", help=_("Print the result as JSON."))


def run(options: dict, out) -> int:
    name = options["file"]
    try:
        raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as error:
        sys.stderr.write(_("Cannot read %(file)s: %(error)s") % {"file": name, "error": error})
        sys.stderr.write("\n")
        return 66
    result = to_json(parse_message(raw))
    if options.get("json"):
        out.write(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    for key in ("subject", "from", "to", "cc", "message_id", "charset", "content_type"):
        out.write(f"{key}: {result.get(key) or ''}")
    for attachment in result.get("attachments", []):
        out.write(
            _("attachment: %(name)s (%(type)s, %(size)d bytes)")
            % {
                "name": attachment["filename"],
                "type": attachment["content_type"],
                "size": attachment["size"],
            }
        )
    out.write("")
    out.write(result.get("body_text") or "")
    return 0
