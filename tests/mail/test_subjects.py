"""Ticket numbers in subjects, as OTRS's TicketSubjectClean and TicketSubjectBuild."""

import pytest

from ticketry.core import sysconfig
from ticketry.mail.subjects import subject_build, subject_clean

TN = "2015071510123456"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("subject", "cleaned"),
    [
        (f"[Ticket#{TN}] Printer on fire", "Printer on fire"),
        (f"Re: [Ticket#{TN}] Printer on fire", "Printer on fire"),
        (f"RE: Re[2]: re: [ Ticket#{TN} ] Printer on fire", "Printer on fire"),
        (f"Printer on fire [Ticket#{TN}]", "Printer on fire"),
        (f"[Ticket#: {TN}] Printer on fire", "Printer on fire"),
        (f"[Ticket#:{TN}]Printer on fire", "Printer on fire"),
        (f"Ticket#{TN} Printer on fire", "Printer on fire"),
        (f"Fwd: Fwd[3]: [Ticket#{TN}] Printer", "Printer"),
        # Replies and forwards in any order are one pile of prefixes.
        (f"Fwd: Re: [Ticket#{TN}] Printer", "Printer"),
        # Only this ticket's number is removed.
        ("[Ticket#2015071510000001] Printer", "[Ticket#2015071510000001] Printer"),
        ("Reply needed: printer", "Reply needed: printer"),
        ("   Printer on fire  ", "Printer on fire  "),
        ("Printer on fire  ", "Printer on fire"),
    ],
)
def test_clean_removes_the_ticket_number_and_reply_prefixes(subject, cleaned):
    assert subject_clean(TN, subject) == cleaned


@pytest.mark.parametrize(
    "subject",
    [
        "AW: Invoice 2026-118",
        "aw: WG: Antw: Invoice 2026-118",
        "SV: VS: Invoice 2026-118",
        "Fwd: FW: fw: Invoice 2026-118",
        "TR : RE : Invoice 2026-118",
        "R: RIF: Invoice 2026-118",
        "Re[2]: AW(3): Wg [4]: Invoice 2026-118",
        "Re:AW:Invoice 2026-118",
        "回复\uff1aInvoice 2026-118",
        f"[Ticket#{TN}] RE: AW: Re: Invoice 2026-118",
    ],
)
def test_clean_removes_localized_prefixes_in_any_order(subject):
    assert subject_clean(TN, subject) == "Invoice 2026-118"


@pytest.mark.parametrize(
    "subject",
    ["Reply needed: printer", "Antwerp office: printer", "Rework: printer", "Re- printer"],
)
def test_words_that_only_begin_like_a_prefix_stay(subject):
    assert subject_clean(TN, subject) == subject


def test_a_hostile_run_of_blanks_after_a_prefix_word_is_cleaned_in_linear_time():
    subject = "Re" + " " * 200_000 + "x"

    assert subject_clean(TN, subject, size=0) == subject


def test_the_cut_lands_after_the_prefixes_and_leaves_no_double_space():
    subject = f"[Ticket#{TN}] RE: AW: Re: Invoice 2026-118 for the new office"

    assert subject_clean(TN, subject, size=24) == "Invoice 2026-118 for the [...]"
    assert subject_clean(TN, subject, size=25) == "Invoice 2026-118 for the [...]"


def test_clean_cuts_long_subjects_to_the_subject_size():
    long = "x" * 150
    assert subject_clean(TN, long) == "x" * 100 + " [...]"
    assert subject_clean(TN, "x" * 100) == "x" * 100
    assert subject_clean(TN, long, size=10) == "x" * 10 + " [...]"
    assert subject_clean(TN, long, size=0) == long
    sysconfig.set_value("Ticket::SubjectSize", 20)
    assert subject_clean(TN, long) == "x" * 20 + " [...]"


def test_clean_uses_the_configured_prefixes_and_hook(settings):
    settings.TICKET_HOOK = "Case#"
    settings.TICKET_HOOK_DIVIDER = "-"
    sysconfig.set_value("Ticket::SubjectRe", "AW")
    sysconfig.set_value("Ticket::SubjectFwd", "WG")
    assert subject_clean(TN, f"AW: WG: [Case#-{TN}] Drucker") == "Drucker"
    sysconfig.set_value("Ticket::SubjectRe", "Odpowiedź|Vast")
    assert subject_clean(TN, f"VAST: Odpowiedź: [Case#-{TN}] Drucker") == "Drucker"


@pytest.mark.parametrize(
    ("subject_format", "kind", "built"),
    [
        ("Left", "new", f"[Ticket#{TN}] Printer on fire"),
        ("Left", "reply", f"Re: [Ticket#{TN}] Printer on fire"),
        ("Left", "forward", f"Fwd: [Ticket#{TN}] Printer on fire"),
        ("Right", "new", f"Printer on fire [Ticket#{TN}]"),
        ("Right", "reply", f"Re: Printer on fire [Ticket#{TN}]"),
        ("Right", "forward", f"Fwd: Printer on fire [Ticket#{TN}]"),
        ("None", "new", "Printer on fire"),
        ("None", "reply", "Re: Printer on fire"),
        ("None", "forward", "Fwd: Printer on fire"),
    ],
)
def test_build_follows_the_subject_format(subject_format, kind, built):
    sysconfig.set_value("Ticket::SubjectFormat", subject_format)
    assert subject_build(TN, f"RE: [Ticket#{TN}] Printer on fire", kind=kind) == built


def test_build_without_cleanup_keeps_the_subject_as_given():
    assert (
        subject_build(TN, "RE: Printer on fire, please [...]", no_cleanup=True)
        == f"[Ticket#{TN}] RE: Printer on fire, please [...]"
    )


def test_build_without_reply_prefix_and_with_a_hook_divider(settings):
    settings.TICKET_HOOK_DIVIDER = ": "
    sysconfig.set_value("Ticket::SubjectRe", "")
    # No prefix is added; the customer's own "Re: " is still cleaned away.
    assert subject_build(TN, "Re: Printer", kind="reply") == f"[Ticket#: {TN}] Printer"


def test_build_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        subject_build(TN, "Printer", kind="answer")
