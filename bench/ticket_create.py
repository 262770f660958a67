"""Benchmark: opening tickets through the ticket service (`ticket_create` with one customer
mail: ticket number, history, search index), one after another in one process; with
`--follow-ups`, adding customer mails to open tickets (`article_create`) instead.

Prints operations per second, mean/p50/p95 milliseconds per operation and, from a separate
short pass, the SQL statements per operation. Run `python bench/ticket_create.py --help`.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import pstats
import random
import statistics
import time
from collections import Counter

from corpus import CITIES, COMPANY_FORMS, COMPANY_WORDS, FIRST_NAMES, LAST_NAMES, TextMaker
from databases import prepare_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ticketry_bench"
QUEUES = ["Raw", "Misc", "Support", "Support::Hardware", "Billing"]
SUPPORT_ADDRESS = "support@example.com"
FOLLOW_UP_TICKETS = 200


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        help="database to use (postgres://, mysql://, sqlite:///path, or sqlite:// for a temp "
        "file); created and migrated if missing. Default: a fresh PostgreSQL database "
        f"({DEFAULT_URL}), dropped and created on every run",
    )
    parser.add_argument(
        "--recreate",
        action="store_true",
        help="drop and create the database given by --database-url first",
    )
    parser.add_argument("--count", type=int, default=2000, help="timed tickets (default 2000)")
    parser.add_argument(
        "--warmup", type=int, default=100, help="untimed tickets before (default 100)"
    )
    parser.add_argument(
        "--query-count",
        type=int,
        default=50,
        metavar="N",
        help="tickets in the separate pass that counts SQL statements (default 50, 0: skip)",
    )
    parser.add_argument(
        "--actor",
        choices=["system", "agent"],
        default="system",
        help="who creates the tickets: the system (mail intake, default) or an agent with rw "
        "on the queues (checks group permissions)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also profile N tickets with cProfile and print the top functions",
    )
    parser.add_argument(
        "--follow-ups",
        action="store_true",
        help=f"time `article_create` instead: customer mails (history FollowUp) added to "
        f"{FOLLOW_UP_TICKETS} open tickets made first, as mail follow-ups are",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed for the texts")
    return parser.parse_args(argv)


def setup_fixtures(actor_kind: str):
    """Queues, customers and (for --actor agent) an agent: configuration, not tickets."""
    from django.db import transaction

    from ticketry.accounts.models import Agent, AgentGroupPermission, Group, PermissionType
    from ticketry.core.actor import Actor
    from ticketry.customers.models import CustomerCompany, CustomerUser
    from ticketry.tickets.models import Queue

    rng = random.Random(0)
    with transaction.atomic():
        group = Group.objects.get(name="users")
        for name in QUEUES:
            Queue.objects.get_or_create(name=name, defaults={"group": group})
        if not CustomerCompany.objects.filter(customer_id__startswith="bench-").exists():
            CustomerCompany.objects.bulk_create(
                CustomerCompany(
                    customer_id=f"bench-{i:03d}",
                    name=f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_FORMS)}",
                    city=rng.choice(CITIES),
                )
                for i in range(50)
            )
            CustomerUser.objects.bulk_create(
                CustomerUser(
                    login=f"bench-user-{i:04d}",
                    email=f"bench-user-{i:04d}@example.com",
                    customer_id=f"bench-{i % 50:03d}",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                )
                for i in range(500)
            )
        if actor_kind == "system":
            return Actor.system()
        agent, created = Agent.objects.get_or_create(
            login="bench-agent",
            defaults={"first_name": "Bench", "last_name": "Agent", "password": "!"},
        )
        if created:
            AgentGroupPermission.objects.create(
                agent=agent, group=group, permission=PermissionType.RW
            )
        return agent.actor


def make_inputs(count: int, seed: int, tickets: list[tuple[int, str]] | None = None) -> list[dict]:
    """Keyword arguments for `ticket_create` or, given open tickets (id, number), for
    `article_create`, made before timing starts."""
    from ticketry.customers.models import CustomerUser
    from ticketry.tickets.services import ArticleInput

    rng = random.Random(seed)
    text = TextMaker(rng)
    customers = list(
        CustomerUser.objects.filter(login__startswith="bench-user-").values_list(
            "login", "first_name", "last_name", "email"
        )
    )
    inputs = []
    for index in range(count):
        login, first, last, email = rng.choice(customers)
        german = rng.random() < 0.4
        title, product = text.subject(german)
        body = text.customer_mail(german, product, f"{first} {last}")
        inputs.append(
            {
                "title": title,
                "queue": rng.choice(QUEUES),
                "state": "new",
                "priority": rng.choices(["2 low", "3 normal", "4 high"], [1, 8, 1])[0],
                "customer_user": login,
                "article": ArticleInput(
                    channel="Email",
                    sender_type="customer",
                    is_visible_for_customer=True,
                    from_address=f'"{first} {last}" <{email}>',
                    to_address=SUPPORT_ADDRESS,
                    subject=title,
                    body=body,
                    message_id=f"<{rng.getrandbits(64):016x}@mail.example.com>",
                    history_type="EmailCustomer",
                    history_comment="%%",
                ),
            }
        )
        if tickets:
            ticket_id, tn = tickets[index % len(tickets)]
            article = dataclasses.replace(
                inputs[-1]["article"], history_type="FollowUp", history_comment=f"%%{tn}%%"
            )
            inputs[-1] = {"ticket": ticket_id, "article": article}
    return inputs


def open_tickets(actor, seed: int) -> list[tuple[int, str]]:
    """The tickets follow-ups go to (`--follow-ups`)."""
    from ticketry.tickets.services import ticket_create

    opened = (
        ticket_create(actor=actor, **kwargs) for kwargs in make_inputs(FOLLOW_UP_TICKETS, seed)
    )
    return [(ticket.pk, ticket.tn) for ticket in opened]


def run(actor, inputs: list[dict]) -> list[float]:
    from ticketry.tickets.services import article_create, ticket_create

    service = article_create if inputs and "ticket" in inputs[0] else ticket_create
    durations = []
    clock = time.perf_counter
    for kwargs in inputs:
        start = clock()
        service(actor=actor, **kwargs)
        durations.append(clock() - start)
    return durations


class QueryCounter:
    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.statements: Counter[str] = Counter()

    def __call__(self, execute, sql, params, many, context):
        words = sql.split(None, 1)
        self.kinds[words[0].upper() if words else "?"] += 1
        self.statements[sql] += 1
        return execute(sql, params, many, context)


def count_queries(actor, inputs: list[dict]) -> QueryCounter:
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        run(actor, inputs)
    return counter


def profile(actor, inputs: list[dict]) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    run(actor, inputs)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(35)
    stats.sort_stats("tottime").print_stats(20)
    return out.getvalue()


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    db = prepare_database(args.database_url, default_url=DEFAULT_URL, recreate=args.recreate)
    from django.db import connection

    actor = setup_fixtures(args.actor)
    total = args.warmup + args.count + args.query_count + args.profile
    tickets = open_tickets(actor, args.seed + 1) if args.follow_ups else None
    inputs = make_inputs(total, args.seed, tickets)
    what = "follow-ups" if args.follow_ups else "tickets"
    one = "follow-up" if args.follow_ups else "ticket"
    warmup, timed = inputs[: args.warmup], inputs[args.warmup : args.warmup + args.count]
    rest = inputs[args.warmup + args.count :]

    run(actor, warmup)
    started = time.perf_counter()
    durations = run(actor, timed)
    elapsed = time.perf_counter() - started

    ms = sorted(d * 1000 for d in durations)
    print(f"backend: {connection.vendor} ({db.describe()}), actor: {args.actor}")
    print(f"{what}: {len(durations)} timed after {len(warmup)} warm-up")
    print(f"throughput: {len(durations) / elapsed:.1f} {what}/s")
    print(
        f"ms per {one}: mean {statistics.fmean(ms):.2f}, p50 {percentile(ms, 0.5):.2f}, "
        f"p95 {percentile(ms, 0.95):.2f}, max {ms[-1]:.2f}"
    )
    if args.query_count:
        counted = rest[: args.query_count]
        counter = count_queries(actor, counted)
        n = len(counted)
        per_kind = ", ".join(f"{k} {v / n:.1f}" for k, v in counter.kinds.most_common())
        print(f"SQL statements per {one}: {counter.kinds.total() / n:.1f} ({per_kind})")
    if args.profile:
        print(profile(actor, rest[args.query_count :]))


if __name__ == "__main__":
    main()
