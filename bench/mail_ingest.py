"""Benchmark: email intake through the PostMaster (store raw, parse, follow-up detection,
ticket or article, history, search index, auto-response, agent notification).

By default it measures the path of a new installation as the demo sets it up: the system
address support@example.com leads to queue Raw, every auto-response type is assigned there
(each new ticket is acknowledged, each follow-up confirmed), and three agents with `rw` on
the queue's group have it among their "My Queues" with notifications on, so each new ticket
and follow-up queues their notification. `--no-auto-responses` measures the bare path: no
auto-responses, agents and notifications as before.

The mix: 70% new mails, 20% follow-ups (half by ticket number in the subject, half by
References), 10% new mails with attachments. Three modes (`--mode`):

- `worker`: one process stores and processes the mails one after another (as a fetching
  worker does) and prints, for new mails and follow-ups apart, mails per second, the
  milliseconds per mail (p50, p95, p99), the SQL statements and the storage writes per mail
  (mean and max); `--profile` runs it under cProfile and prints where the time went.
- `pipe`: one `ticketry mail read` process per mail (as an MTA pipe runs it) and prints
  the median and 95th percentile milliseconds from start to exit.
- `two-workers`: stores all mails, then two processes work the stored messages at once and
  the script checks that every mail made exactly one article.

Run `python bench/mail_ingest.py --help`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from corpus import FIRST_NAMES, LAST_NAMES, TextMaker
from databases import ROOT, prepare_database
from mail_setup import SUPPORT_ADDRESS, setup_mail

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ticketry_bench_mail"
# Mail addresses spell umlauts out, as almost every mail server requires.
ASCII_SPELLING = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "á": "a", "é": "e", "ë": "e"}
)
PROFILE_LINES = 25


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        help=f"database to use; default: {DEFAULT_URL}, dropped and created on every run",
    )
    parser.add_argument("--recreate", action="store_true", help="drop and create it first")
    parser.add_argument(
        "--mode", choices=["worker", "pipe", "two-workers"], default="worker", help="see above"
    )
    parser.add_argument("--count", type=int, default=10_000, help="mails (default 10000)")
    parser.add_argument(
        "--no-auto-responses",
        dest="auto_responses",
        action="store_false",
        help="the bare path: assign no auto-responses to the queue (agents are still notified)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="worker mode under cProfile: print the top functions by cumulative and own time",
    )
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


class MailMaker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.text = TextMaker(self.rng)

    def sender(self) -> str:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        local = f"{first}.{last}".lower().translate(ASCII_SPELLING)
        return f"{first} {last} <{local}@customer.example.com>"

    def new(self, *, attachment: bool = False) -> tuple[bytes, str, str]:
        german = self.rng.random() < 0.4
        subject, product = self.text.subject(german)
        sender = self.sender()
        message = self._message(sender, subject, self.text.customer_mail(german, product, sender))
        if attachment:
            size = self.rng.randint(20_000, 400_000)
            message.add_attachment(
                self.rng.randbytes(size),
                maintype="application",
                subtype="pdf",
                filename=f"report-{self.rng.randint(1, 9999)}.pdf",
            )
        return message.as_bytes(), message["Message-ID"], subject

    def follow_up(self, *, tn: str, subject: str, message_id: str, by_subject: bool) -> bytes:
        german = self.rng.random() < 0.4
        body = self.text.customer_mail(german, "it", self.sender())
        if by_subject:
            message = self._message(self.sender(), f"RE: [Ticket#{tn}] {subject}", body)
        else:
            message = self._message(self.sender(), f"Re: {subject}", body)
            message["In-Reply-To"] = message_id
            message["References"] = message_id
        return message.as_bytes()

    def _message(self, sender: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = f"Support <{SUPPORT_ADDRESS}>"
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(str(self.rng.getrandbits(48)), "customer.example.com")
        message.set_content(body)
        return message


@dataclass(frozen=True, slots=True)
class Received:
    """One mail's delivery and what receiving it cost."""

    delivery: object
    seconds: float
    statements: int
    storage_writes: int


class Meter:
    """Counts the SQL statements (as a `connection.execute_wrapper`) and the storage writes
    of the mail being received."""

    def __init__(self) -> None:
        self.statements = 0
        self.storage_writes = 0

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        return execute(sql, params, many, context)

    @contextmanager
    def counting_storage_writes(self) -> Iterator[None]:
        from django.core.files.storage import default_storage

        save = default_storage.save

        def counted_save(*args, **kwargs):
            self.storage_writes += 1
            return save(*args, **kwargs)

        # Set on the storage behind the lazy default_storage, which every FileField uses.
        default_storage.save = counted_save
        try:
            yield
        finally:
            del default_storage.save


def ingest(mails: list[bytes], meter: Meter, profiler: cProfile.Profile | None) -> list[Received]:
    from django.db import connection

    from ticketry.mail.inbound import receive

    received = []
    for raw in mails:
        meter.statements = meter.storage_writes = 0
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        with connection.execute_wrapper(meter):
            delivery = receive(raw)
        seconds = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
        received.append(Received(delivery, seconds, meter.statements, meter.storage_writes))
    return received


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def report(label: str, received: list[Received]) -> None:
    if not received:
        print(f"{label}: none")
        return
    ms = sorted(r.seconds * 1000 for r in received)
    statements = [r.statements for r in received]
    writes = [r.storage_writes for r in received]
    print(
        f"{label}: {len(received)} at {len(received) / (sum(ms) / 1000):.1f} mails/s; "
        f"ms per mail p50 {percentile(ms, 0.5):.1f}, p95 {percentile(ms, 0.95):.1f}, "
        f"p99 {percentile(ms, 0.99):.1f}"
    )
    print(
        f"  per mail: SQL statements {statistics.fmean(statements):.1f} (max {max(statements)}), "
        f"storage writes {statistics.fmean(writes):.2f} (max {max(writes)})"
    )


