"""Full-text search over tickets: the only writer of SearchDocument, and the ticket filter.

One document per article plus one for the ticket's number and title; PostgreSQL matches them with
a tsvector + GIN index, SQLite with FTS5, MariaDB/MySQL with an InnoDB FULLTEXT index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from types import ModuleType

from django.db import NotSupportedError, connections, router, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from ticketry.tickets.models import Article, Attachment, SearchDocument, Ticket
from ticketry.tickets.rows import insert_rows

from . import mysql, postgres, sqlite
from .documents import article_content, parse_query, ticket_content

__all__ = [
    "add_documents",
    "article_document",
    "filter_fulltext",
    "fulltext_ticket_ids",
    "index_article",
    "index_ticket",
    "reassign_ticket",
    "reindex_all",
    "ticket_document",
]

_BACKENDS: dict[str, ModuleType] = {"postgresql": postgres, "sqlite": sqlite, "mysql": mysql}
_ARTICLE_FIELDS = (
    "id",
    "ticket_id",
    "subject",
    "from_address",
    "to_address",
    "cc",
    "body",
    "body_html",
)
_WRITE_BATCH = 500


def _backend(alias: str) -> ModuleType:
    vendor = connections[alias].vendor
    try:
        return _BACKENDS[vendor]
    except KeyError:
        raise NotSupportedError(f"Full-text search is not available on {vendor}.") from None


def _documents(alias: str | None) -> QuerySet[SearchDocument]:
    return SearchDocument.objects.using(alias or router.db_for_write(SearchDocument))


def ticket_document(ticket: Ticket) -> SearchDocument:
    """The ticket's own document, unsaved: its number and title."""
    return SearchDocument(
        ticket_id=ticket.pk, article=None, content=ticket_content(tn=ticket.tn, title=ticket.title)
    )


def article_document(article: Article, *, attachment_names: Sequence[str] = ()) -> SearchDocument:
    """The article's document, unsaved: subject, addresses, body, attachment names.

    The plain body is used; an article with only an HTML body is indexed by its visible text."""
    return SearchDocument(
        ticket_id=article.ticket_id,
        article_id=article.pk,
        content=_article_content(article, attachment_names),
    )


def add_documents(documents: Sequence[SearchDocument]) -> None:
    """Write the documents of new tickets and articles (from `ticket_document` and
    `article_document`) in one statement."""
    insert_rows(documents)


def index_ticket(ticket: Ticket) -> None:
    """Write or refresh the ticket's own document (after a change of its title)."""
    documents = _documents(ticket._state.db)
    content = ticket_content(tn=ticket.tn, title=ticket.title)
    existing = (
        documents.filter(ticket_id=ticket.pk, article__isnull=True)
        .values_list("id", "content")
        .first()
    )
    if existing is None:
        documents.create(ticket_id=ticket.pk, article=None, content=content)
    elif existing[1] != content:
        documents.filter(id=existing[0]).update(content=content)


def index_article(article: Article, *, attachment_names: Sequence[str] = ()) -> None:
    """Write or refresh the article's document (see `article_document`)."""
    documents = _documents(article._state.db)
    content = _article_content(article, attachment_names)
    existing = documents.filter(article_id=article.pk).values_list("id", "ticket_id").first()
    if existing is None:
        documents.create(ticket_id=article.ticket_id, article_id=article.pk, content=content)
    else:
        documents.filter(id=existing[0]).update(ticket_id=article.ticket_id, content=content)


def _article_content(article: Article, attachment_names: Sequence[str]) -> str:
    return article_content(
        subject=article.subject,
        from_address=article.from_address,
        to_address=article.to_address,
        cc=article.cc,
        body=article.body,
        body_html=article.body_html,
        attachment_names=attachment_names,
    )


def reassign_ticket(source_ticket_id: int, target_ticket_id: int) -> int:
    """Move the article documents of one ticket to another (merge); returns how many moved.

    The source ticket keeps its own document (number and title)."""
    return (
        _documents(None)
        .filter(ticket_id=source_ticket_id, article__isnull=False)
        .update(ticket_id=target_ticket_id)
    )


