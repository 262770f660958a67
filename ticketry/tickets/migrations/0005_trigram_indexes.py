"""PostgreSQL trigram indexes for searches by part of a ticket title or an article subject
(`title__icontains`, which Django writes as `UPPER(title::text) LIKE UPPER('%…%')`).

Without them a rare word scans every ticket (0.4 to 0.7 s at a million tickets). They need the
pg_trgm extension, which a database owner may create (it is a trusted extension); where
that is refused, searches work as before, only slower, and the migration says so.
Like 0003, these objects are not in Django's model state.
"""

import sys

from django.db import DatabaseError, migrations, transaction

# index name: (table, column)
INDEXES = {
    "ticket_title_trgm": ("tickets_ticket", "title"),
    "article_subject_trgm": ("tickets_article", "subject"),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        sys.stderr.write(f"pg_trgm is not available ({error}); searches by part of a word ")
        sys.stderr.write("in titles and subjects will scan the tables.\n")
        return
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )
    # The planner picks an expression index only with statistics of the expression, which
    # the next ANALYZE gathers; without them a rare word still scans the table in date order.
    tables = ", ".join(table for table, _column in INDEXES.values())
    schema_editor.execute(f"ANALYZE {tables}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_list_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
