"""Writing a few new rows of one model in one plain multi-row INSERT."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router


def insert_rows(rows: Sequence[models.Model]) -> None:
    """Insert unsaved instances of one model in one statement; their ids are not read back.

    For the two or three rows a ticket change writes (history, search documents), where
    QuerySet.bulk_create costs more in Python than the database needs: it is made for large
    batches, and on PostgreSQL packs the values into arrays for UNNEST.
    """
    if not rows:
        return
    model = type(rows[0])
    connection = connections[router.db_for_write(model)]
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(field.column) for field in fields)
    values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    params = [
        field.get_db_prep_save(field.pre_save(row, True), connection)
        for row in rows
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES {values}", params
        )
