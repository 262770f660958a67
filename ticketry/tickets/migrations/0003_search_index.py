"""Full-text index over tickets_searchdocument.content, one kind per database (tickets.search).

These objects are not in Django's model state. A later migration that alters or remakes
tickets_searchdocument (SQLite rebuilds tables for most changes) must drop and recreate them.
"""

from django.db import migrations

POSTGRESQL = [
    "ALTER TABLE tickets_searchdocument ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, content)) STORED",
    "CREATE INDEX search_doc_vector ON tickets_searchdocument USING gin (search_vector)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS search_doc_vector",
    "ALTER TABLE tickets_searchdocument DROP COLUMN IF EXISTS search_vector",
]

SQLITE = [
    "CREATE VIRTUAL TABLE tickets_searchdocument_fts USING fts5("
    "content, content='tickets_searchdocument', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER tickets_searchdocument_fts_insert AFTER INSERT ON tickets_searchdocument "
    "BEGIN INSERT INTO tickets_searchdocument_fts(rowid, content) "
    "VALUES (new.id, new.content); END",
    "CREATE TRIGGER tickets_searchdocument_fts_delete AFTER DELETE ON tickets_searchdocument "
    "BEGIN INSERT INTO tickets_searchdocument_fts(tickets_searchdocument_fts, rowid, content) "
    "VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER tickets_searchdocument_fts_update AFTER UPDATE ON tickets_searchdocument "
    "BEGIN INSERT INTO tickets_searchdocument_fts(tickets_searchdocument_fts, rowid, content) "
    "VALUES ('delete', old.id, old.content); "
    "INSERT INTO tickets_searchdocument_fts(rowid, content) VALUES (new.id, new.content); END",
    "INSERT INTO tickets_searchdocument_fts(tickets_searchdocument_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS tickets_searchdocument_fts_insert",
    "DROP TRIGGER IF EXISTS tickets_searchdocument_fts_delete",
    "DROP TRIGGER IF EXISTS tickets_searchdocument_fts_update",
    "DROP TABLE IF EXISTS tickets_searchdocument_fts",
]

MYSQL = [
    "ALTER TABLE tickets_searchdocument ADD FULLTEXT INDEX search_doc_content (content)",
]
MYSQL_REVERSE = [
    "ALTER TABLE tickets_searchdocument DROP INDEX search_doc_content",
]

FORWARD = {"postgresql": POSTGRESQL, "sqlite": SQLITE, "mysql": MYSQL}
REVERSE = {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE, "mysql": MYSQL_REVERSE}


def create_index(apps, schema_editor):
    for statement in FORWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    for statement in REVERSE.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_initial_data")]

    # MySQL cannot roll back DDL, and Django refuses DDL inside an atomic RunPython there.
    operations = [migrations.RunPython(create_index, drop_index, atomic=False)]
