"""The ticket as a PDF document: the print view's facts and whole thread laid out for A4 by
WeasyPrint, which fetches nothing while it renders."""

from __future__ import annotations

import re
from typing import Any, NoReturn

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ticketry.core import clock
from ticketry.tickets.models import Ticket

from . import zoom

TEMPLATE = "agent/ticket_pdf.html"
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_PAGE_COUNTERS = frozenset({"page", "pages"})


class PdfUnavailable(Exception):
    """WeasyPrint cannot run on this server: its system libraries (pango) are missing."""


def pdf_filename(ticket: Ticket) -> str:
    """OTRS's name for a ticket's PDF."""
    return f"Ticket_{ticket.tn}.pdf"


def ticket_pdf_html(request: HttpRequest, ticket: Ticket) -> str:
    """The HTML WeasyPrint turns into the PDF, in the agent's language and time zone."""
    return render_to_string(TEMPLATE, ticket_pdf_context(request, ticket), request=request)


def ticket_pdf_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """The print view's facts and articles, who prints, when, and the footer's page numbers."""
    agent = request.user
    return {
        "ticket": ticket,
        "facts": zoom.ticket_facts(request.actor, ticket),
        "articles": zoom.all_articles(ticket),
        "printed_by": agent.full_name or agent.login,
        "printed_at": clock.now(),
        "page_numbers": page_numbers_css(_("Page %(page)s of %(pages)s")),
    }


def page_numbers_css(text: str) -> SafeString:
    """A CSS `content` value for `text`, its `%(page)s` and `%(pages)s` placeholders turned
    into the page counters."""
    parts = []
    for index, piece in enumerate(_PLACEHOLDER.split(text)):
        if index % 2 and piece in _PAGE_COUNTERS:
            parts.append(f"counter({piece})")
        elif index % 2:
            parts.append(_css_string(f"%({piece})s"))
        elif piece:
            parts.append(_css_string(piece))
    # Safe: every character of the text except ASCII letters, digits and spaces is a CSS
    # escape, so nothing in a translation can end the string or the <style> element.
    return mark_safe(" ".join(parts) or '""')


def _css_string(text: str) -> str:
    escaped = "".join(
        char if (char.isascii() and char.isalnum()) or char == " " else f"\\{ord(char):06x}"
        for char in text
    )
    return f'"{escaped}"'


def render_pdf(html: str) -> bytes:
    """The PDF of `html`; raises PdfUnavailable where WeasyPrint's libraries are missing."""
    try:
        # Imported here: the import loads pango, and a server without it should still run
        # everything else.
        import weasyprint
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as error:
        raise PdfUnavailable(str(error)) from error

    class RefuseAll(URLFetcher):
        """Loads nothing: no remote images, style sheets or fonts, and no local files."""

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> NoReturn:
            raise ValueError(f"Ticketry's PDFs load no resources: {url[:100]}")

    return weasyprint.HTML(string=html, url_fetcher=RefuseAll()).write_pdf()
