"""Internal names never reach the screen: lock states, sender types and OTRS's removed state
and temporary lock read as words, or are not offered at all."""

import re

import pytest
from playwright.sync_api import expect

from ticketry.accounts.services import agent_set_language

from .conftest import log_in, phone_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# OTRS's own names of lock states, as whole words ("unlocked" is fine, "unlock" is not).
RAW_NAMES = re.compile(r"\b(unlock|lock|tmp_lock)\b")


def fact(page, label: str):
    return page.locator(f"dl.facts dt:text-is('{label}') + dd")


def test_lock_states_read_as_words_everywhere(page, agent, customer):
    ticket = phone_ticket(agent, "Printer on fire")
    log_in(page)

    page.goto(f"/agent/tickets/{ticket.pk}/")
    expect(fact(page, "Lock")).to_have_text("unlocked")
    expect(page.locator(".article header").get_by_text("Customer", exact=True)).to_be_visible()
    page.get_by_role("button", name="Lock", exact=True).click()
    expect(fact(page, "Lock")).to_have_text("locked")

    page.goto("/agent/status/")
    row = page.get_by_role("row").filter(has_text=ticket.tn)
    expect(row.get_by_role("cell", name="locked", exact=True)).to_be_visible()
    assert not RAW_NAMES.search(page.get_by_role("main").inner_text())

    page.goto(f"/agent/tickets/{ticket.pk}/print/")
    expect(fact(page, "Lock")).to_have_text("locked")


def test_search_offers_only_the_lock_states_people_use(page, agent):
    log_in(page)

    page.goto("/agent/search/")
    lock = page.get_by_label("Lock", exact=True)
    expect(lock.locator("option")).to_have_text(["unlocked", "locked"])
    expect(page.get_by_label("State type").locator("option", has_text="removed")).to_have_count(0)
    expect(
        page.get_by_label("State", exact=True).locator("option", has_text="removed")
    ).to_have_count(0)
    assert not RAW_NAMES.search(page.get_by_role("main").inner_text())

    # A bookmarked search for the temporary lock keeps it.
    page.goto("/agent/search/?lock=3")
    page.get_by_text("Search options and profiles").click()
    expect(lock.locator("option:checked")).to_have_text("locked temporarily")


def test_lock_states_in_german(page, agent, customer):
    agent_set_language(actor=agent.actor, agent=agent, language="de")
    ticket = phone_ticket(agent, "Drucker brennt")
    log_in(page)

    page.goto(f"/agent/tickets/{ticket.pk}/")

    expect(fact(page, "Sperre")).to_have_text("entsperrt")
    expect(page.locator(".article header").get_by_text("Kunde", exact=True)).to_be_visible()
