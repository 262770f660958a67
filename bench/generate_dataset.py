"""Build a large, realistic Ticketry installation fast, for benchmarks.

This BYPASSES the ticket services on purpose: it writes tickets, articles, history and search
documents with bulk paths (PostgreSQL COPY; `bulk_create` elsewhere), computing ticket numbers,
history names and search text itself the way the services do. Use it only to generate
benchmark data, never to import real data. Run `python bench/generate_dataset.py --help`.

On PostgreSQL the non-unique indexes (with the search GIN index) and the foreign keys of the
four big tables are dropped during the load and recreated exactly afterwards from their
definitions in the catalogue; then sequences are reset and the tables vacuumed and analysed.
The generic path for SQLite and MariaDB/MySQL is slow and meant for small sizes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import random
import tempfile
import time
from array import array
from bisect import bisect
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from corpus import (
    CITIES,
    COMPANY_FORMS,
    COMPANY_WORDS,
    DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    QUEUE_AREAS,
    TextMaker,
    words,
)
from databases import parse_database_url, prepare_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ticketry_bench_1m"
CHUNK = 5000  # tickets per unit of work (and per COPY transaction)
BIG_TABLES = (
    "tickets_ticket",
    "tickets_article",
    "tickets_tickethistory",
    "tickets_searchdocument",
)
TICKET_COLUMNS = words(
    "id tn title queue_id state_id priority_id type_id lock_id owner_id responsible_id "
    "customer_user_id customer_id service_id sla_id pending_until archived "
    "unlock_timeout_base escalation_at escalation_response_at escalation_update_at "
    "escalation_solution_at created_at created_by_id changed_at changed_by_id"
)
ARTICLE_COLUMNS = words(
    "id ticket_id channel_id sender_type_id is_visible_for_customer from_address to_address "
    "cc bcc reply_to subject message_id message_id_md5 in_reply_to references body body_html "
    "content_type charset raw_message incoming_at time_units created_at created_by_id "
    "changed_at changed_by_id"
)
HISTORY_COLUMNS = words(
    "id ticket_id article_id history_type_id name queue_id state_id priority_id type_id "
    "owner_id created_at created_by_id"
)
SEARCH_COLUMNS = ["id", "ticket_id", "article_id", "content"]

# Seed ids from the initial data migrations (OTRS's ids).
STATE_NEW, STATE_CLOSED_OK, STATE_CLOSED_NOK, STATE_OPEN = 1, 2, 3, 4
STATE_PENDING_REMINDER, STATE_PENDING_AUTO_PLUS, STATE_PENDING_AUTO_MINUS = 6, 7, 8
STATE_NAMES = {
    1: "new",
    2: "closed successful",
    3: "closed unsuccessful",
    4: "open",
    6: "pending reminder",
    7: "pending auto close+",
    8: "pending auto close-",
}
CLOSED = (STATE_CLOSED_OK, STATE_CLOSED_NOK)
PENDING = (STATE_PENDING_REMINDER, STATE_PENDING_AUTO_PLUS, STATE_PENDING_AUTO_MINUS)
PRIORITY_NAMES = {1: "1 very low", 2: "2 low", 3: "3 normal", 4: "4 high", 5: "5 very high"}
PRIORITY_CUM = list(accumulate([2, 10, 75, 10, 3]))
CHANNEL_EMAIL, CHANNEL_INTERNAL = 1, 3
SENDER_AGENT, SENDER_CUSTOMER = 1, 3
LOCK_UNLOCK, LOCK_LOCK = 1, 2
TYPE_UNCLASSIFIED = 1
SYSTEM_AGENT = 1
RAW_QUEUE, JUNK_QUEUE = 2, 3
# Articles per ticket once an agent has answered: 2..10, about 4.3 on average.
ARTICLE_COUNT_CUM = list(accumulate([0, 22, 24, 19, 13, 9, 6, 4, 2, 1]))
# By age: recent tickets are still being worked on, old ones are (nearly all) closed.
STATE_MIX_RECENT = [(1, 12), (4, 30), (6, 8), (7, 4), (8, 2), (2, 36), (3, 8)]
STATE_MIX_MONTH = [(1, 1), (4, 6), (6, 3), (7, 1), (8, 1), (2, 74), (3, 14)]
STATE_MIX_OLD = [(4, 0.4), (6, 0.3), (2, 84), (3, 15.3)]
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 10, 18, 20, 20, 18, 14, 17, 18, 17, 14, 10, 6, 4, 3, 2, 2, 1]
REGIONS = ["EMEA", "Americas", "APAC", "DACH"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        help=f"database to fill (default {DEFAULT_URL}); created and migrated if missing. "
        "It must not hold tickets yet, unless --recreate drops it first",
    )
    parser.add_argument(
        "--recreate", action="store_true", help="drop and create the database first"
    )
    parser.add_argument("--tickets", type=int, default=1_000_000, help="default 1,000,000")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="parallel producer processes, each with its own COPY connection, and parallel "
        "index builds (default 2; PostgreSQL only)",
    )
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--companies", type=int, default=5_000)
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--years", type=float, default=3.0, help="span of creation dates")
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="ANALYZE only instead of VACUUM (ANALYZE) at the end (PostgreSQL)",
    )
    return parser.parse_args(argv)


class Phases:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.times: list[tuple[str, float]] = []

    def run(self, name: str, function, *args, **kwargs):
        print(f"-- {name} ...", flush=True)
        start = time.perf_counter()
        result = function(*args, **kwargs)
        elapsed = time.perf_counter() - start
        self.times.append((name, elapsed))
        print(f"   {name}: {elapsed:.1f} s", flush=True)
        return result

    def report(self) -> None:
        print("\nphase                          seconds")
        for name, seconds in self.times:
            print(f"{name:<30} {seconds:8.1f}")
        print(f"{'total':<30} {time.perf_counter() - self.started:8.1f}")


# --- reference data: groups, queues, agents, customers ------------------------------------


@dataclass
class Reference:
    queues: list[tuple[int, str, int, str]] = field(default_factory=list)  # id, name, group, to
    queue_cum: list[float] = field(default_factory=list)
    agents_by_group: dict[int, list[int]] = field(default_factory=dict)
    agent_names: dict[int, str] = field(default_factory=dict)
    customers: list[tuple[str, str, str, str]] = field(default_factory=list)  # login, id, name,
    history_types: dict[str, int] = field(default_factory=dict)  # email


def ascii_name(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "ë": "e"})
    return text.lower().translate(table).encode("ascii", "ignore").decode()


def create_reference_data(args: argparse.Namespace) -> None:
    """Groups, queues, agents with group permissions, companies and customer users."""
    from django.db import transaction

    from ticketry.accounts.models import Agent, AgentGroupPermission, Group, PermissionType
    from ticketry.customers.models import CustomerCompany, CustomerUser
    from ticketry.tickets.models import Queue

    rng = random.Random(args.seed)
    now = datetime.now(UTC)
    with transaction.atomic():
        groups = Group.objects.bulk_create(
            Group(name=area.lower().replace(" ", "-"), comment=f"{area} queues")
            for area, _children in QUEUE_AREAS
        )
        names: list[tuple[str, Group]] = []
        for (area, children), group in zip(QUEUE_AREAS, groups, strict=True):
            names.append((area, group))
            names.extend((f"{area}::{child}", group) for child in children)
        for (area, children), group in zip(QUEUE_AREAS, groups, strict=True):
            for child in children:
                for region in REGIONS:
                    if len(names) < args.queues:
                        names.append((f"{area}::{child}::{region}", group))
        Queue.objects.bulk_create(
            Queue(
                name=name,
                group=group,
                system_address_id=1,
                salutation_id=1,
                signature_id=1,
                comment=f"Queue {name}",
            )
            for name, group in names[: args.queues]
        )

        agents = []
        logins = set()
        for index in range(args.agents):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            login = f"{ascii_name(first)[0]}.{ascii_name(last)}"
            while login in logins:
                login = f"{login}{index}"
            logins.add(login)
            agents.append(
                Agent(
                    login=login,
                    first_name=first,
                    last_name=last,
                    email=f"{login}@example.com",
                    password="!",
                    created_at=now - timedelta(days=rng.randint(30, 2000)),
                )
            )
        agents = Agent.objects.bulk_create(agents)
        permissions = [
            AgentGroupPermission(agent_id=SYSTEM_AGENT, group=group, permission=PermissionType.RW)
            for group in groups
        ]
        for index, agent in enumerate(agents):
            if index < 10:  # team leads see everything
                rw = set(groups)
                ro: set = set()
            else:
                rw = {groups[index % len(groups)]} | set(rng.sample(groups, rng.randint(0, 2)))
                ro = set(rng.sample(groups, rng.randint(0, 3))) - rw
            permissions += [
                AgentGroupPermission(agent=agent, group=g, permission=PermissionType.RW) for g in rw
            ]
            permissions += [
                AgentGroupPermission(agent=agent, group=g, permission=PermissionType.RO) for g in ro
            ]
        AgentGroupPermission.objects.bulk_create(permissions, batch_size=2000)

        companies = []
        for index in range(args.companies):
            word = rng.choice(COMPANY_WORDS)
            second = rng.choice(COMPANY_WORDS)
            companies.append(
                CustomerCompany(
                    customer_id=f"K{100000 + index}",
                    name=f"{word} {second} {rng.choice(COMPANY_FORMS)}",
                    city=rng.choice(CITIES),
                    zip=f"{rng.randint(1000, 99999):05d}",
                    street=f"{rng.choice(LAST_NAMES)}straße {rng.randint(1, 120)}",
                    url=f"https://www.{ascii_name(word)}-{ascii_name(second)}-{index}."
                    f"{rng.choice(DOMAINS)}",
                )
            )
        CustomerCompany.objects.bulk_create(companies, batch_size=2000)
        users = []
        logins = set()
        for index in range(args.customers):
            company = companies[index % len(companies)]
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            base = f"{ascii_name(first)}.{ascii_name(last)}"
            login = base if base not in logins else f"{base}{index}"
            logins.add(login)
            domain = company.url.removeprefix("https://www.")
            users.append(
                CustomerUser(
                    login=login,
                    email=f"{login}@{domain}",
                    customer_id=company.customer_id,
                    first_name=first,
                    last_name=last,
                    phone=f"+49 {rng.randint(30, 989)} {rng.randint(100000, 9999999)}",
                    city=company.city,
                    created_at=now - timedelta(days=rng.randint(0, 1500)),
                )
            )
        CustomerUser.objects.bulk_create(users, batch_size=2000)


def load_reference(args: argparse.Namespace) -> Reference:
    from ticketry.accounts.models import AgentGroupPermission, PermissionType
    from ticketry.customers.models import CustomerUser
    from ticketry.tickets.models import HistoryType, Queue

    ref = Reference()
    queues = list(Queue.objects.order_by("id").values_list("id", "name", "group_id"))
    generated = [q for q in queues if q[0] > 4]
    rng = random.Random(args.seed + 1)
    rng.shuffle(generated)
    for qid, name, group_id in generated:
        area = name.split("::")[0].lower().replace(" ", "-")
        ref.queues.append((qid, name, group_id, f"{area}@example.com"))
    weights = [1.0 / (rank + 1) ** 0.7 for rank in range(len(ref.queues))]
    # A few tickets stay in Raw (unsorted mail) and Junk.
    seed = {q[0]: q for q in queues}
    for qid, share in ((RAW_QUEUE, 0.03), (JUNK_QUEUE, 0.01)):
        ref.queues.append((qid, seed[qid][1], seed[qid][2], "support@example.com"))
        weights.append(sum(weights) * share)
    ref.queue_cum = list(accumulate(weights))
    for agent_id, group_id in AgentGroupPermission.objects.filter(
        permission=PermissionType.RW
    ).values_list("agent_id", "group_id"):
        if agent_id != SYSTEM_AGENT:
            ref.agents_by_group.setdefault(group_id, []).append(agent_id)
    from ticketry.accounts.models import Agent

    for agent_id, first, last in Agent.objects.values_list("id", "first_name", "last_name"):
        ref.agent_names[agent_id] = f"{first} {last}"
    for queue in ref.queues:
        ref.agents_by_group.setdefault(queue[2], [SYSTEM_AGENT])
    ref.customers = [
        (login, customer_id, f"{first} {last}", email)
        for login, customer_id, first, last, email in CustomerUser.objects.order_by(
            "id"
        ).values_list("login", "customer_id", "first_name", "last_name", "email")
    ]
    ref.history_types = dict(HistoryType.objects.values_list("name", "id"))
    return ref


# --- the plan: creation times, ticket number counters, states, article counts -------------


@dataclass
class Plan:
    now: float
    created: array  # epoch seconds, ascending with the ticket id
    counter: array  # ticket number counter within its (server local) day
    day: list[str]  # YYYYMMDD per ticket
    state: array
    articles: array
    first_article: array  # id of the ticket's first article; history/search ids likewise
    first_history: array
    first_search: array


def make_plan(args: argparse.Namespace) -> Plan:
    from django.utils import timezone

    rng = random.Random(args.seed + 2)
    now = time.time()
    span = args.years * 365.25 * 86400
    start = now - span
    hour_cum = list(accumulate(HOUR_WEIGHTS))
    stamps = []
    for _ in range(args.tickets):
        while True:
            # Density grows towards today (the installation gets busier); fewer on weekends.
            moment = start + span * rng.random() ** 0.8
            day_start = moment - moment % 86400
            weekday = (int(day_start // 86400) + 3) % 7  # 1970-01-01 was a Thursday
            if weekday >= 5 and rng.random() < 0.8:
                continue
            hour = bisect(hour_cum, rng.random() * hour_cum[-1])
            moment = day_start + hour * 3600 + rng.random() * 3600
            if moment < now:
                break
        stamps.append(int(moment))
    stamps.sort()
    zone = timezone.get_default_timezone()
    counters = array("q")
    days: list[str] = []
    last_day, count = "", 0
    day_cache: dict[int, str] = {}
    for stamp in stamps:
        hour_key = stamp // 3600
        day = day_cache.get(hour_key)
        if day is None:
            day = datetime.fromtimestamp(stamp, zone).strftime("%Y%m%d")
            day_cache[hour_key] = day
        count = count + 1 if day == last_day else 1
        last_day = day
        counters.append(count)
        days.append(day)

    states, counts = array("b"), array("b")
    for stamp in stamps:
        age_days = (now - stamp) / 86400
        mix = STATE_MIX_RECENT if age_days < 7 else STATE_MIX_MONTH if age_days < 45 else None
        mix = mix or STATE_MIX_OLD
        state = rng.choices([s for s, _w in mix], [w for _s, w in mix])[0]
        states.append(state)
        if state == STATE_NEW:
            counts.append(1)
        else:
            counts.append(1 + bisect(ARTICLE_COUNT_CUM, rng.random() * ARTICLE_COUNT_CUM[-1]))
    first_article, first_history, first_search = array("q"), array("q"), array("q")
    article_id = history_id = search_id = 1
    for state, count in zip(states, counts, strict=True):
        first_article.append(article_id)
        first_history.append(history_id)
        first_search.append(search_id)
        article_id += count
        history_id += 1 + count + (1 if state in CLOSED else 0)
        search_id += 1 + count
    return Plan(
        now=now,
        created=array("q", stamps),
        counter=counters,
        day=days,
        state=states,
        articles=counts,
        first_article=first_article,
        first_history=first_history,
        first_search=first_search,
    )


def checksum(digits: str) -> int:
    # OTRS DateChecksum: weights 1,2,1,2,... over the digits, plain products; 10 becomes 1.
    total = sum(int(d) * (2 if i % 2 else 1) for i, d in enumerate(digits))
    check = 10 - total % 10
    return 1 if check == 10 else check


def ticket_number(day: str, system_id: str, counter: int) -> str:
    body = f"{day}{system_id}{counter:05d}"
    return f"{body}{checksum(body)}"


# --- rows of one chunk of tickets ---------------------------------------------------------


class Folder:
    """The search text of the services (tickets.search.documents), word by word with a cache:
    words never span whitespace, so folding each whitespace-separated token gives the same."""

    def __init__(self) -> None:
        from ticketry.tickets.search.documents import parse_words

        self.parse_words = parse_words
        self.cache: dict[str, list[str]] = {}

    def words(self, text: str, out: list[str]) -> None:
        cache = self.cache
        for token in text.split():
            folded = cache.get(token)
            if folded is None:
                folded = self.parse_words(token)
                if len(cache) < 200_000:
                    cache[token] = folded
            out.extend(folded)

    def content(self, *parts: str) -> str:
        out: list[str] = []
        for part in parts:
            self.words(part, out)
        return " ".join(out)


@dataclass
class Rows:
    tickets: list = field(default_factory=list)
    articles: list = field(default_factory=list)
    history: list = field(default_factory=list)
    search: list = field(default_factory=list)


def utc(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


def chunk_rows(
    plan: Plan, ref: Reference, first: int, last: int, seed: int, system_id: str, folder: Folder
) -> Rows:
    """Rows for tickets with ids first..last (inclusive); deterministic per chunk."""
    rng = random.Random(seed * 1_000_003 + first)
    text = TextMaker(rng)
    rows = Rows()
    ht = ref.history_types
    new_ticket, email_customer = ht["NewTicket"], ht["EmailCustomer"]
    send_answer, add_note, state_update = ht["SendAnswer"], ht["AddNote"], ht["StateUpdate"]
    customers, n_customers = ref.customers, len(ref.customers)
    queues, queue_cum = ref.queues, ref.queue_cum
    queue_total = queue_cum[-1]
    now = plan.now
    for ticket_id in range(first, last + 1):
        i = ticket_id - 1
        created = plan.created[i]
        state = plan.state[i]
        n_articles = plan.articles[i]
        tn = ticket_number(plan.day[i], system_id, plan.counter[i])
        login, customer_id, customer_name, customer_email = customers[
            int(n_customers * rng.random() ** 1.6)
        ]
        queue_id, queue_name, group_id, address = queues[
            bisect(queue_cum, rng.random() * queue_total)
        ]
        group_agents = ref.agents_by_group[group_id]
        agent = rng.choice(group_agents)
        owner = SYSTEM_AGENT if state == STATE_NEW else agent
        responsible = owner if rng.random() < 0.85 else rng.choice(group_agents)
        priority = 1 + bisect(PRIORITY_CUM, rng.random() * PRIORITY_CUM[-1])
        german = rng.random() < 0.4
        title, product = text.subject(german)
        agent_name = ref.agent_names.get(agent, "Service Desk")

        # Article times: in order after creation, never in the future.
        gaps = [rng.expovariate(1 / 14400) + 60 for _ in range(n_articles)]
        gaps[0] = 0
        finish_gap = rng.expovariate(1 / 86400) + 300 if state in CLOSED else 0
        available = now - created - 1
        total = sum(gaps) + finish_gap
        scale = min(1.0, available / total) if total > 0 else 1.0
        moments = [float(created)]
        for gap in gaps[1:]:
            moments.append(moments[-1] + gap * scale)
        changed = moments[-1] + finish_gap * scale
        created_dt, changed_dt = utc(created), utc(changed)
        locked = state not in CLOSED and state != STATE_NEW and rng.random() < 0.4
        pending_until = None
        if state in PENDING:
            pending_until = utc(changed + rng.uniform(0.5, 14) * 86400)
        rows.tickets.append(
            (
                ticket_id,
                tn,
                title,
                queue_id,
                state,
                priority,
                TYPE_UNCLASSIFIED,
                LOCK_LOCK if locked else LOCK_UNLOCK,
                owner,
                responsible,
                login,
                customer_id,
                None,
                None,
                pending_until,
                False,
                changed_dt if locked else None,
                None,
                None,
                None,
                None,
                created_dt,
                SYSTEM_AGENT,
                changed_dt,
                owner if n_articles > 1 else SYSTEM_AGENT,
            )
        )
        history_id = plan.first_history[i]
        search_id = plan.first_search[i]
        rows.history.append(
            (
                history_id,
                ticket_id,
                None,
                new_ticket,
                f"%%{tn}%%{queue_name}%%{PRIORITY_NAMES[priority]}%%new%%{ticket_id}",
                queue_id,
                STATE_NEW,
                priority,
                TYPE_UNCLASSIFIED,
                SYSTEM_AGENT,
                created_dt,
                SYSTEM_AGENT,
            )
        )
        rows.search.append((search_id, ticket_id, None, folder.content(tn, title)))
        history_id += 1
        search_id += 1

        article_id = plan.first_article[i]
        previous_kind = ""
        previous_message = ""
        references = ""
        history_state = STATE_NEW
        customer_from = f'"{customer_name}" <{customer_email}>'
        agent_from = f'"{agent_name} via Service Desk" <{address}>'
        for position, moment in enumerate(moments):
            if position == 0:
                kind = "customer"
            elif previous_kind == "customer":
                kind = "answer" if rng.random() < 0.75 else "note"
            elif previous_kind == "answer":
                kind = "customer" if rng.random() < 0.6 else "note"
            else:
                kind = "answer" if rng.random() < 0.7 else "customer"
            moment_dt = utc(moment)
            re = "AW" if german else "RE"
            subject = title if position == 0 else f"{re}: [Ticket#{tn}] {title}"
            message_id = ""
            if kind == "customer":
                body = text.customer_mail(german, product, customer_name)
                channel, sender, visible = CHANNEL_EMAIL, SENDER_CUSTOMER, True
                from_address, to_address, creator = customer_from, address, SYSTEM_AGENT
                history_type, history_name = email_customer, f"%%{customer_email}"
                message_id = f"<{rng.getrandbits(64):016x}@{customer_email.split('@')[1]}>"
            elif kind == "answer":
                first_name = customer_name.split(" ")[0]
                body = text.agent_answer(german, product, first_name, agent_name)
                channel, sender, visible = CHANNEL_EMAIL, SENDER_AGENT, True
                from_address, to_address, creator = agent_from, customer_from, agent
                history_type, history_name = send_answer, f"%%{customer_email}"
                message_id = f"<{created}.{article_id}.{rng.getrandbits(32):08x}@example.com>"
            else:
                body = text.note(german, product)
                subject = "Notiz" if german else "Note"
                channel, sender, visible = CHANNEL_INTERNAL, SENDER_AGENT, False
                from_address, to_address, creator = agent_from, "", agent
                history_type, history_name = add_note, "%%Note"
            in_reply_to = previous_message if message_id and previous_message else ""
            if in_reply_to:
                references = f"{references} {in_reply_to}".strip()[-900:]
            rows.articles.append(
                (
                    article_id,
                    ticket_id,
                    channel,
                    sender,
                    visible,
                    from_address,
                    to_address,
                    "",
                    "",
                    "",
                    subject,
                    message_id,
                    hashlib.md5(message_id.encode()).hexdigest() if message_id else "",
                    in_reply_to,
                    references if in_reply_to else "",
                    body,
                    "",
                    "text/plain",
                    "utf-8",
                    "",
                    moment_dt,
                    0,
                    moment_dt,
                    creator,
                    moment_dt,
                    creator,
                )
            )
            if kind == "answer" and state != STATE_NEW:
                history_state = STATE_OPEN
            rows.history.append(
                (
                    history_id,
                    ticket_id,
                    article_id,
                    history_type,
                    history_name,
                    queue_id,
                    history_state,
                    priority,
                    TYPE_UNCLASSIFIED,
                    owner,
                    moment_dt,
                    creator,
                )
            )
            rows.search.append(
                (
                    search_id,
                    ticket_id,
                    article_id,
                    folder.content(subject, from_address, to_address, body),
                )
            )
            if message_id:
                previous_message = message_id
            previous_kind = kind
            article_id += 1
            history_id += 1
            search_id += 1
        if state in CLOSED:
            rows.history.append(
                (
                    history_id,
                    ticket_id,
                    None,
                    state_update,
                    f"%%{STATE_NAMES[history_state]}%%{STATE_NAMES[state]}%%",
                    queue_id,
                    state,
                    priority,
                    TYPE_UNCLASSIFIED,
                    owner,
                    changed_dt,
                    owner,
                )
            )
    return rows


def check_search_text(plan: Plan, ref: Reference, seed: int, system_id: str) -> None:
    """The cached folding must give exactly what the services index."""
    from ticketry.tickets.search.documents import article_content, ticket_content

    rows = chunk_rows(plan, ref, 1, min(200, len(plan.created)), seed, system_id, Folder())
    articles = {row[0]: row for row in rows.articles}
    for _id, _ticket_id, article_id, content in rows.search:
        if article_id is None:
            continue
        a = articles[article_id]
        expected = article_content(
            subject=a[10], from_address=a[5], to_address=a[6], cc="", body=a[15], body_html=""
        )
        if content != expected:
            raise SystemExit(f"search text differs for article {article_id}")
    for row in rows.tickets:
        content = next(s[3] for s in rows.search if s[1] == row[0] and s[2] is None)
        if content != ticket_content(tn=row[1], title=row[2]):
            raise SystemExit(f"search text differs for ticket {row[0]}")


# --- PostgreSQL: COPY in parallel producers ------------------------------------------------

_worker: dict = {}


def _worker_init(dsn: dict, plan: Plan, ref: Reference, seed: int, system_id: str) -> None:
    import psycopg

    conn = psycopg.connect(**dsn)
    conn.execute("SET synchronous_commit = off")
    conn.commit()
    _worker.update(conn=conn, plan=plan, ref=ref, seed=seed, system_id=system_id, folder=Folder())


def _copy(cursor, table: str, columns: list[str], rows: list) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        write = copy.write_row
        for row in rows:
            write(row)


def _load_chunk(bounds: tuple[int, int]) -> tuple[int, int, int, int, float, float]:
    first, last = bounds
    w = _worker
    start = time.perf_counter()
    rows = chunk_rows(w["plan"], w["ref"], first, last, w["seed"], w["system_id"], w["folder"])
    generated = time.perf_counter()
    conn = w["conn"]
    with conn.cursor() as cursor:
        _copy(cursor, "tickets_ticket", TICKET_COLUMNS, rows.tickets)
        _copy(cursor, "tickets_article", ARTICLE_COLUMNS, rows.articles)
        _copy(cursor, "tickets_tickethistory", HISTORY_COLUMNS, rows.history)
        _copy(cursor, "tickets_searchdocument", SEARCH_COLUMNS, rows.search)
    conn.commit()
    done = time.perf_counter()
    return (
        len(rows.tickets),
        len(rows.articles),
        len(rows.history),
        len(rows.search),
        generated - start,
        done - generated,
    )


def chunks(total: int) -> list[tuple[int, int]]:
    return [(first, min(first + CHUNK - 1, total)) for first in range(1, total + 1, CHUNK)]


def postgres_dsn(db) -> dict:
    return {
        "host": db.host,
        "port": db.port,
        "user": db.user,
        "password": db.password or None,
        "dbname": db.name,
    }


def load_postgres(db, plan: Plan, ref: Reference, args: argparse.Namespace, system_id: str):
    from django.db import connections

    connections.close_all()  # the producers are forked
    context = multiprocessing.get_context("fork")
    totals = [0, 0, 0, 0, 0.0, 0.0]
    done = 0
    started = time.perf_counter()
    with context.Pool(
        args.jobs,
        initializer=_worker_init,
        initargs=(postgres_dsn(db), plan, ref, args.seed, system_id),
    ) as pool:
        for result in pool.imap_unordered(_load_chunk, chunks(len(plan.created))):
            for index, value in enumerate(result):
                totals[index] += value
            done += result[0]
            if done % 100_000 < CHUNK:
                rate = done / (time.perf_counter() - started)
                print(f"   {done:>9,} tickets ({rate:,.0f}/s)", flush=True)
    print(
        f"   producers: {totals[4]:.0f} s generating, {totals[5]:.0f} s in COPY "
        f"(summed over {args.jobs} jobs)"
    )


def _admin_connection(db):
    import psycopg

    conn = psycopg.connect(**postgres_dsn(db), autocommit=True)
    conn.execute("SET maintenance_work_mem = '1GB'")
    return conn


def drop_postgres_indexes(db, save_to: str) -> dict:
    """Drop the non-unique indexes and the foreign keys of the big tables; keep their DDL."""
    ddl: dict = {"indexes": [], "foreign_keys": []}
    with _admin_connection(db) as conn:
        for table in BIG_TABLES:
            for name, definition in conn.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary "
                "ORDER BY c.relname",
                [table],
            ):
                ddl["indexes"].append({"table": table, "name": name, "sql": definition})
            for name, definition in conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = %s::regclass ORDER BY conname",
                [table],
            ):
                ddl["foreign_keys"].append(
                    {
                        "table": table,
                        "name": name,
                        "sql": f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}',
                    }
                )
        with open(save_to, "w") as out:
            json.dump(ddl, out, indent=1)
        print(
            f"   dropping {len(ddl['indexes'])} indexes and {len(ddl['foreign_keys'])} "
            f"foreign keys (definitions saved in {save_to})"
        )
        with conn.transaction():
            for fk in ddl["foreign_keys"]:
                conn.execute(f'ALTER TABLE "{fk["table"]}" DROP CONSTRAINT "{fk["name"]}"')
            for index in ddl["indexes"]:
                conn.execute(f'DROP INDEX "{index["name"]}"')
    return ddl


def _run_groups(db, groups: list[list[str]], jobs: int) -> None:
    """Run each group's statements in order on one connection, the groups in parallel."""

    def run(group: list[str]) -> None:
        with _admin_connection(db) as conn:
            for statement in group:
                start = time.perf_counter()
                conn.execute(statement)
                seconds = time.perf_counter() - start
                print(f"   {seconds:6.1f} s  {statement[:110]}", flush=True)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as executor:
        list(executor.map(run, groups))


