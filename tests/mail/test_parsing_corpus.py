"""The real-world corpus next to the repository: every file parses, and what the OTRS tests
expect of their mails holds, mapped where Ticketry deliberately differs from OTRS."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from ticketry.mail.parsing import ParsedMessage, parse_message, to_json

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
OTRS = CORPUS / "otrs6"
# These concern the PostMaster, decryption and signature checks, not the parser.
NOT_PARSER = {"postmaster_new", "decrypt_filter", "without_decryption"}

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the shared mail corpus is not at {CORPUS.resolve()}"
)


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(path for path in CORPUS.rglob("*") if path.is_file())


def expectations() -> list[dict[str, Any]]:
    path = OTRS / "expectations.json"
    return json.loads(path.read_text()) if path.is_file() else []


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.mark.parametrize("path", corpus_files(), ids=lambda path: str(path.relative_to(CORPUS)))
def test_every_corpus_file_parses(path: Path):
    parsed = parse_message(path.read_bytes())

    assert json.loads(json.dumps(to_json(parsed)))["subject"] == parsed.subject


def test_the_corpus_mails_have_headers():
    mails = [
        path
        for path in corpus_files()
        if path.suffix in {".eml", ".box"} or path.parent.name in {"mails", "cpython-test_email"}
    ]
    # A header-less CPython sample and the Outlook .msg, which is no RFC 822 mail at all.
    without = {
        str(path.relative_to(CORPUS))
        for path in mails
        if not parse_message(path.read_bytes()).header_names
    }

    assert len(mails) > 100
    assert without == {
        "other/cpython-test_email/msg_19.txt",
        "other/mail-parser-4.8.0/mails/mail_outlook_1",
    }


OTRS_BODY_ENTRIES = {
    # OTRS joins the inline HTML part into its plain text body and lists one entry for both.
    "EmailParser/MultipartMixedPlainHTML.eml": 1,
    # The Snipping Tool put the boundary parameter of the inner multipart/alternative on an
    # unindented line. OTRS cannot read that part and lists it whole as entry 0; Ticketry
    # repairs the header, so the alternative is the body: OTRS's entry 0 is our body.
    "EmailParser/Win7SnippingTool.box": 1,
}


def otrs_body_entries(file: str, parsed: ParsedMessage) -> int:
    """How many of OTRS's attachment entries are body. In a multipart mail OTRS lists the
    text body as entry 0 (file-1) and an HTML alternative as entry 1 (file-2); a single-part
    mail has none, unless it is HTML, which it lists besides the text made of it. Ticketry
    keeps the body in body_text/body_html and lists real attachments only."""
    if file in OTRS_BODY_ENTRIES:
        return OTRS_BODY_ENTRIES[file]
    if not parsed.header("Content-Type").lower().startswith("multipart/"):
        return int(parsed.content_type == "text/html")
    if not parsed.content_type:
        return 0
    return 2 if parsed.content_type == "text/plain" and parsed.body_html else 1


# Where Ticketry deliberately reports something else than OTRS, and why.
CHARSET_DIFFERS = {
    # OTRS reports utf-8 for these multipart mails because it re-encodes the body while
    # collecting it; charset here is the one the body part declares.
    "EmailParser/PostMaster-Test5.box": "iso-8859-1",
    "EmailParser/PostMaster-Test7.box": "iso-8859-1",
    "EmailParser/PostMaster-Test12.box": "iso-8859-1",
    # The body part declares no charset and is ASCII: RFC 2045 says us-ascii, OTRS
    # assumes iso-8859-1.
    "EmailParser/PostMaster-Test10.box": "us-ascii",
    # No text part at all: OTRS reports its default for multiparts; here there is no body
    # text, hence no charset.
    "EmailParser/PostMaster-Test9.box": "",
    # HTML-only: body_text was made from the HTML, so it is utf-8 (OTRS reports the charset
    # of the HTML part).
    "EmailParser/PostMaster-Test4.box": "utf-8",
}
HEADER_DIFFERS = {
    # The unencoded 8-bit byte \xae in From is read as the legacy charset it is (®); OTRS
    # puts a replacement character and quotes the name.
    ("EmailParser/PostMaster-Test14.box", "From"): "VIAGRA ® Official Site <security@example.org>",
}
BODY_IS_ATTACHMENT = {
    # A mail that is a single non-text part: OTRS puts its content into the body and lists
    # no attachment; here the body is empty and the content is attachment 0.
    "EmailParser/PostMaster-Test8.box",
    "EmailParser/PostMaster-Test13.box",
}
HTML_CONVERTED = {
    # The body was converted from HTML; OTRS's converter lays out text differently (indents,
    # link lists), so the MD5 of its text cannot match. The words must.
    "EmailParser/PostMaster-Test14.box": ["THIS IS ONLY A TEST EXAMPLE", "XYZsoft Corporation"],
}
BODY_WITH_HTML_PART = {
    # Inline text and HTML parts are joined into one body; the HTML part's text comes out of
    # a different converter than OTRS's, so compare the words.
    "EmailParser/MultipartMixedHTMLPlain.eml": [
        "Hi,",
        "This mail is composed in html format.",
        "Cheers,\nErik\n",
        "Hello,\n\nThis is the forwarded message...\n\n--\nMet vriendelijke groeten,\nErik Thijs",
    ],
    "EmailParser/MultipartMixedPlainHTML.eml": [
        "Hello,\n\nThis is the forwarded message...\n\n--\nMet vriendelijke groeten,\nErik Thijs",
        "Hi,",
        "This mail is composed in html format.",
        "Cheers,\nErik",
    ],
}

HTML_KEPT = {
    "EmailParser/MultipartMixedHTML.eml": ["<b>first</b> part", "second part äöø"],
    "EmailParser/MultipartMixedHTMLPlain.eml": [
        '<font color="#ff0000">mail </font>',
        "Cheers,<br>",
        "This is the forwarded message...<br>",
    ],
}


class Expectations:
    """Checks one entry of expectations.json against a parse result."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.file = entry["file"]
        self.expect = entry["expect"]
        self.parsed = parse_message((OTRS / self.file).read_bytes())
        self.offset = otrs_body_entries(self.file, self.parsed)

    def ours(self, index: int) -> int:
        return index - self.offset

    def check(self) -> None:
        for key, value in self.expect.items():
            if key not in NOT_PARSER:
                getattr(self, key)(value)

    def parser_headers(self, headers: dict[str, str]) -> None:
        for name, value in headers.items():
            assert self.parsed.header(name) == HEADER_DIFFERS.get((self.file, name), value)

    def parser_charset(self, charset: str) -> None:
        assert self.parsed.charset == CHARSET_DIFFERS.get(self.file, charset.lower())

    def parser_body(self, body: str) -> None:
        if self.file in BODY_WITH_HTML_PART:
            for words in BODY_WITH_HTML_PART[self.file]:
                assert words in self.parsed.body_text
        else:
            assert self.parsed.body_text == body

    def parser_body_md5(self, digest: str) -> None:
        if self.file in BODY_IS_ATTACHMENT:
            assert self.parsed.body_text == ""
            assert self.parsed.attachments[0].md5 == digest
        elif self.file in HTML_CONVERTED:
            for words in HTML_CONVERTED[self.file]:
                assert words in self.parsed.body_text
            assert "<" not in self.parsed.body_text.replace("<http", "")
        else:
            assert md5(self.parsed.body_text.encode()) == digest

    def parser_body_nonempty(self, nonempty: bool) -> None:
        assert bool(self.parsed.body_text.strip()) == nonempty

    def parser_body_contains(self, words: list[str]) -> None:
        for word in words:
            assert word in self.parsed.body_text

    def parser_body_not_contains(self, words: list[str]) -> None:
        for word in words:
            assert word not in self.parsed.body_text

    def article_body(self, body: str) -> None:
        assert self.parsed.body_text == body

    def parser_attachment_count(self, count: int) -> None:
        assert len(self.parsed.attachments) == self.ours(count)

    def parser_attachment_present_index(self, indexes: list[int]) -> None:
        for index in indexes:
            if self.ours(index) < 0:
                assert self.parsed.content_type
            else:
                assert self.ours(index) < len(self.parsed.attachments)

    def parser_attachment_absent_index(self, indexes: list[int]) -> None:
        for index in indexes:
            if self.file in BODY_IS_ATTACHMENT:
                # OTRS lists nothing; the single part is attachment 0 here and nothing more.
                assert len(self.parsed.attachments) == 1
            else:
                assert self.ours(index) >= len(self.parsed.attachments)

    def parser_attachments(self, attachments: dict[str, dict[str, Any]]) -> None:
        for key, fields in attachments.items():
            index = self.ours(int(key))
            if fields.get("Filename_falsy"):
                assert index >= len(self.parsed.attachments)
                continue
            if index < 0:
                self.body_entry(int(key), fields)
            else:
                self.attachment(index, fields)

    def parser_attachments_full(self, attachments: list[dict[str, Any]]) -> None:
        for key, fields in enumerate(attachments):
            index = self.ours(key)
            if index < 0:
                self.body_entry(key, fields)
            else:
                self.attachment(index, fields)
        assert len(self.parsed.attachments) == len(attachments) - self.offset

    def body_entry(self, index: int, fields: dict[str, Any]) -> None:
        if index == 0 and self.parsed.content_type == "text/plain":
            if "Content" in fields:
                self.parser_body(fields["Content"])
            if self.file in BODY_WITH_HTML_PART:
                return
            if "content_md5" in fields:
                assert md5(self.parsed.body_text.encode()) == fields["content_md5"]
            if "Filesize" in fields:
                assert len(self.parsed.body_text.encode()) == int(fields["Filesize"])
            return
        # The HTML: sanitised here, so neither its MD5 nor its markup match OTRS's copy.
        assert self.parsed.body_html
        for words in HTML_KEPT.get(self.file, []):
            assert words in self.parsed.body_html

    def attachment(self, index: int, fields: dict[str, Any]) -> None:
        item = self.parsed.attachments[index]
        if "Filename" in fields:
            assert item.filename == fields["Filename"]
        if "content_md5" in fields:
            assert item.md5 == fields["content_md5"]
        if "Content" in fields:
            assert item.content == fields["Content"].encode()
        if "Filesize" in fields:
            assert item.size == int(fields["Filesize"])
        if fields.get("ContentType"):
            # Only the type: parameters are not part of content_type here.
            assert item.content_type == fields["ContentType"].split(";")[0].strip().lower()
        if fields.get("Disposition"):
            assert item.disposition == fields["Disposition"].split(";")[0].strip()

    def parser_attachment_where(self, fields: dict[str, str]) -> None:
        wanted = fields["ContentType"].split(";")[0].strip().lower()
        assert any(
            item.content_type == wanted and item.content_id == fields["ContentID"]
            for item in self.parsed.attachments
        )

    def article_attachment_index(self, attachments: dict[str, dict[str, Any]]) -> None:
        # Article attachments are numbered from 1 with the body first: entry 2 is ours 0.
        for key, fields in attachments.items():
            item = self.parsed.attachments[int(key) - 2]
            assert item.filename == fields["Filename"]
            assert item.size == fields["FilesizeRaw"]
            assert item.content_id == fields["ContentID"]
            assert item.disposition == fields["Disposition"]
            assert item.content_type == fields["ContentType"].split(";")[0]

    def postmaster_xheaders(self, headers: dict[str, str]) -> None:
        # OTRS DetectAttachment counts attachments that are not inline images.
        count = sum(
            1
            for item in self.parsed.attachments
            if not (item.disposition == "inline" and item.content_id)
        )
        assert str(count) == headers["X-OTRS-AttachmentCount"]
        assert ("yes" if count else "no") == headers["X-OTRS-AttachmentExists"]

    def pgp_decrypted_article(self, article: dict[str, str]) -> None:
        # Decrypting is not the parser's job; the encrypted mail parses and keeps its subject.
        assert self.parsed.subject == article["Subject"]

    def pgp_signature(self, signature: dict[str, bool]) -> None:
        # Verifying is not the parser's job; the signature must be there to verify.
        found = [
            item
            for item in self.parsed.attachments
            if item.content_type == "application/pgp-signature"
        ]
        assert bool(found) == signature["SignatureFound"]


@pytest.mark.parametrize("entry", expectations(), ids=lambda entry: entry["file"])
def test_otrs_expectations(entry: dict[str, Any]):
    Expectations(entry).check()