def queued_side_effects() -> str:
    """What the run left for the workers, to show the path measured is the one intended."""
    from django_tasks_db.models import DBTaskResult

    from ticketry.tickets.models import TicketHistory

    history = Counter(
        TicketHistory.objects.filter(
            history_type__name__in=["SendAutoReply", "SendAutoFollowUp"]
        ).values_list("history_type__name", flat=True)
    )
    notifications = DBTaskResult.objects.filter(
        task_path__endswith=".send_agent_notification"
    ).count()
    return (
        f"queued: {history['SendAutoReply']} auto-replies, "
        f"{history['SendAutoFollowUp']} auto follow-up confirmations, "
        f"{notifications} agent notification tasks"
    )


def profile_summary(profiler: cProfile.Profile) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(PROFILE_LINES)
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)
    return out.getvalue()


def worker_mode(args: argparse.Namespace) -> None:
    maker = MailMaker(args.seed)
    new_count = round(args.count * 0.8)
    with_attachment = round(args.count * 0.1)
    firsts = [maker.new(attachment=i < with_attachment) for i in range(new_count)]
    random.Random(args.seed).shuffle(firsts)
    meter = Meter()
    profiler = cProfile.Profile() if args.profile else None
    with meter.counting_storage_writes():
        new = ingest([raw for raw, _, _ in firsts], meter, profiler)
        follow_ups = []
        for i in range(args.count - new_count):
            j = i % len(firsts)
            _raw, message_id, subject = firsts[j]
            follow_ups.append(
                maker.follow_up(
                    tn=new[j].delivery.ticket_number,
                    subject=subject,
                    message_id=message_id,
                    by_subject=i % 2 == 0,
                )
            )
        followed = ingest(follow_ups, meter, profiler)
    outcomes = Counter(r.delivery.outcome for r in new + followed)
    seconds = sum(r.seconds for r in new + followed)
    print(f"mails: {len(new) + len(followed)} ({dict(outcomes)})")
    if profiler is not None:
        print("(times under the profiler, slower than without it)")
    report("new mails", new)
    report("follow-ups", followed)
    print(f"throughput: {(len(new) + len(followed)) / seconds:.1f} mails/s in one process")
    print(queued_side_effects())
    if profiler is not None:
        print(profile_summary(profiler))


def pipe_mode(args: argparse.Namespace, database_url: str) -> None:
    maker = MailMaker(args.seed)
    command = [str(ROOT / ".venv" / "bin" / "ticketry"), "mail", "read"]
    env = {**os.environ, "TICKETRY_DATABASE_URL": database_url}
    durations = []
    for i in range(args.count):
        raw, _, _ = maker.new(attachment=i % 10 == 0)
        started = time.perf_counter()
        subprocess.run(command, input=raw, env=env, check=True, capture_output=True)
        durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    print(f"mails: {len(durations)}, one `ticketry mail read` process each")
    print(
        f"ms per mail, start to exit: median {statistics.median(durations):.0f}, "
        f"p95 {durations[int(len(durations) * 0.95) - 1]:.0f}, max {durations[-1]:.0f}"
    )


def two_workers_mode(args: argparse.Namespace, database_url: str) -> None:
    from ticketry.mail.inbound import store_raw
    from ticketry.mail.models import InboundMessage, InboundStatus
    from ticketry.tickets.models import Article

    maker = MailMaker(args.seed)
    mails = [maker.new(attachment=i % 10 == 0)[0] for i in range(args.count)]
    for raw in mails:
        store_raw(raw)
    # Every mail a second time: a re-fetch must not store it again.
    for raw in mails[: args.count // 10]:
        store_raw(raw)
    command = [
        str(ROOT / ".venv" / "bin" / "ticketry"),
        "mail",
        "reprocess",
        "--pending",
        "--json",
    ]
    env = {**os.environ, "TICKETRY_DATABASE_URL": database_url}
    started = time.perf_counter()
    workers = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL) for _ in range(2)]
    codes = [worker.wait() for worker in workers]
    seconds = time.perf_counter() - started
    stored = InboundMessage.objects.count()
    processed = InboundMessage.objects.filter(status=InboundStatus.PROCESSED).count()
    articles = Article.objects.filter(sender_type__name="customer", channel__name="Email")
    duplicated = articles.count() - articles.values("message_id").distinct().count()
    print(f"exit codes: {codes}; mails: {len(mails)}, stored: {stored}, processed: {processed}")
    print(f"customer articles: {articles.count()}, duplicated: {duplicated}")
    print(f"throughput: {processed / seconds:.1f} mails/s with two worker processes")
    if stored != len(mails) or processed != len(mails) or duplicated:
        sys.exit("FAILED: lost or duplicated mails")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    db = prepare_database(args.database_url, default_url=DEFAULT_URL, recreate=args.recreate)
    print(setup_mail(auto_responses=args.auto_responses).describe(), flush=True)
    if args.mode == "worker":
        worker_mode(args)
    elif args.mode == "pipe":
        pipe_mode(args, db.url)
    else:
        two_workers_mode(args, db.url)


if __name__ == "__main__":
    main()
