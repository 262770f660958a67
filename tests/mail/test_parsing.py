"""parse_message on the hand-written mails in fixtures/: headers, bodies, attachments."""

# Mail text has typographic dashes, which look like ASCII to the linter.
# ruff: noqa: RUF001

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ticketry.mail.parsing import ParsedAttachment, ParsedMessage, parse_message, to_json

FIXTURES = Path(__file__).parent / "fixtures"


def parse(name: str) -> ParsedMessage:
    return parse_message((FIXTURES / name).read_bytes())


def test_headers_are_decoded_and_unfolded():
    parsed = parse("plain_utf8.eml")

    assert parsed.subject == "Printer on fire – Room 4 (urgent)"
    assert parsed.from_ == "Jürgen Müller <juergen@example.com>"
    assert parsed.to == (
        '"Support Team" <support@example.org>, second@example.org, third@example.org'
    )
    # The decoded name has a comma: it is quoted so the list still splits right.
    assert parsed.cc == '"Doe, Jörg" <joerg@example.com>'
    assert parsed.reply_to == "replies@example.com"
    assert parsed.message_id == "<20250603101200.12345@example.com>"
    assert parsed.in_reply_to == "<reply-1@example.org>"
    assert parsed.references == (
        "<root-1@example.org>",
        "<reply-1@example.org>",
        "<reply-2@example.org>",
    )
    assert parsed.date == datetime(2025, 6, 3, 8, 12, tzinfo=UTC)
    assert parsed.date.utcoffset() == timedelta(hours=2)


def test_header_access_is_case_insensitive_and_keeps_every_value():
    parsed = parse("plain_utf8.eml")

    assert parsed.header("x-priority") == "1"
    assert parsed.header("SUBJECT") == parsed.subject
    assert parsed.header("X-Missing") == ""
    assert parsed.header_all("to") == [
        '"Support Team" <support@example.org>, second@example.org',
        "third@example.org",
    ]
    assert parsed.header("Received").startswith("from mx.example.com (mx.example.com")
    assert parsed.header_names[:3] == ["Return-Path", "Received", "Message-ID"]
    assert parsed.header_names.count("To") == 1


def test_plain_text_body():
    parsed = parse("plain_utf8.eml")

    assert parsed.content_type == "text/plain"
    assert parsed.charset == "utf-8"
    assert parsed.body_text == (
        "Hello,\n\nthe printer in room 4 is smoking. Grüße aus München.\n\nJürgen\n"
    )
    assert parsed.body_html == ""
    assert parsed.attachments == ()
    assert parsed.defects == ()


def test_alternative_prefers_plain_text_and_keeps_the_sanitised_html():
    parsed = parse("alternative.eml")

    assert parsed.content_type == "text/plain"
    assert parsed.charset == "iso-8859-1"
    assert parsed.body_text == "Plain text with a soft line break and an umlaut: ä."
    assert parsed.body_html == "<p>HTML with an umlaut: ä.</p>"
    assert parsed.attachments == ()


def test_html_only_mail_becomes_readable_text():
    parsed = parse("html_only.eml")

    assert parsed.content_type == "text/html"
    assert parsed.charset == "utf-8"
    assert parsed.body_text == (
        "Quarterly report\n\n"
        "Dear customer,\nthe numbers are in – see below.\n\n"
        "- First & foremost\n- Second\n\n"
        "1. One\n2. Two\n\n"
        "Revenue 100\nCosts 80\n\n"
        "> Quoted line one\n> Quoted line two\n\n"
        "the full report <https://example.com/report> do not click relative\n\n"
        "  kept   as\n  typed\n\n"
        "Price: 5€ – “quoted”\n"
    )


def test_html_is_sanitised_but_keeps_formatting_and_inline_images():
    html = parse("html_only.eml").body_html

    for removed in ("<script", "alert", "<style", "background", "onload", "onclick", "javascript"):
        assert removed not in html
    assert "Title is no text" not in html
    assert "position" not in html
    assert '<p style="color:#336699">' in html
    assert '<img src="cid:logo@example.com" alt="Logo">' in html
    assert '<a href="https://example.com/report" rel="noopener noreferrer">' in html
    # A relative link would point into Ticketry itself.
    assert 'href="/admin/"' not in html
    assert "<table><tbody><tr><td>Revenue</td>" in html


