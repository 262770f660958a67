"""Every user-visible string has a German translation, and the catalog compiles."""

import io
from pathlib import Path

from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

import ticketry
from ticketry.core.translations import compile_catalogs

ROOT = Path(ticketry.__file__).parent
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
}


def _extract(source: bytes) -> set[str]:
    found = set()
    for _line, _func, message, _comments in extract_python(io.BytesIO(source), KEYWORDS, [], {}):
        # A plural message is filed under its singular form.
        text = message[0] if isinstance(message, tuple) else message
        if text:
            found.add(text)
    return found


def source_messages() -> set[str]:
    messages: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "/migrations/" not in path.as_posix():
            messages |= _extract(path.read_bytes())
    for path in ROOT.rglob("templates/**/*.html"):
        # templatize writes each message as a one-line literal; the indentation it keeps from
        # the HTML would only confuse Python's tokenizer.
        code = templatize(path.read_text(), origin=str(path))
        messages |= _extract("\n".join(line.lstrip() for line in code.splitlines()).encode())
    return messages


def german_catalog():
    with (ROOT / "locale/de/LC_MESSAGES/django.po").open("rb") as po_file:
        return read_po(po_file, locale="de")


def _forms(string: str | tuple[str, ...]) -> tuple[str, ...]:
    return string if isinstance(string, tuple) else (string,)


def test_every_message_has_a_german_translation():
    catalog = german_catalog()
    missing = sorted(
        text
        for text in source_messages()
        if text not in catalog or not all(_forms(catalog[text].string)) or catalog[text].fuzzy
    )
    assert not missing, "Missing German translations:\n" + "\n".join(missing)


def test_catalogs_compile(tmp_path):
    target = tmp_path / "de/LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.po").write_bytes((ROOT / "locale/de/LC_MESSAGES/django.po").read_bytes())
    assert compile_catalogs(tmp_path) == [target / "django.mo"]