def reindex_all(batch_size: int = 2000) -> int:
    """Rewrite the documents of every ticket, `batch_size` tickets per transaction.

    Returns the number of documents written."""
    alias = router.db_for_write(SearchDocument)
    written = 0
    last_id = 0
    while True:
        with transaction.atomic(using=alias):
            tickets = list(
                Ticket.objects.using(alias)
                .select_for_update()
                .filter(id__gt=last_id)
                .order_by("id")
                .only("id", "tn", "title")[:batch_size]
            )
            if not tickets:
                break
            written += _reindex_tickets(tickets, alias=alias)
        last_id = tickets[-1].pk
    _backend(alias).rebuild(table=SearchDocument._meta.db_table, connection=connections[alias])
    return written


def _reindex_tickets(tickets: list[Ticket], *, alias: str) -> int:
    ticket_ids = [ticket.pk for ticket in tickets]
    documents = _documents(alias)
    names: dict[int, list[str]] = defaultdict(list)
    attachments = (
        Attachment.objects.using(alias)
        .filter(article__ticket_id__in=ticket_ids)
        .order_by("id")
        .values_list("article_id", "filename")
    )
    for article_id, filename in attachments.iterator():
        names[article_id].append(filename)

    documents.filter(ticket_id__in=ticket_ids).delete()
    batch = [
        SearchDocument(
            ticket_id=ticket.pk, content=ticket_content(tn=ticket.tn, title=ticket.title)
        )
        for ticket in tickets
    ]
    written = 0
    last_article_id = 0
    while True:
        articles = list(
            Article.objects.using(alias)
            .filter(ticket_id__in=ticket_ids, id__gt=last_article_id)
            .only(*_ARTICLE_FIELDS)
            .order_by("id")[:_WRITE_BATCH]
        )
        for article in articles:
            content = _article_content(article, names.get(article.pk, ()))
            batch.append(
                SearchDocument(ticket_id=article.ticket_id, article_id=article.pk, content=content)
            )
        written += len(documents.bulk_create(batch))
        batch = []
        if len(articles) < _WRITE_BATCH:
            return written
        last_article_id = articles[-1].pk


def filter_fulltext(queryset: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """Narrow a Ticket queryset to tickets with one document containing every term of `text`.

    Words match by prefix (`printe` finds `printer`, a ticket number by any leading part),
    "quoted words" as an exact phrase; case and diacritics are ignored. Text without any
    word (empty, only punctuation) matches nothing."""
    terms = parse_query(text)
    if not terms:
        return queryset.none()
    connection = connections[queryset.db]
    table = SearchDocument._meta.db_table
    condition, params = _backend(queryset.db).document_condition(
        terms, table=table, connection=connection
    )
    qn = connection.ops.quote_name
    sql = f"SELECT {qn('ticket_id')} FROM {qn(table)} WHERE {condition}"
    return queryset.filter(id__in=RawSQL(sql, params))


def fulltext_ticket_ids(
    queryset: QuerySet[Ticket], text: str, *, documents: int
) -> tuple[list[int], bool]:
    """The ids of the tickets of `queryset` with a document containing every term of `text`
    (as `filter_fulltext` matches them), read from at most `documents` matching documents:
    (ids, complete). Not complete, more documents match, and the ids are those of the first.

    The documents drive: the index yields matching documents, each is checked against
    `queryset` by the ticket's primary key, and reading stops at the limit. So a rare word
    costs little, where going through the tickets would test the documents of every
    candidate ticket; for a common word the tickets find their matches soon."""
    terms = parse_query(text)
    if not terms:
        return [], True
    alias = queryset.db
    table = SearchDocument._meta.db_table
    condition, params = _backend(alias).document_condition(
        terms, table=table, connection=connections[alias]
    )
    # A correlated scalar subquery, not IN/EXISTS: the database cannot turn it into a join
    # that reads every matching document before the limit applies.
    candidate = queryset.filter(pk=OuterRef("ticket_id")).order_by().values("pk")[:1]
    # The condition goes in as it is: as a filter expression, Django would compare it with 1
    # on MariaDB, which then no longer answers MATCH from its full-text index.
    found = list(
        SearchDocument.objects.using(alias)
        .extra(where=[condition], params=params)
        .annotate(candidate=Subquery(candidate))
        .filter(candidate__isnull=False)
        .order_by()
        .values_list("ticket_id", flat=True)[:documents]
    )
    return list(dict.fromkeys(found)), len(found) < documents
