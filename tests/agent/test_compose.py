"""Reply, reply to all, forward and a new email from the agent's ticket screens."""

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import AgentFactory, grant
from tests.tickets.conftest import customer_mail
from ticketry.agent import zoom
from ticketry.agent.forms import email as email_forms
from ticketry.mail.models import OutboundMail
from ticketry.tickets.models import (
    LockType,
    Queue,
    StandardTemplate,
    State,
    TicketHistory,
    TimeAccounting,
)
from ticketry.tickets.services import (
    ArticleInput,
    AttachmentInput,
    article_create,
    ticket_lock,
)

pytestmark = pytest.mark.django_db


def reply_url(ticket, article=None, **query):
    article = article or ticket.articles.first()
    url = reverse("agent:ticket_reply", args=[ticket.pk, article.pk])
    return url + ("?all=1" if query.get("all") else "")


def forward_url(ticket):
    return reverse("agent:ticket_forward", args=[ticket.pk, ticket.articles.first().pk])


def email_url(ticket):
    return reverse("agent:ticket_email", args=[ticket.pk])


def zoom_url(ticket):
    return reverse("agent:ticket_zoom", args=[ticket.pk])


def form_data(response, **changes):
    """What the browser would post back for the form as it was shown, with `changes`."""
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name == "attachments" or value in (None, False):
            continue
        data[name] = value
    data |= changes
    return {name: value for name, value in data.items() if value is not None}


def history(ticket, kind):
    return TicketHistory.objects.filter(ticket=ticket, history_type__name=kind)


def state_id(name):
    return State.objects.get(name=name).pk


def test_the_reply_form_is_prefilled(agent_client, make_ticket):
    ticket = make_ticket()

    response = agent_client.get(reply_url(ticket))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["to"].value() == '"John Doe" <jdoe@example.com>'
    assert form["subject"].value() == f"Re: [Ticket#{ticket.tn}] Printer on fire"
    assert "> The printer in room 4 is smoking." in form["body"].value()
    assert form["state"].value() == state_id("open")
    content = response.content.decode()
    assert "OTRS System &lt;otrs@localhost&gt;" in content
    assert 'src="/static/agent/compose.js"' in content
    assert 'data-draft-restore="true"' in content
    assert (
        f'data-draft-key="ticketry-draft:{ticket.pk}:{ticket.articles.get().pk}:reply"' in content
    )


def test_opening_the_reply_locks_the_ticket_for_the_agent(
    agent_client, agent, other_agent, make_ticket
):
    ticket = make_ticket(owner=other_agent)

    agent_client.get(reply_url(ticket))

    ticket.refresh_from_db()
    assert ticket.lock_id == LockType.LOCK
    assert ticket.owner_id == agent.pk
    assert history(ticket, "Lock").count() == 1
    assert list(history(ticket, "OwnerUpdate").values_list("name", flat=True)) == [
        f"%%alice%%{agent.pk}"
    ]


def test_a_ticket_locked_by_someone_else_stays_theirs_with_a_warning(
    agent_client, other_agent, make_ticket
):
    ticket = make_ticket()
    ticket_lock(actor=other_agent.actor, ticket=ticket)

    response = agent_client.get(reply_url(ticket))

    assert response.status_code == 200
    assert "Bob Brown has locked this ticket" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.owner_id == other_agent.pk


