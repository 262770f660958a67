"""Address lists and Content-Type charsets, as the OTRS tests pin them."""

from __future__ import annotations

import pytest

from ticketry.mail.addresses import address_of, content_type_charset, split_addresses


def test_split_addresses_as_otrs():
    value = (
        "Juergen Weber <juergen.qeber@air.com>, me@example.com, hans@example.com (Hans Huber),"
        '\n Juergen "quoted name" Weber <juergen.qeber@air.com>'
    )

    assert split_addresses(value) == [
        "Juergen Weber <juergen.qeber@air.com>",
        "me@example.com",
        "hans@example.com (Hans Huber)",
        'Juergen "quoted name" Weber <juergen.qeber@air.com>',
    ]


@pytest.mark.parametrize(
    ("value", "addresses"),
    [
        ('"Doe, John" <j@x.example>; b@x.example', ['"Doe, John" <j@x.example>', "b@x.example"]),
        ("a@x.example (Note, c), b@x.example", ["a@x.example (Note, c)", "b@x.example"]),
        ('"Say \\"hi\\", Bob" <bob@x.example>', ['"Say \\"hi\\", Bob" <bob@x.example>']),
        ("<odd,local@x.example>, c@x.example", ["<odd,local@x.example>", "c@x.example"]),
        ("Team: a@x.example, b@x.example;, c@x", ["a@x.example", "b@x.example", "c@x"]),
        ("undisclosed-recipients:;", []),
        (" , ,", []),
        ("", []),
    ],
)  # fmt: skip
def test_split_addresses_keeps_quoted_commas(value: str, addresses: list[str]):
    assert split_addresses(value) == addresses


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("Juergen Weber <juergen+qeber@air.com> (Comment)", "juergen+qeber@air.com"),
        ("hans@example.com (Hans Huber)", "hans@example.com"),
        ('"a <b@wrong.example>" <c@example.com>', "c@example.com"),
        ("<support@example.com>", "support@example.com"),
        ("Namedyński (hans@example.com)", "hans@example.com"),
        ("MAILER-DAEMON@example.org (Mail (Delivery) System)", "MAILER-DAEMON@example.org"),
        ("root", "root"),
        ("Undisclosed recipients", ""),
        ("<>", ""),
        ("", ""),
    ],
)
def test_address_of(value: str, address: str):
    assert address_of(value) == address


@pytest.mark.parametrize(
    ("value", "charset"),
    [
        ('text/plain; charset="iso-8859-1"; charset="iso-8859-1"', "iso-8859-1"),
        ("text/plain; charset='iso-8859-1'", "iso-8859-1"),
        ("Content-Type:text/plain; charset='iso-8859-1'", "iso-8859-1"),
        ('text/plain; charset = "utf8"', "utf8"),
        ("text/html; CHARSET=UTF-8;format=flowed", "UTF-8"),
        ("text/plain;\n\tcharset=us-ascii", "us-ascii"),
        ("text/plain", ""),
        ("", ""),
    ],
)
def test_content_type_charset(value: str, charset: str):
    assert content_type_charset(value) == charset
