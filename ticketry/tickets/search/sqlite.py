"""SQLite search: an FTS5 table with external content (the documents table), kept in sync by
triggers, matched by an FTS5 query of quoted phrases."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.backends.base.base import BaseDatabaseWrapper

from .documents import Term


def fts_table(table: str) -> str:
    return f"{table}_fts"


def fts_query(terms: Sequence[Term]) -> str:
    """`"a b"* AND "c"`: every term a quoted phrase, so no FTS5 operator can come from input."""
    parts = []
    for term in terms:
        phrase = '"' + " ".join(term.words).replace('"', '""') + '"'
        parts.append(phrase + ("*" if term.prefix else ""))
    return " AND ".join(parts)


def document_condition(
    terms: Sequence[Term], *, table: str, connection: BaseDatabaseWrapper
) -> tuple[str, list]:
    """A condition on rows of `table` (named by the table): the document matches `terms`."""
    qn = connection.ops.quote_name
    fts = qn(fts_table(table))
    condition = f"{qn(table)}.{qn('id')} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)"
    return condition, [fts_query(terms)]


def rebuild(*, table: str, connection: BaseDatabaseWrapper) -> None:
    """Rebuild the FTS5 index from the documents table (repairs any drift)."""
    fts = connection.ops.quote_name(fts_table(table))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