def test_sending_a_reply(agent_client, agent, make_ticket):
    ticket = make_ticket()
    shown = agent_client.get(reply_url(ticket))

    response = agent_client.post(
        reply_url(ticket),
        form_data(shown, body="We are on our way.\r\n", time_units="1.5"),
    )

    assert response.status_code == 302
    assert response["Location"] == zoom_url(ticket)
    ticket.refresh_from_db()
    answer = ticket.articles.latest("id")
    assert answer.channel.name == "Email"
    assert answer.sender_type.name == "agent"
    assert answer.is_visible_for_customer
    assert answer.to_address == '"John Doe" <jdoe@example.com>'
    assert answer.body == "We are on our way.\n"
    assert answer.created_by_id == agent.pk
    [outbound] = OutboundMail.objects.filter(article=answer)
    assert outbound.status == "queued"
    assert outbound.recipients == ["jdoe@example.com"]
    assert outbound.envelope_from == "otrs@localhost"
    assert history(ticket, "SendAnswer").get().article_id == answer.pk
    assert ticket.state.name == "open"
    assert history(ticket, "StateUpdate").exists()
    assert TimeAccounting.objects.get(ticket=ticket).time_units == pytest.approx(1.5)
    assert history(ticket, "TimeAccounting").get().article_id == answer.pk
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Your reply is queued for sending."]


def test_reply_all_copies_the_other_recipients(agent_client, make_ticket):
    ticket = make_ticket(
        article=customer_mail(
            to_address="otrs@localhost, Carol <carol@example.com>", cc="boss@example.com"
        )
    )

    response = agent_client.get(reply_url(ticket, all=True))

    form = response.context["form"]
    assert form["to"].value() == '"John Doe" <jdoe@example.com>'
    assert form["cc"].value() == "Carol <carol@example.com>, boss@example.com"
    assert 'action="' + reply_url(ticket, all=True) + '"' in response.content.decode()

    agent_client.post(reply_url(ticket, all=True), form_data(response))

    outbound = OutboundMail.objects.get()
    assert outbound.recipients == ["jdoe@example.com", "carol@example.com", "boss@example.com"]


@pytest.fixture
def thanks(db):
    template = StandardTemplate.objects.create(
        name="thanks", text="Thanks, <OTRS_CUSTOMER_REALNAME>!", template_type="Answer"
    )
    template.queues.set([Queue.objects.get(name="Raw")])
    return template


