"""Bouncing a customer's mail from the agent interface."""

from email import message_from_bytes, policy

import pytest
from django.urls import reverse

from tests.accounts.factories import AgentFactory, grant
from tests.agent.test_compose import form_data, history, state_id, zoom_url
from tests.tickets.conftest import customer_mail
from ticketry.mail.models import OutboundMail
from ticketry.mail.outbound import send_email_article
from ticketry.tickets.models import LockType

pytestmark = pytest.mark.django_db

RAW = (
    b"From: John Doe <jdoe@example.com>\r\n"
    b"To: otrs@localhost\r\n"
    b"Subject: Printer on fire\r\n"
    b"Message-ID: <printer@example.com>\r\n"
    b"\r\n"
    b"The printer in room 4 is smoking.\r\n"
)


@pytest.fixture
def mail_ticket(make_ticket):
    return make_ticket(article=customer_mail(raw_message=RAW, message_id="<printer@example.com>"))


def bounce_url(ticket):
    return reverse("agent:ticket_bounce", args=[ticket.pk, ticket.articles.first().pk])


def test_the_bounce_form(agent_client, agent, mail_ticket):
    response = agent_client.get(bounce_url(mail_ticket))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["state"].value() == state_id("closed successful")
    assert form["inform_to"].value() == '"John Doe" <jdoe@example.com>'
    assert form["inform_subject"].value() == f"Re: [Ticket#{mail_ticket.tn}] Printer on fire"
    assert "<OTRS_BOUNCE_TO>" in form["inform_body"].value()
    offered = {state.name for state in form.fields["state"].queryset}
    assert "closed successful" in offered
    assert "open" in offered
    assert not any(name.startswith("pending") for name in offered)
    mail_ticket.refresh_from_db()
    assert (mail_ticket.lock_id, mail_ticket.owner_id) == (LockType.LOCK, agent.pk)


def test_bouncing_sends_the_original_on(agent_client, mail_ticket):
    shown = agent_client.get(bounce_url(mail_ticket))

    response = agent_client.post(bounce_url(mail_ticket), form_data(shown, to="boss@example.org"))

    assert response.status_code == 302
    assert response["Location"] == zoom_url(mail_ticket)
    outbound = OutboundMail.objects.get()
    assert outbound.recipients == ["boss@example.org"]
    message = message_from_bytes(bytes(outbound.message), policy=policy.default)
    assert message["Resent-To"] == "boss@example.org"
    assert message["Resent-From"] == "OTRS System <otrs@localhost>"
    assert message["Resent-Message-ID"] == "<printer@example.com>"
    assert message["From"] == "John Doe <jdoe@example.com>"
    assert message.get_content().rstrip() == "The printer in room 4 is smoking."
    assert list(history(mail_ticket, "Bounce").values_list("name", flat=True)) == [
        "%%boss@example.org"
    ]
    mail_ticket.refresh_from_db()
    assert mail_ticket.state.name == "closed successful"
    assert mail_ticket.lock_id == LockType.UNLOCK
    assert mail_ticket.articles.count() == 1


def test_bouncing_can_inform_the_sender(agent_client, mail_ticket):
    shown = agent_client.get(bounce_url(mail_ticket))

    response = agent_client.post(
        bounce_url(mail_ticket),
        form_data(shown, to="boss@example.org", inform_sender="on", state=state_id("open")),
    )

    assert response.status_code == 302
    notice = mail_ticket.articles.latest("id")
    assert notice.to_address == '"John Doe" <jdoe@example.com>'
    assert f"“{mail_ticket.tn}” is bounced to “boss@example.org”" in notice.body
    assert OutboundMail.objects.count() == 2
    assert history(mail_ticket, "Bounce").count() == 2
    mail_ticket.refresh_from_db()
    assert mail_ticket.state.name == "open"


def test_informing_needs_a_text(agent_client, mail_ticket):
    shown = agent_client.get(bounce_url(mail_ticket))

    response = agent_client.post(
        bounce_url(mail_ticket),
        form_data(shown, to="boss@example.org", inform_sender="on", inform_body=""),
    )

    assert response.status_code == 200
    assert "Needed to inform the sender." in response.content.decode()
    assert OutboundMail.objects.count() == 0


def test_bouncing_to_our_own_address_is_refused(agent_client, mail_ticket):
    shown = agent_client.get(bounce_url(mail_ticket))

    response = agent_client.post(bounce_url(mail_ticket), form_data(shown, to="otrs@localhost"))

    assert response.status_code == 200
    assert "bouncing to it would loop" in response.content.decode()
    assert OutboundMail.objects.count() == 0
    assert not history(mail_ticket, "Bounce").exists()


def test_an_article_without_its_original_cannot_be_bounced(agent_client, make_ticket):
    ticket = make_ticket()

    response = agent_client.get(bounce_url(ticket))

    content = response.content.decode()
    assert response.status_code == 200
    assert "has no original message, so it cannot be bounced" in content
    assert '<form class="panel compose"' not in content
    ticket.refresh_from_db()
    assert ticket.lock_id == LockType.UNLOCK


def test_an_answer_is_bounced_as_it_was_sent(agent_client, agent, make_ticket):
    ticket = make_ticket()
    answer = send_email_article(
        actor=agent.actor, ticket=ticket, to="jdoe@example.com", subject="Re", body="On it.\n"
    )
    sent = bytes(OutboundMail.objects.get(article=answer).message)
    url = reverse("agent:ticket_bounce", args=[ticket.pk, answer.pk])
    shown = agent_client.get(url)
    assert "has no original message" not in shown.content.decode()

    response = agent_client.post(url, form_data(shown, to="boss@example.org"))

    assert response.status_code == 302
    bounced = OutboundMail.objects.filter(article=answer).exclude(message_id=answer.message_id)
    (message,) = (bytes(mail.message) for mail in bounced)
    assert message.partition(b"\r\n\r\n")[2] == sent.partition(b"\r\n\r\n")[2]
    assert message_from_bytes(message, policy=policy.default)["Resent-To"] == "boss@example.org"


def test_htmx_bounce_redirects_the_whole_page(agent_client, mail_ticket):
    shown = agent_client.get(bounce_url(mail_ticket))

    response = agent_client.post(
        bounce_url(mail_ticket),
        form_data(shown, to="boss@example.org"),
        headers={"HX-Request": "true", "HX-Target": "compose"},
    )

    assert response["HX-Redirect"] == zoom_url(mail_ticket)


def test_agents_without_permission_cannot_bounce(client, mail_ticket, outsider, users_group):
    client.force_login(outsider)
    assert client.get(bounce_url(mail_ticket)).status_code == 404

    reader = AgentFactory(login="rita")
    grant(reader, users_group, "ro")
    client.force_login(reader)
    assert client.get(bounce_url(mail_ticket)).status_code == 403
    assert client.post(bounce_url(mail_ticket), {"to": "x@example.org"}).status_code == 403
    assert OutboundMail.objects.count() == 0