def restore_postgres_indexes(db, ddl: dict, jobs: int) -> None:
    """Recreate the dropped indexes, then the foreign keys (validated), table by table.

    The GIN index takes longest (PostgreSQL 15 builds it in one process), so it starts first
    with the search table's foreign keys after it: adding a foreign key waits for any index
    build on its table. The other tables' indexes and foreign keys run meanwhile."""
    groups: list[list[str]] = []
    for table in BIG_TABLES:
        indexes = [i["sql"] for i in ddl["indexes"] if i["table"] == table]
        fks = [fk["sql"] for fk in ddl["foreign_keys"] if fk["table"] == table]
        gin = [sql for sql in indexes if "USING gin" in sql]
        if gin:
            groups.insert(0, [*gin, *fks])
            groups.append([sql for sql in indexes if sql not in gin])
        else:
            groups.append([*indexes, *fks])
    _run_groups(db, [group for group in groups if group], jobs)


def vacuum_postgres(db, analyze_only: bool, jobs: int) -> None:
    verb = "ANALYZE" if analyze_only else "VACUUM (ANALYZE)"
    groups = [[f'{verb} "{table}"'] for table in reversed(BIG_TABLES)]
    _run_groups(db, [*groups, ["ANALYZE"]], jobs)


# --- SQLite, MariaDB/MySQL: bulk_create ----------------------------------------------------


