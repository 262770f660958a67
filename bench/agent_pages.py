"""Server time of the agent interface's busiest pages on a large installation.

Requests go through Django's test client in this process, so the figures are the server's
own time (middleware, queries, templates) without network or browser. Each page is fetched
`--requests` times after a warm-up; the SQL statements of one more request are counted.

The agent is a generated one with read-write access to every queue, so the lists hold as many
tickets as any agent can see. A ticket with 100 articles is added through the services on the
first run (and found again by its title later).

Run against the data set of `generate_dataset.py`, e.g.
    TICKETRY_DEBUG=0 .venv/bin/python bench/agent_pages.py
"""

from __future__ import annotations

import argparse
import statistics
import time

from databases import prepare_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ticketry_bench_1m"
ZOOM_TITLE = "Benchmark: a ticket with 100 articles"
SEARCH_TERM = "printer"
# Part of a title word (in about 1% of the titles) and a string in no subject at all: without
# an index, the second reads every article.
TITLE_PART = "refun"
NO_MATCH = "qzxv"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help=f"default {DEFAULT_URL}")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first")
    parser.add_argument("--articles", type=int, default=100, help="articles on the zoom ticket")
    return parser.parse_args(argv)


def bench_agent():
    """An agent with rw on every group (made once; configuration, not tickets)."""
    from ticketry.accounts.models import Agent, AgentGroupPermission, Group, PermissionType

    agent, _created = Agent.objects.get_or_create(
        login="bench-pages",
        defaults={"first_name": "Bench", "last_name": "Pages", "password": "!"},
    )
    for group in Group.objects.all():
        AgentGroupPermission.objects.get_or_create(
            agent=agent, group=group, permission=PermissionType.RW
        )
    return agent


def zoom_ticket(agent, articles: int):
    from ticketry.tickets.models import Ticket
    from ticketry.tickets.services import ArticleInput, article_create, ticket_create

    ticket = Ticket.objects.filter(title=ZOOM_TITLE).order_by("id").first()
    if ticket is None:
        ticket = ticket_create(
            actor=agent.actor,
            title=ZOOM_TITLE,
            queue="Raw",
            article=ArticleInput(
                channel="Email",
                sender_type="customer",
                is_visible_for_customer=True,
                from_address="customer@example.com",
                subject=ZOOM_TITLE,
                body="The first message of a long conversation.\n" * 5,
            ),
        )
    have = ticket.articles.count()
    for number in range(have, articles):
        article_create(
            actor=agent.actor,
            ticket=ticket,
            article=ArticleInput(
                channel="Email" if number % 2 else "Internal",
                sender_type="customer" if number % 2 else "agent",
                is_visible_for_customer=bool(number % 2),
                from_address="customer@example.com",
                subject=f"Message {number + 1}",
                body=f"Message number {number + 1} of the conversation.\n" * 8,
            ),
        )
    return ticket


def busiest_queue_id(agent) -> int:
    from django.db.models import Count

    from ticketry.tickets.models import StateType, Ticket

    row = (
        Ticket.objects.exclude(
            state__type__name__in=[StateType.CLOSED, StateType.MERGED, StateType.REMOVED]
        )
        .values("queue_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return row["queue_id"]


def next_page_url(client, url: str) -> str:
    """The address of the page after `url`'s (its pager's "next" link)."""
    import html
    import re

    page = client.get(url).content.decode()
    found = re.search(r'<a href="([^"]+)"[^>]*rel="next"', page)
    if found is None:
        raise SystemExit(f"{url} has no next page")
    return html.unescape(found.group(1))


def measure(client, url: str, *, requests: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[max(0, round(len(times) * 0.95) - 1)],
        "max": times[-1],
        "queries": len(queries),
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    prepare_database(
        args.database_url, default_url=DEFAULT_URL, recreate=False, fresh_default=False
    )
    from django.test import Client
    from django.urls import reverse

    from ticketry.tickets.models import Ticket

    agent = bench_agent()
    ticket = zoom_ticket(agent, args.articles)
    print(
        f"tickets: {Ticket.objects.count():,}; zoom ticket {ticket.tn} with "
        f"{ticket.articles.count()} articles",
        flush=True,
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(agent)
    queue_url = f"{reverse('agent:queue_view')}?queue={busiest_queue_id(agent)}"
    pages = [
        ("dashboard", reverse("agent:dashboard")),
        ("queue view", queue_url),
        ("queue view, page 2", next_page_url(client, queue_url)),
        ("status view (open)", reverse("agent:status_view")),
        ("status view (closed)", f"{reverse('agent:status_view')}?tab=closed"),
        ("escalation view", reverse("agent:escalation_view")),
        ("locked view", reverse("agent:locked_view")),
        ("search: full text", f"{reverse('agent:search')}?q={SEARCH_TERM}"),
        ("search: title *word*", f"{reverse('agent:search')}?title=*{TITLE_PART}*"),
        ("search: subject, none", f"{reverse('agent:search')}?subject=*{NO_MATCH}*"),
        ("ticket zoom", reverse("agent:ticket_zoom", args=[ticket.pk])),
    ]
    print(f"{'page':<24} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for name, url in pages:
        figures = measure(client, url, requests=args.requests, warmup=args.warmup)
        print(
            f"{name:<24} {figures['p50']:>8.1f} {figures['p95']:>8.1f} {figures['max']:>8.1f} "
            f"{figures['queries']:>8}",
            flush=True,
        )


if __name__ == "__main__":
    main()
