from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import AgentFactory, grant
from ticketry.customers.models import CustomerUser
from ticketry.mail.models.outbound import OutboundMail, OutboundStatus
from ticketry.tickets.models import Priority, Queue, State, Ticket, TicketHistory, TimeAccounting

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PHONE = reverse("agent:phone_ticket_new")
EMAIL = reverse("agent:email_ticket_new")
AUTOCOMPLETE = reverse("agent:customer_autocomplete")


def pk_of(model, name):
    return model.objects.get(name=name).pk


def ticket_data(**overrides):
    data = {
        "customer_user": "jdoe",
        "customer_id": "",
        "queue": pk_of(Queue, "Raw"),
        "title": "Printer on fire",
        "body": "The printer in room 4 is smoking.",
        "state": pk_of(State, "open"),
        "pending_until": "",
        "priority": pk_of(Priority, "3 normal"),
        "type": 1,
        "owner": "",
        "responsible": "",
        "time_units": "",
    }
    data.update(overrides)
    return data


def history_of(ticket):
    return list(
        TicketHistory.objects.filter(ticket=ticket)
        .order_by("id")
        .values_list("history_type__name", "name")
    )


def test_phone_ticket_form_page(agent_client, customer):
    response = agent_client.get(PHONE)

    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body
    assert 'aria-current="page"' in body and "New phone ticket" in body
    assert f'hx-get="{AUTOCOMPLETE}"' in body
    assert 'hx-trigger="input changed delay:300ms"' in body
    assert 'enctype="multipart/form-data"' in body
    form = response.context["form"]
    assert {q.name for q in form.fields["queue"].queryset} == {"Postmaster", "Raw", "Junk", "Misc"}
    assert {s.type.name for s in form.fields["state"].queryset} == {
        "open",
        "closed",
        "pending reminder",
        "pending auto",
    }


def test_phone_ticket_is_created_with_a_phone_article_from_the_customer(
    agent_client, customer, agent
):
    response = agent_client.post(PHONE, ticket_data(time_units="0.5"))

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("agent:ticket_zoom", args=[ticket.pk])
    assert (ticket.title, ticket.queue.name, ticket.state.name) == (
        "Printer on fire",
        "Raw",
        "open",
    )
    assert (ticket.customer_user_id, ticket.customer_id) == ("jdoe", "acme")
    assert ticket.owner == agent
    article = ticket.articles.get()
    assert (article.channel.name, article.sender_type.name) == ("Phone", "customer")
    assert article.is_visible_for_customer
    assert (article.from_address, article.to_address) == ("John Doe <jdoe@example.com>", "Raw")
    assert (article.subject, article.body) == (
        "Printer on fire",
        "The printer in room 4 is smoking.",
    )
    assert history_of(ticket) == [
        ("NewTicket", f"%%{ticket.tn}%%Raw%%3 normal%%open%%{ticket.pk}"),
        ("CustomerUpdate", "%%CustomerID=acme;CustomerUser=jdoe;"),
        ("PhoneCallCustomer", "%%"),
        ("TimeAccounting", "%%0.5%%0.5"),
    ]
    assert TimeAccounting.objects.get().article == article


def test_phone_ticket_with_owner_responsible_pending_state_and_attachment(
    agent_client, customer, other_agent
):
    pending_until = timezone.localtime() + timedelta(days=1)

    agent_client.post(
        PHONE,
        ticket_data(
            owner=other_agent.pk,
            responsible=other_agent.pk,
            state=pk_of(State, "pending reminder"),
            pending_until=pending_until.strftime("%Y-%m-%dT%H:%M"),
            priority=pk_of(Priority, "4 high"),
            attachments=[
                SimpleUploadedFile("log.txt", b"smoke detected", content_type="text/plain"),
                SimpleUploadedFile("photo.jpg", b"\xff\xd8", content_type="image/jpeg"),
            ],
        ),
    )

    ticket = Ticket.objects.get()
    assert ticket.owner == other_agent and ticket.responsible == other_agent
    assert ticket.state.name == "pending reminder" and ticket.priority.name == "4 high"
    assert ticket.pending_until == pending_until.replace(second=0, microsecond=0)
    stored = ticket.articles.get().attachments.order_by("id")
    assert [(a.filename, a.content_type, a.size) for a in stored] == [
        ("log.txt", "text/plain", 14),
        ("photo.jpg", "image/jpeg", 2),
    ]


def test_customer_typed_as_mail_address_of_a_known_customer(agent_client, customer):
    agent_client.post(PHONE, ticket_data(customer_user="JDoe@Example.com"))

    assert Ticket.objects.get().customer_user_id == "jdoe"


def test_unknown_mail_address_is_kept_as_customer(agent_client, customer):
    agent_client.post(PHONE, ticket_data(customer_user="walk-in@example.org"))

    ticket = Ticket.objects.get()
    assert (ticket.customer_user_id, ticket.customer_id) == ("walk-in@example.org", "")
    assert ticket.articles.get().from_address == "walk-in@example.org"