def test_nested_multiparts_inline_images_and_attached_message():
    parsed = parse("nested.eml")

    assert parsed.body_text == "See the logo below."
    assert parsed.body_html == (
        '<p>See the logo below.</p><img src="cid:logo@example.com">'
        '<img src="cid:chart@example.com">'
    )
    assert [
        (item.filename, item.content_type, item.content_id, item.disposition)
        for item in parsed.attachments
    ] == [
        ("logo.png", "image/png", "logo@example.com", "inline"),
        # Leaf 4 of the mail: named like OTRS, with the extension of its type.
        ("file-4.gif", "image/gif", "chart@example.com", "inline"),
        ("report__final_.pdf", "application/pdf", "", "attachment"),
        ("Weitergeleitet__Bericht_für_Q2.eml", "message/rfc822", "", "attachment"),
        ("file-7.bin", "application/octet-stream", "", "attachment"),
    ]
    logo, _chart, report, forwarded, binary = parsed.attachments
    assert logo.content.startswith(b"\x89PNG\r\n")
    assert report.content == "%PDF-1.4\n%äüöß\n".encode()
    assert report.size == 19
    assert report.md5 == hashlib.md5(report.content).hexdigest()
    assert binary.content == b"\x00\x01\x02\x03"
    # The attached message is kept whole, its own attachment inside it.
    assert forwarded.content.startswith(b"From: forwarded@example.com\n")
    assert forwarded.content.endswith(b"AAEC\n--forwarded--")


def test_inline_text_around_an_attachment_is_one_body():
    parsed = parse("split_text.eml")

    assert parsed.body_text == (
        "Before the attachment.\nAfter the attachment: ä.\nAnd some HTML.\n"
    )
    assert parsed.body_html == (
        "<div>Before the attachment.</div><div>After the attachment: ä.</div>"
        "<p>And some <b>HTML</b>.</p>"
    )
    # Put together from us-ascii, iso-8859-1 and utf-8 parts.
    assert parsed.charset == "utf-8"
    assert [(item.filename, item.disposition) for item in parsed.attachments] == [
        ("notes.txt", "inline")
    ]


def test_file_names_from_rfc2231_and_rfc2047_are_decoded_and_cleaned():
    parsed = parse("filenames.eml")

    assert [item.filename for item in parsed.attachments] == [
        "Grüße_aus_Köln.txt",
        "Rechnung_März_2025.pdf",
        "Фото.jpg",
        "linebreak__draft___v1__v2___final_.txt",
        ".._.._etc_passwd",
        # No usable name and a type without a known extension.
        "file-7",
    ]


def test_signed_mail_keeps_the_signature_as_attachment():
    parsed = parse("signed_pgp.eml")

    assert parsed.body_text == "Signed text."
    assert [(item.filename, item.content_type) for item in parsed.attachments] == [
        ("signature.asc", "application/pgp-signature")
    ]
    assert parsed.attachments[0].content.startswith(b"-----BEGIN PGP SIGNATURE-----\n")


def test_smime_signed_mail():
    parsed = parse("smime_signed.eml")

    assert parsed.body_text == "Signed with S/MIME ✓"
    assert [(item.filename, item.content_type) for item in parsed.attachments] == [
        ("smime.p7s", "application/pkcs7-signature")
    ]


def test_encrypted_mail_is_kept_as_attachments_without_body():
    parsed = parse("encrypted_pgp.eml")

    assert (parsed.body_text, parsed.content_type, parsed.charset) == ("", "", "")
    # Even a text part of an encrypted mail is ciphertext, not body.
    assert [(item.filename, item.content_type) for item in parsed.attachments] == [
        ("file-1.asc", "application/pgp-encrypted"),
        ("encrypted.asc", "text/plain"),
    ]
    assert parsed.attachments[1].content.startswith(b"-----BEGIN PGP MESSAGE-----")


