"""Databases for the benchmark scripts: parse a URL, (re)create the database, set Django up.

A benchmark only drops a database it was told to recreate (or its own default one)."""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Database:
    url: str
    vendor: str  # postgresql, mysql or sqlite
    name: str  # database name, or the file path for SQLite
    host: str = ""
    port: int | None = None
    user: str = ""
    password: str = ""

    def describe(self) -> str:
        if self.vendor == "sqlite":
            return f"SQLite {self.name}"
        return f"{self.vendor} {self.host}:{self.port}/{self.name}"


def parse_database_url(url: str) -> Database:
    """`postgres://…/db`, `mysql://…/db`, `sqlite:///path`; `sqlite://` alone means a temp file."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme == "sqlite":
        path = unquote(parts.path)
        if path in ("", "/"):
            handle, path = tempfile.mkstemp(prefix="ticketry-bench-", suffix=".sqlite3")
            os.close(handle)
            os.unlink(path)
        else:
            # sqlite:///relative and sqlite:////absolute, as dj-database-url reads them.
            path = path[1:] if path.startswith("/") and not path.startswith("//") else path
            path = str(Path(path).resolve())
        return Database(url=f"sqlite:///{path}", vendor="sqlite", name=path)
    vendor = {"postgres": "postgresql", "postgresql": "postgresql", "pgsql": "postgresql"}.get(
        scheme, scheme
    )
    if vendor not in ("postgresql", "mysql"):
        raise SystemExit(f"Unsupported database URL scheme {parts.scheme!r}.")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise SystemExit(f"The database URL {url!r} names no database.")
    return Database(
        url=url,
        vendor=vendor,
        name=name,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (5432 if vendor == "postgresql" else 3306),
        user=unquote(parts.username or ("postgres" if vendor == "postgresql" else "root")),
        password=unquote(parts.password or ""),
    )


def database_exists(db: Database) -> bool:
    if db.vendor == "sqlite":
        return Path(db.name).exists()
    if db.vendor == "postgresql":
        with _postgres_admin(db) as conn:
            row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db.name])
            return row.fetchone() is not None
    with _mysql_admin(db) as conn:
        cursor = conn.cursor()
        cursor.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [db.name]
        )
        return cursor.fetchone() is not None


def create_database(db: Database, *, drop_existing: bool) -> bool:
    """Create the database; drop it first when `drop_existing`. Returns True if it was created."""
    if db.vendor == "sqlite":
        path = Path(db.name)
        if drop_existing:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return not path.exists()
    exists = database_exists(db)
    if exists and not drop_existing:
        return False
    if db.vendor == "postgresql":
        from psycopg import sql

        with _postgres_admin(db) as conn:
            name = sql.Identifier(db.name)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
        return True
    with _mysql_admin(db) as conn:
        cursor = conn.cursor()
        quoted = "`" + db.name.replace("`", "``") + "`"
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")
        cursor.execute(f"CREATE DATABASE {quoted} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    return True


def _postgres_admin(db: Database):
    import psycopg

    return psycopg.connect(
        host=db.host,
        port=db.port,
        user=db.user,
        password=db.password or None,
        dbname="postgres",
        autocommit=True,
    )


class _mysql_admin:
    def __init__(self, db: Database) -> None:
        import MySQLdb

        self.conn = MySQLdb.connect(
            host=db.host, port=db.port, user=db.user, passwd=db.password, charset="utf8mb4"
        )

    def __enter__(self):
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


def setup_django(db: Database, *, migrate: bool = True) -> None:
    """Point Ticketry's settings at `db` (production-like: DEBUG off), set Django up, migrate."""
    os.environ["TICKETRY_DATABASE_URL"] = db.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketry.settings")
    # DEBUG would keep every query in memory and time it: not what production runs.
    os.environ.setdefault("TICKETRY_DEBUG", "0")
    os.environ.setdefault("TICKETRY_LOG_LEVEL", "WARNING")
    if "TICKETRY_DATA_DIR" not in os.environ:
        os.environ["TICKETRY_DATA_DIR"] = tempfile.mkdtemp(prefix="ticketry-bench-data-")
    if importlib.util.find_spec("ticketry") is None:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def prepare_database(
    url: str | None,
    *,
    default_url: str,
    recreate: bool,
    fresh_default: bool = True,
    migrate: bool = True,
) -> Database:
    """Resolve the URL, create the database if missing (or always, with `recreate`, and for
    the default URL when `fresh_default`), set Django up and migrate."""
    db = parse_database_url(url or default_url)
    created = create_database(db, drop_existing=recreate or (url is None and fresh_default))
    print(f"database: {db.describe()} ({'created' if created else 'existing'})", flush=True)
    setup_django(db, migrate=migrate)
    return db
