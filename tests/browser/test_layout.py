"""The agent's screens at 1280 px, in English and German, measured by the browser: the zoom's
actions fit one row, the customer panel stays inside its column, ticket numbers do not wrap,
and every page has the favicon."""

import pytest
from playwright.sync_api import expect

from ticketry.accounts.services import agent_set_language
from ticketry.customers.models import CustomerCompany, CustomerUser
from ticketry.tickets.services import ticket_set_customer

from .conftest import log_in, phone_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 1280
LANGUAGES = [("en", "Miscellaneous", "Merge"), ("de", "Sonstiges", "Zusammenfassen")]


LONG_LOGIN = "johannes.doe-mustermann@mueller-maschinenbau-anlagentechnik.example"


@pytest.fixture
def long_named_customer(transactional_db):
    """A customer whose login, name, company and ID are as long as real ones get."""
    CustomerCompany.objects.create(
        customer_id="mueller-maschinenbau-und-anlagentechnik-gmbh",
        name="Müller Maschinenbau und Anlagentechnik GmbH & Co. KG",
        city="Villingen-Schwenningen",
    )
    return CustomerUser.objects.create(
        login=LONG_LOGIN,
        email=LONG_LOGIN,
        customer_id="mueller-maschinenbau-und-anlagentechnik-gmbh",
        first_name="Johannes",
        last_name="Doe-Mustermann",
        phone="+49 7721 123456-789",
    )


def boxes(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(
        selector,
        "nodes => nodes.map(node => { const box = node.getBoundingClientRect();"
        " return {top: box.top, bottom: box.bottom, left: box.left, right: box.right}; })",
    )


@pytest.mark.parametrize(("language", "misc_menu", "merge"), LANGUAGES)
def test_zoom_fits_1280_pixels(
    new_page, agent, customer, long_named_customer, language, misc_menu, merge
):
    agent_set_language(actor=agent.actor, agent=agent, language=language)
    ticket = phone_ticket(agent, "Printer on fire")
    ticket_set_customer(actor=agent.actor, ticket=ticket, customer_user=LONG_LOGIN)
    page = new_page(width=WIDTH)
    log_in(page)

    page.goto(f"/agent/tickets/{ticket.pk}/")

    entries = boxes(page, ".ticket-actions > *")
    assert len(entries) >= 6
    assert len({round(entry["top"]) for entry in entries}) == 1, "the actions wrap"
    assert max(entry["right"] for entry in entries) <= WIDTH
    panel = boxes(page, ".customer-panel")[0]
    inside = boxes(page, ".customer-panel *")
    assert max(box["right"] for box in inside) <= panel["right"] + 0.5, "the panel overflows"
    assert panel["right"] <= WIDTH
    assert not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )

    menu_entry = page.get_by_role("link", name=merge, exact=True)
    expect(menu_entry).to_be_hidden()
    page.get_by_text(misc_menu, exact=True).click()
    expect(menu_entry).to_be_visible()


def test_action_menus_open_one_at_a_time_and_an_entry_opens_its_form(page, agent, customer):
    ticket = phone_ticket(agent, "Printer on fire")
    log_in(page)
    page.goto(f"/agent/tickets/{ticket.pk}/")
    page.wait_for_load_state("load")

    page.get_by_text("People", exact=True).click()
    expect(page.locator("#action-menu-people")).to_have_attribute("open", "")
    page.get_by_text("Attributes", exact=True).click()
    expect(page.locator("#action-menu-people")).not_to_have_attribute("open", "")
    page.get_by_role("link", name="Title", exact=True).click()

    expect(page.locator("#action-region").get_by_role("textbox", name="Title")).to_be_visible()
    expect(page.locator("details.action-menu[open]")).to_have_count(0)


@pytest.mark.parametrize("language", ["en", "de"])
def test_ticket_numbers_do_not_wrap_on_the_dashboard(new_page, agent, customer, language):
    agent_set_language(actor=agent.actor, agent=agent, language=language)
    # Long words leave the table no room but what the ticket number cell gives up.
    phone_ticket(agent, "Druckerwarteschlangenverwaltungsproblem " * 3 + "Netzwerkkonfiguration")
    page = new_page(width=WIDTH)
    log_in(page)

    expect(page.locator("#widget-new td.ticket-number a")).to_be_visible()
    # The number and its unseen marker on one line: the marker's middle within the number's.
    number = boxes(page, "#widget-new td.ticket-number a")[0]
    marker = boxes(page, "#widget-new td.ticket-number .unseen-marker")[0]
    middle = (marker["top"] + marker["bottom"]) / 2
    assert number["top"] <= middle <= number["bottom"], "the ticket number cell wraps"


def test_every_page_links_the_favicon(page, agent):
    log_in(page)

    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_attribute("type", "image/svg+xml")
    response = page.request.get(icon.get_attribute("href"))
    assert response.ok and response.headers["content-type"].startswith("image/svg+xml")
