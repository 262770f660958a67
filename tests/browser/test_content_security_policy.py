"""The main agent pages and the admin run under the strict Content-Security-Policy without a
single violation, and htmx still works under it."""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import AgentFactory
from tests.tickets.conftest import customer_mail
from ticketry.accounts.services import agent_update_preferences
from ticketry.tickets.services import article_create

from .conftest import PASSWORD, log_in, phone_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The browser reports each blocked script, style or frame as a `securitypolicyviolation`
# event; the listener is installed in every document before its own scripts run.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


@pytest.fixture
def violations(page):
    seen = []

    def report(text: str) -> None:
        seen.append(text)

    def console(message) -> None:
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    page.expose_function("reportViolation", report)
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", console)
    return seen


def test_agent_pages_run_without_a_policy_violation(
    page, violations, agent, customer, answer_template
):
    agent_update_preferences(
        actor=agent.actor, agent=agent, values={"dashboard_refresh_seconds": 1}
    )
    ticket = phone_ticket(agent, "Scanner makes noises")
    article_create(
        actor=agent.actor,
        ticket=ticket,
        article=customer_mail(
            subject="Noises", body="It hums.", body_html="<p>It <b>hums</b>.</p>"
        ),
    )
    log_in(page)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # The widgets refresh themselves through htmx.
    with page.expect_response(re.compile(r"/agent/.*widget")):
        pass

    page.goto(f"/agent/tickets/{ticket.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scanner makes noises")
    page.get_by_text("Show HTML version").click()
    expect(page.frame_locator("iframe.article-html").locator("b")).to_have_text("hums")

    page.get_by_label("Ticket number or text").fill("scanner")
    page.get_by_label("Ticket number or text").press("Enter")
    expect(page.get_by_role("main")).to_contain_text("Scanner makes noises")

    page.goto(f"/agent/tickets/{ticket.pk}/")
    page.get_by_role("button", name="Lock", exact=True).click()
    page.get_by_role("link", name="Reply", exact=True).first.click()
    page.wait_for_url(re.compile("/reply/"), wait_until="load")
    page.get_by_label("Template").select_option(label="Printer answer")
    expect(page.get_by_label("Text", exact=True)).to_have_value(
        re.compile("switch the printer off and on again")
    )

    page.goto("/agent/preferences/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto("/agent/locked/")
    expect(page.get_by_role("main")).to_contain_text("Scanner makes noises")

    assert violations == []


def test_the_admin_runs_without_a_policy_violation(page, violations, transactional_db):
    AgentFactory(login="sue", is_superuser=True)
    log_in(page, login="sue", password=PASSWORD)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto("/admin/accounts/agent/")
    expect(page.locator("#result_list")).to_be_visible()
    page.goto("/admin/core/sysconfigvalue/add/")
    expect(page.locator("form")).not_to_have_count(0)

    assert violations == []


def test_a_blocked_inline_script_would_be_reported(page, violations, agent):
    log_in(page)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "document.body.dataset.ran = 'yes'";
          document.body.append(script);
        }"""
    )

    expect(page.locator("body")).not_to_have_attribute("data-ran", "yes")
    page.wait_for_timeout(200)
    assert any("script-src" in violation for violation in violations)
