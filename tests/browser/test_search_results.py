"""The quick search by words: the results are on screen at once, the full form folded above."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in, phone_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quick_search_by_words_shows_the_results_first(page, agent, customer):
    phone_ticket(agent, "Keyboard missing the letter Q")
    log_in(page)

    page.get_by_label("Ticket number or text").fill("keyboard")
    page.get_by_label("Ticket number or text").press("Enter")

    result = page.get_by_role("cell", name="Keyboard missing the letter Q")
    expect(result).to_be_visible()
    box = result.bounding_box()
    assert box["y"] + box["height"] <= page.viewport_size["height"], "result below the fold"
    full_text = page.get_by_label("Full text")
    expect(full_text).to_be_hidden()

    page.get_by_text("Search options and profiles").click()
    expect(full_text).to_be_visible()
    expect(full_text).to_have_value("keyboard")


def test_an_empty_search_page_shows_the_form(page, agent):
    log_in(page)

    page.goto("/agent/search/")

    expect(page.get_by_label("Full text")).to_be_visible()
