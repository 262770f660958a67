"""MariaDB/MySQL search: an InnoDB FULLTEXT index on the document text, matched in boolean mode.

InnoDB does not index words shorter than `innodb_ft_min_token_size` or on its stop-word list,
and sees only committed rows; such words and phrases are checked with LIKE on the folded text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper

from .documents import Term


@dataclass(frozen=True)
class _FulltextSettings:
    min_word_length: int
    stopwords: frozenset[str]


# Server configuration per database alias; it only changes with a server restart.
_settings_cache: dict[str, _FulltextSettings] = {}


def _fulltext_settings(connection: BaseDatabaseWrapper) -> _FulltextSettings:
    cached = _settings_cache.get(connection.alias)
    if cached is not None:
        return cached
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT @@innodb_ft_min_token_size, @@innodb_ft_enable_stopword, "
            "@@innodb_ft_user_stopword_table, @@innodb_ft_server_stopword_table"
        )
        min_length, enabled, user_table, server_table = cursor.fetchone()
        stopwords: frozenset[str] = frozenset()
        if enabled:
            stopword_table = user_table or server_table
            if stopword_table:
                qn = connection.ops.quote_name
                source = ".".join(qn(part) for part in stopword_table.split("/", 1))
            else:
                source = "INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD"
            cursor.execute(f"SELECT value FROM {source}")
            stopwords = frozenset(str(value).lower() for (value,) in cursor.fetchall())
    settings = _FulltextSettings(min_word_length=int(min_length), stopwords=stopwords)
    _settings_cache[connection.alias] = settings
    return settings


def _indexed(word: str, settings: _FulltextSettings) -> bool:
    return len(word) >= settings.min_word_length and word not in settings.stopwords


def document_condition(
    terms: Sequence[Term], *, table: str, connection: BaseDatabaseWrapper
) -> tuple[str, list]:
    """A condition on rows of `table` (named by the table): the document matches `terms`.

    MATCH narrows by the indexed words (using the index); LIKE checks phrases, word order and
    unindexed words on the remaining rows. Words hold letters and digits only (no % or _)."""
    settings = _fulltext_settings(connection)
    qn = connection.ops.quote_name
    content = f"{qn(table)}.{qn('content')}"
    required: list[str] = []
    conditions: list[str] = []
    params: list[str] = []
    for term in terms:
        last = len(term.words) - 1
        for position, word in enumerate(term.words):
            if _indexed(word, settings):
                is_prefix = term.prefix and position == last
                required.append(f"+{word}*" if is_prefix else f"+{word}")
        if len(term.words) > 1 or not _indexed(term.words[0], settings):
            conditions.append(f"CONCAT(' ', {content}, ' ') LIKE %s")
            phrase = " ".join(term.words)
            params.append(f"% {phrase}%" if term.prefix else f"% {phrase} %")
    if required:
        conditions.insert(0, f"MATCH ({content}) AGAINST (%s IN BOOLEAN MODE)")
        params.insert(0, " ".join(dict.fromkeys(required)))
    return "(" + " AND ".join(conditions) + ")", params


def rebuild(*, table: str, connection: BaseDatabaseWrapper) -> None:
    """Nothing to do: InnoDB updates the FULLTEXT index on commit."""