def test_a_template_fills_the_body_by_htmx(agent_client, make_ticket, thanks):
    ticket = make_ticket()
    page = agent_client.get(reply_url(ticket)).content.decode()
    assert "thanks</option>" in page
    assert "test answer" not in page  # not assigned to the queue

    response = agent_client.get(
        reply_url(ticket) + f"?template={thanks.pk}",
        headers={"HX-Request": "true", "HX-Target": "compose-body"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "<form" not in content
    assert 'name="body"' in content
    assert "Thanks, John Doe!" in content
    assert "&gt; The printer in room 4 is smoking." in content


def test_a_template_fills_the_body_without_javascript(agent_client, make_ticket, thanks):
    ticket = make_ticket()
    shown = agent_client.get(reply_url(ticket))

    response = agent_client.post(
        reply_url(ticket),
        form_data(shown, to="typed@example.org", template=thanks.pk, apply_template="1"),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form["to"].value() == "typed@example.org"
    assert "Thanks, John Doe!" in form["body"].value()
    assert not form.is_bound
    assert OutboundMail.objects.count() == 0


def test_a_bad_address_is_an_error_that_keeps_the_text(agent_client, make_ticket):
    ticket = make_ticket()
    shown = agent_client.get(reply_url(ticket))

    response = agent_client.post(
        reply_url(ticket), form_data(shown, cc="boss@", body="My carefully typed text")
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "“boss@” is not a valid email address." in content
    assert "My carefully typed text" in content
    assert "data-draft-restore" not in content
    assert OutboundMail.objects.count() == 0
    assert ticket.articles.count() == 1


def test_a_pending_state_needs_a_date(agent_client, make_ticket):
    ticket = make_ticket()
    shown = agent_client.get(reply_url(ticket))
    pending = state_id("pending reminder")

    response = agent_client.post(reply_url(ticket), form_data(shown, state=pending))

    assert response.status_code == 200
    assert "A pending state needs a date." in response.content.decode()
    assert OutboundMail.objects.count() == 0

    until = timezone.localtime() + timedelta(days=2)
    response = agent_client.post(
        reply_url(ticket),
        form_data(shown, state=pending, pending_until=until.strftime("%Y-%m-%dT%H:%M")),
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state.name == "pending reminder"
    assert ticket.pending_until == until.replace(second=0, microsecond=0)


def test_a_stale_form_sends_nothing_until_confirmed(agent_client, other_agent, make_ticket):
    ticket = make_ticket()
    shown = agent_client.get(reply_url(ticket))
    article_create(
        actor=other_agent.actor,
        ticket=ticket,
        article=ArticleInput(body="I called them already.", history_type="AddNote"),
    )

    warned = agent_client.post(reply_url(ticket), form_data(shown))

    content = warned.content.decode()
    assert warned.status_code == 200
    assert "A new article was added to this ticket" in content
    assert 'name="confirm_stale"' in content
    assert OutboundMail.objects.count() == 0

    again = agent_client.post(reply_url(ticket), form_data(warned))
    assert again.status_code == 200
    assert OutboundMail.objects.count() == 0

    confirmed = agent_client.post(reply_url(ticket), form_data(warned, confirm_stale="on"))

    assert confirmed.status_code == 302
    assert OutboundMail.objects.count() == 1


def test_sending_to_a_ticket_locked_by_someone_else_needs_confirmation(
    agent_client, other_agent, make_ticket
):
    ticket = make_ticket()
    ticket_lock(actor=other_agent.actor, ticket=ticket)
    shown = agent_client.get(reply_url(ticket))

    warned = agent_client.post(reply_url(ticket), form_data(shown))

    assert "Bob Brown has locked this ticket in the meantime." in warned.content.decode()
    assert OutboundMail.objects.count() == 0
    confirmed = agent_client.post(reply_url(ticket), form_data(warned, confirm_stale="on"))
    assert confirmed.status_code == 302
    ticket.refresh_from_db()
    assert ticket.owner_id == other_agent.pk


def test_forward_with_the_original_attachments_and_an_upload(agent_client, make_ticket):
    ticket = make_ticket(
        article=customer_mail(
            attachments=(AttachmentInput("report.pdf", b"%PDF-1.4 report", "application/pdf"),)
        )
    )
    original = ticket.articles.get().attachments.get()

    shown = agent_client.get(forward_url(ticket))

    form = shown.context["form"]
    assert form["to"].value() == ""
    assert form["subject"].value() == f"Fwd: [Ticket#{ticket.tn}] Printer on fire"
    body = form["body"].value()
    assert '---- Forwarded message from "John Doe" <jdoe@example.com> ---' in body
    assert "Subject: Printer on fire" in body
    assert "> The printer in room 4 is smoking." in body
    assert form["originals"].value() == [original.pk]
    assert form["state"].value() == state_id("closed successful")
    assert "report.pdf (15\xa0bytes)" in shown.content.decode()

    response = agent_client.post(
        forward_url(ticket),
        form_data(
            shown,
            to="Repair <repair@example.org>",
            attachments=[SimpleUploadedFile("notes.txt", b"hello", "text/plain")],
        ),
    )

    assert response.status_code == 302
    forward = ticket.articles.latest("id")
    assert sorted(forward.attachments.values_list("filename", flat=True)) == [
        "notes.txt",
        "report.pdf",
    ]
    assert history(ticket, "Forward").get().article_id == forward.pk
    message = message_from_bytes(bytes(OutboundMail.objects.get().message), policy=policy.default)
    assert message["To"] == "Repair <repair@example.org>"
    files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert files == {"report.pdf": b"%PDF-1.4 report", "notes.txt": "hello"}
    ticket.refresh_from_db()
    assert ticket.state.name == "closed successful"
    assert ticket.lock_id == LockType.UNLOCK


def test_attachments_over_the_limit_send_nothing(agent_client, make_ticket, monkeypatch):
    monkeypatch.setattr(email_forms, "MAX_ATTACHMENTS_SIZE", 10)
    ticket = make_ticket()
    shown = agent_client.get(forward_url(ticket))

    response = agent_client.post(
        forward_url(ticket),
        form_data(
            shown,
            to="repair@example.org",
            attachments=[SimpleUploadedFile("big.bin", b"x" * 11)],
        ),
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "The attachments are too large together" in content
    assert "Please select your attachments again." in content
    assert OutboundMail.objects.count() == 0


def test_a_new_email_on_the_ticket(agent_client, make_ticket, customer):
    ticket = make_ticket()

    shown = agent_client.get(email_url(ticket))

    form = shown.context["form"]
    assert form["to"].value() == "jdoe@example.com"
    assert form["subject"].value() == f"[Ticket#{ticket.tn}] Printer on fire"
    assert "wrote:" not in form["body"].value()
    assert not form["is_visible_for_customer"].value()

    response = agent_client.post(email_url(ticket), form_data(shown, body="Status update."))

    assert response.status_code == 302
    mail = ticket.articles.latest("id")
    assert mail.channel.name == "Email"
    assert not mail.is_visible_for_customer
    assert mail.in_reply_to == ""
    assert history(ticket, "EmailAgent").get().article_id == mail.pk
    assert OutboundMail.objects.get().recipients == ["jdoe@example.com"]


def test_htmx_send_redirects_the_whole_page(agent_client, make_ticket):
    ticket = make_ticket()
    shown = agent_client.get(reply_url(ticket))
    htmx = {"HX-Request": "true", "HX-Target": "compose"}

    failed = agent_client.post(reply_url(ticket), form_data(shown, to=""), headers=htmx)
    assert failed.status_code == 200
    assert "<html" not in failed.content.decode()
    assert "This field is required." in failed.content.decode()

    sent = agent_client.post(reply_url(ticket), form_data(shown), headers=htmx)

    assert sent["HX-Redirect"] == zoom_url(ticket)
    assert OutboundMail.objects.count() == 1


@pytest.mark.parametrize("screen", [reply_url, forward_url, email_url])
def test_agents_without_permission_are_refused(client, make_ticket, outsider, users_group, screen):
    ticket = make_ticket()
    client.force_login(outsider)
    assert client.get(screen(ticket)).status_code == 404
    assert client.post(screen(ticket), {"to": "x@example.org"}).status_code == 404

    reader = AgentFactory(login="rita")
    grant(reader, users_group, "ro")
    client.force_login(reader)
    assert client.get(screen(ticket)).status_code == 403
    assert client.post(screen(ticket), {"to": "x@example.org"}).status_code == 403

    ticket.refresh_from_db()
    assert ticket.lock_id == LockType.UNLOCK
    assert OutboundMail.objects.count() == 0


def test_an_article_of_another_ticket_is_not_found(agent_client, make_ticket):
    ticket, other = make_ticket(), make_ticket()

    response = agent_client.get(reply_url(ticket, other.articles.get()))

    assert response.status_code == 404


def test_the_article_actions_link_to_the_mail_screens(make_ticket):
    plain = make_ticket()
    mail = make_ticket(article=customer_mail(raw_message=b"Subject: x\r\n\r\nbody\r\n"))

    for ticket, bounce in ((plain, False), (mail, True)):
        (shown,) = zoom.article_thread(ticket).articles
        article = shown.article
        html = render_to_string(
            "agent/partials/article_actions.html",
            {"ticket": ticket, "article": article, "shown": shown},
        )
        assert f'href="{reply_url(ticket)}"' in html
        assert f'href="{reply_url(ticket, all=True)}"' in html
        assert f'href="{forward_url(ticket)}"' in html
        split = reverse("agent:ticket_action", args=[ticket.pk, "split"])
        assert f'href="{split}?article={article.pk}"' in html
        bounce_url = reverse("agent:ticket_bounce", args=[ticket.pk, article.pk])
        assert (bounce_url in html) is bounce
