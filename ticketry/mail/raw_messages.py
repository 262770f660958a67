"""An article's raw message, stored once: a received mail is its file in storage, a mail sent
from a ticket is the queued message it went out as (older articles may have a file too)."""

from __future__ import annotations

import io
from typing import IO

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from ticketry.tickets.models import Article

from .models import OutboundMail


def open_raw_message(article: Article) -> IO[bytes] | None:
    """The message as received or sent, open for reading; None for an article without one
    (a note, a phone call). Raises OSError when its file is missing from storage."""
    if article.raw_message:
        return article.raw_message.open("rb")
    sent = _sent_as(article).values_list("message", flat=True).first()
    return None if sent is None else io.BytesIO(bytes(sent))


def has_raw_message(article: Article) -> bool:
    return bool(article.raw_message) or _sent_as(article).exists()


def with_raw_message_flag(articles: QuerySet[Article]) -> QuerySet[Article]:
    """`articles` with `has_raw_message` on each, read in the same query."""
    sent = OutboundMail.objects.filter(article=OuterRef("pk"), message_id=OuterRef("message_id"))
    flag = ~Q(raw_message="") | (~Q(message_id="") & Exists(sent))
    return articles.annotate(has_raw_message=ExpressionWrapper(flag, output_field=BooleanField()))


def _sent_as(article: Article) -> QuerySet[OutboundMail]:
    # The article's own message has its Message-ID; a bounce of the article, queued for the
    # same article, has a new one.
    if not article.message_id:
        return OutboundMail.objects.none()
    return OutboundMail.objects.filter(article_id=article.pk, message_id=article.message_id)