def load_generic(plan: Plan, ref: Reference, args: argparse.Namespace, system_id: str) -> None:
    from django.db import transaction

    from ticketry.tickets.models import Article, SearchDocument, Ticket, TicketHistory

    folder = Folder()
    done = 0
    for first, last in chunks(len(plan.created)):
        rows = chunk_rows(plan, ref, first, last, args.seed, system_id, folder)
        with transaction.atomic():
            for model, columns, data in (
                (Ticket, TICKET_COLUMNS, rows.tickets),
                (Article, ARTICLE_COLUMNS, rows.articles),
                (TicketHistory, HISTORY_COLUMNS, rows.history),
                (SearchDocument, SEARCH_COLUMNS, rows.search),
            ):
                model.objects.bulk_create(
                    (model(**dict(zip(columns, row, strict=True))) for row in data),
                    batch_size=1000,
                )
        done += len(rows.tickets)
        print(f"   {done:>9,} tickets", flush=True)


# --- after the load ------------------------------------------------------------------------


def finish(plan: Plan) -> None:
    """Reset id sequences; continue today's ticket number counter after the generated ones."""
    import uuid

    from django.core.management.color import no_style
    from django.db import connection
    from django.utils import timezone

    from ticketry.tickets.models import (
        Article,
        SearchDocument,
        Ticket,
        TicketHistory,
        TicketNumberCounter,
    )

    with connection.cursor() as cursor:
        models = [Ticket, Article, TicketHistory, SearchDocument]
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
    today = timezone.localtime(timezone.now(), timezone.get_default_timezone())
    today_key = today.strftime("%Y%m%d")
    if plan.day and plan.day[-1] == today_key:
        TicketNumberCounter.objects.create(
            counter=plan.counter[-1],
            counter_uid=uuid.uuid4().hex,
            created_at=datetime.fromtimestamp(plan.created[-1], UTC),
        )


