"""The ticket zoom: one ticket with its articles, its history and print view, and its files."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from ticketry.agent import zoom
from ticketry.agent.access import agent_ticket, agent_view
from ticketry.core import clock
from ticketry.core.errors import NotFound
from ticketry.mail.raw_messages import open_raw_message
from ticketry.tickets import services
from ticketry.tickets.models import Article, Attachment, Ticket

THREAD_TARGET = "article-thread"
HEADER_TARGET = "zoom-header"
# The frame shows mail HTML only: no scripts, no remote content, no forms, no plugins.
ARTICLE_HTML_POLICY = (
    "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; sandbox"
)
# A downloaded file opened in the browser must not run anything in Ticketry's origin.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def _article_of(ticket: Ticket, article_id: int) -> Article:
    article = (
        Article.objects.filter(pk=article_id, ticket=ticket).prefetch_related("attachments").first()
    )
    if article is None:
        raise NotFound(_("Unknown article “%(ref)s”."), ref=article_id)
    return article


@agent_view
@require_GET
def ticket_zoom(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = agent_ticket(request.actor, ticket_id)
    target = request.htmx.target if request.htmx else None
    # Reordering or unfolding the thread comes after the page has shown (and marked) it.
    unseen = (
        frozenset() if target == THREAD_TARGET else zoom.unseen_article_ids(request.actor, ticket)
    )
    thread = zoom.article_thread(
        ticket,
        order=zoom.parse_order(request.GET.get("order")),
        show_all=request.GET.get("articles") == "all",
        unseen=unseen,
    )
    context = {"ticket": ticket, "thread": thread}
    if target == THREAD_TARGET:
        return render(request, "agent/partials/article_list.html", context)
    if unseen or not zoom.has_seen(request.actor, ticket):
        services.ticket_mark_seen(actor=request.actor, ticket=ticket)
    context["facts"] = zoom.ticket_facts(request.actor, ticket)
    if target == HEADER_TARGET:
        return render(request, "agent/partials/zoom_header.html", context)
    return render(request, "agent/zoom.html", context)


@agent_view
@require_GET
def ticket_history(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = agent_ticket(request.actor, ticket_id)
    return render(
        request,
        "agent/history.html",
        {"ticket": ticket, "lines": zoom.history_lines(ticket)},
    )


@agent_view
@require_GET
def ticket_print(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = agent_ticket(request.actor, ticket_id)
    return render(
        request,
        "agent/print.html",
        {
            "ticket": ticket,
            "facts": zoom.ticket_facts(request.actor, ticket),
            "articles": zoom.all_articles(ticket),
            "printed_at": clock.now(),
        },
    )


@agent_view
@require_GET
def attachment_download(request: HttpRequest, ticket_id: int, attachment_id: int) -> HttpResponse:
    ticket = agent_ticket(request.actor, ticket_id)
    attachment = Attachment.objects.filter(pk=attachment_id, article__ticket=ticket).first()
    if attachment is None:
        raise NotFound(_("Unknown attachment “%(ref)s”."), ref=attachment_id)
    content_type = zoom.media_type(attachment.content_type)
    # Only plain images are shown in place (by the mail frame); anything else is a download.
    inline = request.GET.get("inline") == "1" and content_type in zoom.INLINE_IMAGE_TYPES
    response = FileResponse(
        _open(attachment.content, what=attachment.filename),
        as_attachment=not inline,
        filename=attachment.filename or "attachment",
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    return response


@agent_view
@require_GET
def article_raw(request: HttpRequest, ticket_id: int, article_id: int) -> HttpResponse:
    ticket = agent_ticket(request.actor, ticket_id)
    article = _article_of(ticket, article_id)
    try:
        raw = open_raw_message(article)
    except OSError:
        missing = _("The file of “%(ref)s” is missing from storage.")
        raise NotFound(missing, ref=article.subject) from None
    if raw is None:
        raise NotFound(_("Article “%(ref)s” has no raw message."), ref=article_id)
    response = FileResponse(
        raw,
        as_attachment=True,
        filename=f"{ticket.tn}-{article.pk}.eml",
        content_type="message/rfc822",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    return response


def _open(stored: FieldFile, *, what: str) -> FieldFile:
    try:
        return stored.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound(_("The file of “%(ref)s” is missing from storage."), ref=what) from None


@xframe_options_sameorigin
@agent_view
@require_GET
def article_html(request: HttpRequest, ticket_id: int, article_id: int) -> HttpResponse:
    ticket = agent_ticket(request.actor, ticket_id)
    article = _article_of(ticket, article_id)
    if not article.body_html:
        raise NotFound(_("Article “%(ref)s” has no HTML version."), ref=article_id)
    document = zoom.article_html_document(article, list(article.attachments.all()))
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = ARTICLE_HTML_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


urlpatterns = [
    path("tickets/<int:ticket_id>/", ticket_zoom, name="ticket_zoom"),
    path("tickets/<int:ticket_id>/history/", ticket_history, name="ticket_history"),
    path("tickets/<int:ticket_id>/print/", ticket_print, name="ticket_print"),
    path(
        "tickets/<int:ticket_id>/attachments/<int:attachment_id>/",
        attachment_download,
        name="attachment_download",
    ),
    path(
        "tickets/<int:ticket_id>/articles/<int:article_id>/html/",
        article_html,
        name="article_html",
    ),
    path(
        "tickets/<int:ticket_id>/articles/<int:article_id>/raw/",
        article_raw,
        name="article_raw",
    ),
]
