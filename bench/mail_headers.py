"""Benchmark: mails with very many headers through parsing and the PostMaster.

A mail with N header fields (default 5,000, 20,000 and 100,000) is parsed, then received
(stored, parsed, run through the PostMaster into a new ticket). Both times should grow in
proportion to N; the microseconds per header show it. The header limit
(`PostMasterMaxEmailHeaders`) is raised for the run so that the mails are processed, not
quarantined.

Run `python bench/mail_headers.py --help`.
"""

from __future__ import annotations

import argparse
import time

from databases import prepare_database

DEFAULT_URL = "sqlite://"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", help=f"database to use; default: {DEFAULT_URL} (a temporary SQLite file)"
    )
    parser.add_argument("--recreate", action="store_true", help="drop and create it first")
    parser.add_argument(
        "--headers",
        type=int,
        nargs="+",
        default=[5_000, 20_000, 100_000],
        help="header counts to try (default: 5000 20000 100000)",
    )
    return parser.parse_args(argv)


def message(count: int) -> bytes:
    lines = [
        b"From: Jane Customer <jane@customer.example.com>",
        b"To: support@example.com",
        b"Subject: A mail with %d headers" % count,
        b"Message-ID: <headers-%d-%d@customer.example.com>" % (count, time.time_ns()),
    ]
    lines += [b"X-Header-%d: value %d" % (number, number) for number in range(count - 4)]
    return b"\r\n".join(lines) + b"\r\n\r\nThe printer is smoking.\r\n"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    prepare_database(args.database_url, default_url=DEFAULT_URL, recreate=args.recreate)
    from ticketry.core import sysconfig
    from ticketry.mail.inbound import receive
    from ticketry.mail.parsing import parse_message

    sysconfig.set_value("PostMasterMaxEmailHeaders", max(args.headers) + 1)
    print(f"{'headers':>8} {'KB':>7} {'parse s':>8} {'receive s':>10} {'µs/header':>10}  outcome")
    for count in args.headers:
        raw = message(count)
        started = time.perf_counter()
        parse_message(raw)
        parsed = time.perf_counter() - started
        started = time.perf_counter()
        delivery = receive(raw)
        received = time.perf_counter() - started
        print(
            f"{count:>8} {len(raw) // 1024:>7} {parsed:>8.2f} {received:>10.2f} "
            f"{received / count * 1e6:>10.1f}  {delivery.outcome}",
            flush=True,
        )


if __name__ == "__main__":
    main()
