"""An agent's day in a real browser: a mail arrives, the agent works it, merges, moves and
searches; the same journey in German."""

import re

import pytest
from playwright.sync_api import expect

from tests.mail.builders import mail
from ticketry.accounts.services import agent_set_language, agent_update_preferences
from ticketry.mail.inbound.process import receive
from ticketry.mail.models import OutboundMail
from ticketry.tickets.models import Ticket, TicketHistory

from .conftest import log_in, phone_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mail_arrives_and_is_answered_and_closed(
    page, agent, customer, answer_template, tmp_path
):
    agent_update_preferences(
        actor=agent.actor, agent=agent, values={"dashboard_refresh_seconds": 1}
    )
    log_in(page)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    receive(mail(subject="The printer in room 4 is smoking"))

    new_tickets = page.locator("#widget-new")
    expect(new_tickets).to_contain_text("The printer in room 4 is smoking", timeout=15_000)
    new_tickets.get_by_role("link", name=re.compile(r"^\d+$")).first.click()
    ticket = Ticket.objects.get(title="The printer in room 4 is smoking")
    expect(page.get_by_role("heading", level=1)).to_contain_text("The printer in room 4")
    expect(page.locator("article.article-unseen")).to_have_count(1)

    page.get_by_role("button", name="Lock", exact=True).click()
    expect(page.get_by_text("locked", exact=False).first).to_be_visible()

    page.get_by_role("link", name="Reply", exact=True).first.click()
    page.wait_for_url(re.compile("/reply/"), wait_until="load")
    page.get_by_label("Template").select_option(label="Printer answer")
    expect(page.get_by_label("Text", exact=True)).to_have_value(
        re.compile("switch the printer off and on again")
    )
    attachment = tmp_path / "steps.txt"
    attachment.write_text("1. Off\n2. On\n")
    page.get_by_label("Attach files").set_input_files(str(attachment))
    page.get_by_label("Next state").select_option(label="closed successful")
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("status")).to_contain_text("queued for sending")
    # Seen once, and the agent's own answer is no news to them.
    expect(page.locator("article.article-unseen")).to_have_count(0)
    ticket.refresh_from_db()
    assert ticket.state.name == "closed successful"
    reply = ticket.articles.order_by("-id").first()
    assert "switch the printer off and on again" in reply.body
    assert [a.filename for a in reply.attachments.all()] == ["steps.txt"]
    assert OutboundMail.objects.filter(article=reply).exists()
    assert TicketHistory.objects.filter(ticket=ticket, history_type__name="SendAnswer").exists()


def test_merge_two_tickets(page, agent, customer):
    source = phone_ticket(agent, "Printer jammed")
    target = phone_ticket(agent, "Printer jammed again")
    log_in(page)
    page.goto(f"/agent/tickets/{source.pk}/")

    page.get_by_text("Miscellaneous", exact=True).click()
    page.get_by_role("link", name="Merge", exact=True).click()
    page.get_by_role("textbox", name=re.compile("Merge into ticket number")).fill(target.tn)
    page.get_by_role("button", name="Submit").click()

    expect(page).to_have_url(re.compile(rf"/agent/tickets/{target.pk}/"))
    source.refresh_from_db()
    assert source.state.name == "merged"


def test_bulk_move(page, agent, customer):
    tickets = [phone_ticket(agent, f"Toner {number}") for number in range(3)]
    log_in(page)
    page.goto(f"/agent/queues/?queue={tickets[0].queue_id}&filter=all")

    for ticket in tickets[:2]:
        page.get_by_label(f"Select ticket {ticket.tn}").check()
    page.get_by_role("button", name="Bulk action for selected tickets").click()
    page.get_by_label("Move to queue").select_option(label="Misc")
    page.get_by_role("button", name="Apply to selected tickets").click()

    expect(page.get_by_role("main")).to_contain_text(tickets[1].tn)
    queues = {t.pk: t.queue.name for t in Ticket.objects.select_related("queue")}
    assert [queues[t.pk] for t in tickets] == ["Misc", "Misc", "Raw"]


def test_search_by_text_and_by_number(page, agent, customer):
    wanted = phone_ticket(agent, "Keyboard missing the letter Q")
    phone_ticket(agent, "Mouse too slow")
    log_in(page)

    page.get_by_label("Ticket number or text").fill("keyboard")
    page.get_by_label("Ticket number or text").press("Enter")
    results = page.get_by_role("main")
    expect(results).to_contain_text("Keyboard missing the letter Q")
    expect(results).not_to_contain_text("Mouse too slow")

    page.get_by_label("Ticket number or text").fill(wanted.tn)
    page.get_by_label("Ticket number or text").press("Enter")
    expect(page).to_have_url(re.compile(rf"/agent/tickets/{wanted.pk}/"))


def test_the_same_journey_in_german(page, agent, customer, answer_template):
    agent_set_language(actor=agent.actor, agent=agent, language="de")
    ticket = phone_ticket(agent, "Drucker brennt")
    log_in(page)
    expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()

    page.goto(f"/agent/tickets/{ticket.pk}/")
    page.get_by_role("button", name="Sperren", exact=True).click()
    page.get_by_role("link", name="Antworten", exact=True).first.click()
    page.wait_for_url(re.compile("/reply/"), wait_until="load")
    page.get_by_label("Vorlage").select_option(label="Printer answer")
    expect(page.get_by_label("Text", exact=True)).to_have_value(
        re.compile("switch the printer off and on again")
    )
    page.get_by_label("Nächster Status").select_option(label="erfolgreich geschlossen")
    page.get_by_role("button", name="Senden").click()

    expect(page.get_by_role("status")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.state.name == "closed successful"
