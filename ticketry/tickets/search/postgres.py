"""PostgreSQL search: a stored `tsvector` column over the document text (`simple` configuration)
with a GIN index, matched by a `tsquery` of the terms."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.backends.base.base import BaseDatabaseWrapper

from .documents import Term

VECTOR_COLUMN = "search_vector"


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(terms: Sequence[Term]) -> str:
    """`'a' <-> 'b':* & 'c'`: each term a phrase, its last word a prefix where asked."""
    parts = []
    for term in terms:
        lexemes = [_lexeme(word) for word in term.words]
        if term.prefix:
            lexemes[-1] += ":*"
        parts.append("(" + " <-> ".join(lexemes) + ")")
    return " & ".join(parts)


def document_condition(
    terms: Sequence[Term], *, table: str, connection: BaseDatabaseWrapper
) -> tuple[str, list]:
    """A condition on rows of `table` (named by the table): the document matches `terms`."""
    qn = connection.ops.quote_name
    return f"{qn(table)}.{qn(VECTOR_COLUMN)} @@ to_tsquery('simple', %s)", [tsquery(terms)]


def rebuild(*, table: str, connection: BaseDatabaseWrapper) -> None:
    """Nothing to do: the generated column follows every write."""