def report_counts() -> None:
    from django.db import connection

    tables = [
        *BIG_TABLES,
        "tickets_queue",
        "accounts_group",
        "accounts_agent",
        "accounts_agentgrouppermission",
        "customers_customercompany",
        "customers_customeruser",
    ]
    print("\ntable                              rows")
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            print(f"{table:<30} {cursor.fetchone()[0]:>12,}")
        cursor.execute(
            "SELECT s.name, count(*) FROM tickets_ticket t JOIN tickets_state s "
            "ON s.id = t.state_id GROUP BY s.name ORDER BY count(*) DESC"
        )
        print("states: " + ", ".join(f"{name} {count:,}" for name, count in cursor.fetchall()))


def check_postgres_search() -> None:
    from django.db import connection

    from ticketry.tickets.search.postgres import VECTOR_COLUMN

    sql = (
        f"SELECT count(*) FROM tickets_searchdocument "
        f"WHERE {VECTOR_COLUMN} @@ to_tsquery('simple', 'printer')"
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"\n{sql}\n{plan}")
        if "search_doc_vector" not in plan:
            print("WARNING: the search query does not use the GIN index search_doc_vector")
        # PostgreSQL's JIT (on by default) compiles this query for about a second on this
        # kind of machine, more than the query itself takes; so time it both ways.
        for jit in ("on", "off"):
            cursor.execute(f"SET jit = {jit}")
            for attempt in (1, 2):
                start = time.perf_counter()
                cursor.execute(sql)
                count = cursor.fetchone()[0]
                seconds = time.perf_counter() - start
                print(f"jit {jit}, run {attempt}: {count:,} documents in {seconds:.3f} s")
        cursor.execute("RESET jit")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    phases = Phases()
    db = parse_database_url(args.database_url or DEFAULT_URL)
    phases.run(
        "create database + migrate",
        prepare_database,
        args.database_url,
        default_url=DEFAULT_URL,
        recreate=args.recreate,
        fresh_default=False,
    )
    from django.conf import settings

    from ticketry.tickets.models import Ticket

    if Ticket.objects.exists():
        raise SystemExit(f"{db.describe()} holds tickets already; use --recreate to start over.")
    if settings.TICKET_NUMBER_GENERATOR != "DateChecksum":
        raise SystemExit("The generator writes DateChecksum ticket numbers only.")
    system_id = settings.SYSTEM_ID

    phases.run("reference data", create_reference_data, args)
    ref = load_reference(args)
    plan = phases.run("plan (dates, numbers)", make_plan, args)
    check_search_text(plan, ref, args.seed, system_id)
    if db.vendor == "postgresql":
        with tempfile.NamedTemporaryFile(
            prefix=f"{db.name}-dropped-ddl-", suffix=".json", delete=False
        ) as saved:
            ddl_file = saved.name
        ddl = phases.run("drop indexes + foreign keys", drop_postgres_indexes, db, ddl_file)
        phases.run("load (COPY)", load_postgres, db, plan, ref, args, system_id)
        phases.run("indexes + foreign keys", restore_postgres_indexes, db, ddl, args.jobs)
        phases.run("reset sequences", finish, plan)
        phases.run(
            "analyze" if args.no_vacuum else "vacuum + analyze",
            vacuum_postgres,
            db,
            args.no_vacuum,
            args.jobs,
        )
    else:
        phases.run("load (bulk_create)", load_generic, plan, ref, args, system_id)
        phases.run("reset sequences", finish, plan)
    phases.report()
    report_counts()
    if db.vendor == "postgresql":
        check_postgres_search()


if __name__ == "__main__":
    main()
