import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_logs_in_and_out(page, agent):
    log_in(page)

    expect(page).to_have_url("/agent/")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url("/agent/login/")


def test_wrong_password_is_shown_on_the_form(page, agent):
    log_in(page, password="wrong")

    expect(page.get_by_role("alert")).to_contain_text("correct")
