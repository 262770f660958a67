"""Keeping id sequences right after rows were inserted with explicit ids (seed data)."""

from django.core.management.color import no_style


def reset_sequences(schema_editor, models) -> None:
    """PostgreSQL does not advance a sequence for explicit ids; the others need nothing."""
    connection = schema_editor.connection
    for sql in connection.ops.sequence_reset_sql(no_style(), models):
        schema_editor.execute(sql)
