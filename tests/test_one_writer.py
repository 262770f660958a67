"""Only the ticket services (and the search index they call) write the ticket tables."""

import ast
from pathlib import Path

import ticketry

WRITER_PACKAGES = ("tickets/services/", "tickets/search/", "tickets/numbers.py")
TICKET_TABLES = {
    "Ticket",
    "Article",
    "Attachment",
    "TicketHistory",
    "TicketLink",
    "Watcher",
    "TicketFlag",
    "ArticleFlag",
    "TimeAccounting",
    "DynamicFieldValue",
    "SearchDocument",
    "TicketNumberCounter",
}
WRITE_METHODS = {
    "save",
    "delete",
    "create",
    "bulk_create",
    "bulk_update",
    "update",
    "get_or_create",
    "update_or_create",
}


def _modules():
    root = Path(ticketry.__file__).parent
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if "/migrations/" in relative or relative.startswith(WRITER_PACKAGES):
            continue
        yield relative, ast.parse(path.read_text(), filename=str(path))


def _imports_ticket_tables(tree: ast.AST) -> set[str]:
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and "tickets.models" in node.module
        for alias in node.names
        if alias.name in TICKET_TABLES
    }


def test_ticket_tables_are_written_only_by_the_services():
    offenders = []
    for relative, tree in _modules():
        tables = _imports_ticket_tables(tree)
        if not tables:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITE_METHODS
            ):
                offenders.append(f"{relative}:{node.lineno} {node.func.attr}()")
    assert not offenders, "Ticket tables written outside the services:\n" + "\n".join(offenders)
