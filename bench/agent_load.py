"""Many agents at once against a running Ticketry: latency and errors under load.

Each simulated agent logs in with its own session, then, with a pause to think between
clicks, opens the dashboard, the queue view, a ticket, the search, and now and then answers
a ticket (opening the reply form locks it, as in a browser, and sending writes an article
and queues a mail). Every agent works its own share of the open tickets, as a team that
splits a queue does. The server is a separate process, e.g.

    TICKETRY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ticketry_bench_1m \\
        TICKETRY_DEBUG=0 .venv/bin/ticketry run --no-demo --port 8000
    .venv/bin/python bench/agent_load.py --url http://127.0.0.1:8000

Agents `load-agent-N` (password "load-pass-123", rw on every group) are made on the first
run in the database given by --database-url (the server's).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import random
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser

from databases import prepare_database

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/ticketry_bench_1m"
PASSWORD = "load-pass-123"
LOGIN_REQUESTS = ("log in", "login form")
SEARCH_WORDS = ["printer", "password", "invoice", "network", "laptop", "mail"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running server")
    parser.add_argument("--database-url", default=None, help=f"default {DEFAULT_DATABASE}")
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument(
        "--ramp",
        type=float,
        default=30,
        help="seconds over which the agents log in; requests in this time are not counted",
    )
    parser.add_argument(
        "--duration", type=float, default=120, help="seconds of load counted after the ramp"
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(2.0, 8.0),
        metavar=("MIN", "MAX"),
        help="seconds between an agent's clicks (default 2 to 8)",
    )
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def prepare_agents(count: int) -> list[tuple[str, list[int], list[int]]]:
    """(login, ticket ids to read, ticket ids to answer) per agent; queue ids for the views."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from ticketry.accounts.models import Agent, AgentGroupPermission, Group, PermissionType
    from ticketry.tickets.models import Article, LockType, StateType, Ticket

    password = make_password(PASSWORD)
    groups = list(Group.objects.all())
    with transaction.atomic():
        for number in range(count):
            agent, _created = Agent.objects.update_or_create(
                login=f"load-agent-{number}",
                defaults={
                    "first_name": "Load",
                    "last_name": f"Agent {number}",
                    "password": password,
                },
            )
            AgentGroupPermission.objects.bulk_create(
                [
                    AgentGroupPermission(agent=agent, group=group, permission=PermissionType.RW)
                    for group in groups
                ],
                ignore_conflicts=True,
            )
    open_tickets = list(
        Ticket.objects.filter(
            state__type__name__in=[StateType.NEW, StateType.OPEN],
            lock_id=LockType.UNLOCK,
        )
        .order_by("id")
        .values_list("id", flat=True)[: count * 20]
    )
    with_articles = set(
        Article.objects.filter(ticket_id__in=open_tickets).values_list("ticket_id", flat=True)
    )
    open_tickets = [ticket for ticket in open_tickets if ticket in with_articles]
    shares = []
    for number in range(count):
        mine = open_tickets[number::count]
        shares.append((f"load-agent-{number}", mine[: len(mine) // 2], mine[len(mine) // 2 :]))
    return shares


class FormFields(HTMLParser):
    """The fields of the first form whose action contains `marker`, with their values."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker = marker
        self.inside = False
        self.done = False
        self.action = ""
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_value: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and not self.done and self.marker in (attributes.get("action") or ""):
            self.inside, self.action = True, attributes.get("action") or ""
        if not self.inside:
            return
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("submit", "file", "checkbox"):
            self.fields.append((name, attributes.get("value") or ""))
        elif tag == "input" and name and attributes.get("type") == "checkbox":
            if "checked" in attributes:
                self.fields.append((name, attributes.get("value") or "on"))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))
        elif tag == "select" and name:
            self._select, self._select_value = name, None
        elif (
            tag == "option"
            and self._select
            and (self._select_value is None or "selected" in attributes)
        ):
            self._select_value = attributes.get("value") or ""

    def handle_data(self, data):
        if self._textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            self.fields.append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)

    counting_from: float = 0.0

    def add(self, name: str, ms: float, error: str | None, started: float) -> None:
        if started < self.counting_from and name not in LOGIN_REQUESTS:
            return
        with self.lock:
            self.times[name].append(ms)
            if error:
                self.errors[name] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{name}: {error}")


class SimulatedAgent(threading.Thread):
    def __init__(
        self,
        base: str,
        login: str,
        reads: list[int],
        answers: list[int],
        queue_ids: list[int],
        stop_at: float,
        think: tuple[float, float],
        results: Results,
        seed: int,
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.login = base.rstrip("/"), login
        self.reads, self.answers, self.queue_ids = reads, answers, queue_ids
        self.stop_at, self.think, self.results = stop_at, think, results
        self.rng = random.Random(seed)
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, name: str, path: str, data: list[tuple[str, str]] | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if body is not None:
            request.add_header("Referer", self.base + path)
        started, wall = time.perf_counter(), time.time()
        error, text = None, ""
        try:
            with self.opener.open(request, timeout=60) as response:
                text = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as failure:
            error = f"HTTP {failure.code} for {path}"
        except OSError as failure:
            error = f"{failure} for {path}"
        self.results.add(name, (time.perf_counter() - started) * 1000, error, wall)
        return text

    def log_in(self) -> None:
        page = self.request("login form", "/agent/login/")
        fields = dict(_form(page, "").fields) if page else {}
        self.request(
            "log in",
            "/agent/login/",
            [
                ("csrfmiddlewaretoken", fields.get("csrfmiddlewaretoken", "")),
                ("username", self.login),
                ("password", PASSWORD),
            ],
        )

    def reply(self) -> None:
        if not self.answers:
            return
        ticket = self.answers.pop()
        zoom = self.request("ticket zoom", f"/agent/tickets/{ticket}/")
        marker = f"/agent/tickets/{ticket}/articles/"
        start = zoom.find(marker)
        if start < 0:
            return
        path = zoom[start : zoom.find('"', start)]
        form_page = self.request("reply form", path)
        form = _form(form_page, "/reply/")
        fields = [(name, value) for name, value in form.fields if name != "apply_template"]
        fields = [
            (name, value + "\nThank you, we are on it." if name == "body" else value)
            for name, value in fields
        ]
        self.request("reply send", form.action or path, fields)

    def run(self) -> None:
        self.log_in()
        tasks = [
            (3, lambda: self.request("dashboard", "/agent/")),
            (
                3,
                lambda: self.request(
                    "queue view", f"/agent/queues/?queue={self.rng.choice(self.queue_ids)}"
                ),
            ),
            (1, lambda: self.request("status view", "/agent/status/")),
            (
                4,
                lambda: (
                    self.request("ticket zoom", f"/agent/tickets/{self.rng.choice(self.reads)}/")
                    if self.reads
                    else None
                ),
            ),
            (
                1,
                lambda: self.request("search", f"/agent/search/?q={self.rng.choice(SEARCH_WORDS)}"),
            ),
            (1, self.reply),
        ]
        weights = [weight for weight, _task in tasks]
        while time.time() < self.stop_at:
            time.sleep(self.rng.uniform(*self.think))
            if time.time() >= self.stop_at:
                break
            self.rng.choices(tasks, weights)[0][1]()


def _form(page: str, marker: str) -> FormFields:
    parser = FormFields(marker)
    parser.feed(page)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    prepare_database(
        args.database_url, default_url=DEFAULT_DATABASE, recreate=False, fresh_default=False
    )
    from ticketry.tickets.models import Queue

    shares = prepare_agents(args.agents)
    queue_ids = list(Queue.objects.values_list("id", flat=True))
    results = Results()
    started = time.time()
    results.counting_from = started + args.ramp
    stop_at = results.counting_from + args.duration
    agents = [
        SimulatedAgent(
            args.url,
            login,
            reads,
            answers,
            queue_ids,
            stop_at,
            tuple(args.think),
            results,
            args.seed + number,
        )
        for number, (login, reads, answers) in enumerate(shares)
    ]
    for agent in agents:
        agent.start()
        time.sleep(args.ramp / len(agents))  # agents arrive over the ramp, not all at once
    for agent in agents:
        agent.join()
    elapsed = time.time() - results.counting_from
    everything = sorted(
        ms for name, times in results.times.items() if name not in LOGIN_REQUESTS for ms in times
    )
    print(
        f"{args.agents} agents; after a {args.ramp:.0f} s ramp, {elapsed:.0f} s counted: "
        f"{len(everything)} requests ({len(everything) / elapsed:.1f}/s), "
        f"{sum(results.errors.values())} errors; logins are listed but not in 'all'"
    )
    print(f"{'request':<14} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}")
    for name in sorted(results.times):
        times = sorted(results.times[name])
        print(
            f"{name:<14} {len(times):>6} {statistics.median(times):>8.1f} "
            f"{_p95(times):>8.1f} {times[-1]:>8.1f} {results.errors[name]:>7}"
        )
    print(
        f"{'all':<14} {len(everything):>6} {statistics.median(everything):>8.1f} "
        f"{_p95(everything):>8.1f} {everything[-1]:>8.1f} {sum(results.errors.values()):>7}"
    )
    for sample in results.samples:
        print("  error:", sample)


def _p95(times: list[float]) -> float:
    return times[max(0, round(len(times) * 0.95) - 1)]


if __name__ == "__main__":
    main()