def test_smime_encrypted_mail_is_one_attachment():
    parsed = parse("smime_encrypted.eml")

    assert (parsed.body_text, parsed.content_type, parsed.charset) == ("", "", "")
    (envelope,) = parsed.attachments
    assert (envelope.filename, envelope.content_type) == ("smime.p7m", "application/pkcs7-mime")
    assert envelope.content.startswith(b"0\x80\x06\t*\x86H\x86\xf7\r\x01\x07\x03")


def test_images_named_by_content_location_get_a_content_id():
    parsed = parse("mhtml.eml")

    (image,) = parsed.attachments
    assert (image.filename, image.content_id, image.disposition) == (
        "ole0.bmp",
        "Untitled%20Attachment",
        "inline",
    )
    assert '<img src="cid:Untitled%20Attachment" alt="picture">' in parsed.body_html
    assert '<img src="http://example.com/x.png">' in parsed.body_html


def test_crlf_line_endings_parse_like_lf():
    lf = parse("nested.eml")
    crlf = parse_message((FIXTURES / "nested.eml").read_bytes().replace(b"\n", b"\r\n"))

    assert crlf.subject == lf.subject
    assert crlf.body_text == lf.body_text
    assert [item.filename for item in crlf.attachments] == [
        item.filename for item in lf.attachments
    ]
    assert [item.md5 for item in crlf.attachments[:3]] == [item.md5 for item in lf.attachments[:3]]


def test_to_json_is_the_normalised_result():
    result = to_json(parse("nested.eml"))

    assert json.loads(json.dumps(result)) == result
    assert result["from"] == '"Nested Sender" <nested@example.com>'
    assert result["date"] == "2025-06-05T08:30:00+02:00"
    assert result["references"] == []
    assert result["attachments"][0] == {
        "filename": "logo.png",
        "content_type": "image/png",
        "size": 70,
        "content_id": "logo@example.com",
        "disposition": "inline",
        "md5": parse("nested.eml").attachments[0].md5,
    }
    assert set(result) >= {
        "subject", "from", "to", "cc", "reply_to", "message_id", "in_reply_to",
        "references", "date", "charset", "content_type", "body_text", "body_html",
        "attachments", "defects",
    }  # fmt: skip


def test_date_without_zone_is_utc():
    parsed = parse_message(b"Date: Mon, 2 Jun 2025 12:00:00 -0000\nSubject: x\n\nbody\n")

    assert parsed.date == datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "header",
    [
        "From: =?UTF-8?Q?Doe=2C_John?= <john@example.com>",
        'From: "=?UTF-8?Q?Doe=2C_John?=" <john@example.com>',
    ],
)
def test_decoded_display_names_stay_one_address(header: str):
    parsed = parse_message(f"{header}\n\nbody\n".encode())

    assert parsed.from_ == '"Doe, John" <john@example.com>'


def test_parsed_values_are_plain_immutable_data():
    attachment = ParsedAttachment("a.txt", "text/plain", b"abc")

    assert (attachment.size, attachment.md5) == (3, "900150983cd24fb0d6963f7d28e17f72")
    assert (attachment.content_id, attachment.disposition) == ("", "attachment")
    with pytest.raises(AttributeError):
        attachment.filename = "b.txt"  # type: ignore[misc]
    assert ParsedMessage().header("Subject") == ""


def test_parts_the_html_shows_by_content_id_are_inline_whatever_their_disposition():
    # Outlook declares pictures in the text as attachments; one URL is percent-encoded.
    parsed = parse("inline_declared_attachment.eml")

    assert [(item.filename, item.disposition) for item in parsed.attachments] == [
        ("image001.png", "inline"),
        ("image002.png", "inline"),
        # Named by no cid: URL, so an attachment as declared.
        ("photo.png", "attachment"),
        ("log.pdf", "attachment"),
    ]
