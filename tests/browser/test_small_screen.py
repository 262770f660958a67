"""The agent interface on a phone-sized screen and from the keyboard."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in, phone_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def overflows_sideways(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
    )


@pytest.fixture
def ticket(agent, customer):
    return phone_ticket(
        agent,
        "Screen flickers when the printer prints a very long document",
        subject="Screen flickers",
    )


def test_pages_fit_a_phone_screen_and_the_menu_opens(new_page, agent, ticket):
    page = new_page(**PHONE)
    log_in(page)

    for path in ("/agent/", f"/agent/tickets/{ticket.pk}/", "/agent/status/", "/agent/search/"):
        page.goto(path)
        assert not overflows_sideways(page), f"{path} is wider than the screen"

    menu_entry = page.get_by_role("link", name="Escalation")
    expect(menu_entry).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(menu_entry).to_be_visible()


def test_keyboard_reaches_the_content_and_the_quick_search(page, agent, ticket):
    log_in(page)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.wait_for_load_state("load")  # the shortcut's script has run

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    page.keyboard.press("/")
    search = page.get_by_label("Ticket number or text")
    expect(search).to_be_focused()
    search.fill(ticket.tn)
    search.press("Enter")
    expect(page.get_by_role("heading", name=ticket.title)).to_be_visible()
