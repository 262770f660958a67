"""The ticket as a PDF file to download (OTRS's AgentTicketPrint)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ticketry.agent import pdf
from ticketry.agent.access import agent_ticket, agent_view, refusal

logger = logging.getLogger(__name__)


@agent_view
@require_GET
def ticket_pdf(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = agent_ticket(request.actor, ticket_id)
    html = pdf.ticket_pdf_html(request, ticket)
    try:
        document = pdf.render_pdf(html)
    except pdf.PdfUnavailable as error:
        logger.warning("No PDF for ticket %s: %s", ticket.tn, error)
        return refusal(
            request,
            _(
                "The PDF cannot be made: the server lacks the pango library "
                "(Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0)."
            ),
            status=503,
        )
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=pdf.pdf_filename(ticket)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("tickets/<int:ticket_id>/print.pdf", ticket_pdf, name="ticket_pdf"),
]