def test_unknown_login_is_a_form_error_that_keeps_the_input(agent_client, customer):
    response = agent_client.post(PHONE, ticket_data(customer_user="nobody", title="Kept title"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Unknown customer user “nobody”" in body
    assert 'value="nobody"' in body and 'value="Kept title"' in body
    assert not Ticket.objects.exists()


def test_pending_state_needs_a_date(agent_client, customer):
    response = agent_client.post(PHONE, ticket_data(state=pk_of(State, "pending reminder")))

    assert "A pending state needs a date." in response.content.decode()
    assert not Ticket.objects.exists()


def test_attachment_over_the_limit_is_a_form_error(agent_client, customer, monkeypatch):
    monkeypatch.setattr("ticketry.agent.forms.new_ticket.MAX_ATTACHMENT_BYTES", 10)

    response = agent_client.post(
        PHONE,
        ticket_data(attachments=[SimpleUploadedFile("big.bin", b"x" * 11)]),
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "“big.bin” is 11\xa0bytes; an attachment may be at most 10\xa0bytes." in body
    assert not Ticket.objects.exists()


def test_default_attachment_limit_is_20_mb():
    from ticketry.agent.forms.new_ticket import MAX_ATTACHMENT_BYTES

    assert MAX_ATTACHMENT_BYTES == 20 * 1024 * 1024


def test_queues_without_create_permission_are_refused(client, customer, users_group):
    reader = AgentFactory(login="rita")
    grant(reader, users_group, "ro")
    client.force_login(reader)

    shown = client.get(PHONE).context["form"]
    response = client.post(PHONE, ticket_data())

    assert not shown.fields["queue"].queryset.exists()
    assert "Select a valid choice" in response.content.decode()
    assert not Ticket.objects.exists()


def test_anonymous_visitor_is_sent_to_login(client):
    assert client.get(PHONE).status_code == 302
    assert client.post(EMAIL, ticket_data()).status_code == 302


def test_email_ticket_writes_to_the_customer_and_queues_the_mail(agent_client, customer, agent):
    response = agent_client.post(
        EMAIL, ticket_data(title="Your printer", body="We will replace it.", cc="boss@acme.example")
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("agent:ticket_zoom", args=[ticket.pk])
    assert (ticket.customer_user_id, ticket.state.name) == ("jdoe", "open")
    article = ticket.articles.get()
    assert (article.channel.name, article.sender_type.name) == ("Email", "agent")
    assert article.is_visible_for_customer
    assert article.to_address == "John Doe <jdoe@example.com>" and article.cc == "boss@acme.example"
    assert article.subject == f"[Ticket#{ticket.tn}] Your printer"
    assert article.body == "We will replace it."
    mail = OutboundMail.objects.get()
    assert mail.status == OutboundStatus.QUEUED and mail.article == article
    assert set(mail.recipients) == {"jdoe@example.com", "boss@acme.example"}
    assert [row[0] for row in history_of(ticket)] == ["NewTicket", "CustomerUpdate", "EmailAgent"]


def test_email_ticket_page(agent_client, customer):
    response = agent_client.get(EMAIL)

    body = response.content.decode()
    assert response.status_code == 200 and "New email ticket" in body
    assert 'name="cc"' in body


def test_email_ticket_refusal_leaves_nothing(agent_client, customer, monkeypatch):
    from ticketry.core.errors import InvalidValue

    def no_mail(**kwargs):
        raise InvalidValue("There is no system address to send mail from.")

    monkeypatch.setattr("ticketry.mail.outbound.new_ticket.send_email_article", no_mail)

    response = agent_client.post(EMAIL, ticket_data())

    assert "There is no system address to send mail from." in response.content.decode()
    assert not Ticket.objects.exists() and not OutboundMail.objects.exists()


# --- customer autocomplete -----------------------------------------------------------


def test_autocomplete_finds_customers_by_login_mail_and_name(agent_client, customer):
    CustomerUser.objects.create(
        login="mmax",
        email="max@globex.example",
        customer_id="globex",
        first_name="Max",
        last_name="M",
    )
    CustomerUser.objects.create(
        login="gone",
        email="gone@globex.example",
        customer_id="globex",
        first_name="G",
        last_name="Globex",
        valid=2,
    )

    by_login = agent_client.get(AUTOCOMPLETE, {"term": "jdo"}, headers=HTMX).content.decode()
    by_mail = agent_client.get(AUTOCOMPLETE, {"customer_user": "globex"}).content.decode()
    by_name = agent_client.get(AUTOCOMPLETE, {"term": "doe"}).content.decode()
    nothing = agent_client.get(AUTOCOMPLETE, {"term": "zzz"}).content.decode()

    assert "jdoe@example.com" in by_login
    fill = '{"customer_user": "jdoe", "customer_id": "acme"}'.replace('"', "&quot;")
    assert f'data-fill="{fill}"' in by_login
    assert "max@globex.example" in by_mail and "gone@" not in by_mail
    assert "John" in by_name
    assert "No customer user matches." in nothing


def test_autocomplete_lists_at_most_ten_and_needs_two_characters(
    agent_client, customer, django_assert_max_num_queries
):
    for number in range(12):
        CustomerUser.objects.create(
            login=f"user{number:02}",
            email=f"u{number}@x.example",
            customer_id="x",
            first_name="U",
            last_name=str(number),
        )

    with django_assert_max_num_queries(7):
        listed = agent_client.get(AUTOCOMPLETE, {"term": "user"}).content.decode()
    short = agent_client.get(AUTOCOMPLETE, {"term": "u"}).content.decode()

    assert listed.count("<li>") == 10
    assert "<li>" not in short and "No customer" not in short


def test_autocomplete_needs_a_signed_in_agent(client):
    assert client.get(AUTOCOMPLETE, {"term": "jdoe"}).status_code == 302
