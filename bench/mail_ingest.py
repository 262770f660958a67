"""Benchmark: email ingestion through the PostMaster (store raw, parse, follow-up detection,
ticket or article, history, search index, auto-response when assigned).

The mix: 70% new mails, 20% follow-ups (half by ticket number in the subject, half by
References), 10% new mails with attachments. Three modes (`--mode`):

- `worker`: one process stores and processes the mails one after another (as a fetching
  worker does) and prints mails per second.
- `pipe`: one `ticketry mail read` process per mail (as an MTA pipe runs it) and prints
  the median and 95th percentile milliseconds from start to exit.
- `two-workers`: stores all mails, then two processes work the stored messages at once and
  the script checks that every mail made exactly one article.

Run `python bench/mail_ingest.py --help`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid

from corpus import FIRST_NAMES, LAST_NAMES, TextMaker
from databases import ROOT, prepare_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ticketry_bench_mail"
SUPPORT_ADDRESS = "support@example.com"


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
        "--auto-responses",
        action="store_true",
        help="assign the auto-responses to the queue (each new ticket then sends one)",
    )
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def setup(auto_responses: bool) -> None:
    from ticketry.tickets.models import AutoResponse, Queue, QueueAutoResponse, SystemAddress

    queue = Queue.objects.get(name="Misc")
    address, _ = SystemAddress.objects.get_or_create(
        name=SUPPORT_ADDRESS, defaults={"realname": "Support", "queue": queue}
    )
    if auto_responses:
        for response in AutoResponse.objects.all():
            QueueAutoResponse.objects.get_or_create(
                queue=queue, type_id=response.type_id, defaults={"auto_response": response}
            )
            response.system_address = address
            response.save()


class MailMaker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.text = TextMaker(self.rng)

    def sender(self) -> str:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        return f"{first} {last} <{first.lower()}.{last.lower()}@customer.example.com>"

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


def ingest(mails: list[bytes]) -> tuple[float, list]:
    from ticketry.mail.inbound import receive

    started = time.perf_counter()
    deliveries = [receive(raw) for raw in mails]
    return time.perf_counter() - started, deliveries


def worker_mode(args: argparse.Namespace) -> None:
    maker = MailMaker(args.seed)
    new_count = round(args.count * 0.8)
    with_attachment = round(args.count * 0.1)
    firsts = [maker.new(attachment=i < with_attachment) for i in range(new_count)]
    random.Random(args.seed).shuffle(firsts)
    seconds_new, deliveries = ingest([raw for raw, _, _ in firsts])
    follow_ups = []
    for i in range(args.count - new_count):
        j = i % len(firsts)
        _raw, message_id, subject = firsts[j]
        follow_ups.append(
            maker.follow_up(
                tn=deliveries[j].ticket_number,
                subject=subject,
                message_id=message_id,
                by_subject=i % 2 == 0,
            )
        )
    seconds_follow, follow_deliveries = ingest(follow_ups)
    outcomes = {}
    for delivery in deliveries + follow_deliveries:
        outcomes[delivery.outcome] = outcomes.get(delivery.outcome, 0) + 1
    total = len(deliveries) + len(follow_deliveries)
    seconds = seconds_new + seconds_follow
    print(f"mails: {total} ({outcomes})")
    print(f"new mails: {len(deliveries) / seconds_new:.1f} mails/s")
    print(f"follow-ups: {len(follow_deliveries) / seconds_follow:.1f} mails/s")
    print(f"throughput: {total / seconds:.1f} mails/s in one process")


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
    setup(args.auto_responses)
    print(f"database: {db.describe()}, auto-responses: {'on' if args.auto_responses else 'off'}")
    if args.mode == "worker":
        worker_mode(args)
    elif args.mode == "pipe":
        pipe_mode(args, db.url)
    else:
        two_workers_mode(args, db.url)


if __name__ == "__main__":
    main()
