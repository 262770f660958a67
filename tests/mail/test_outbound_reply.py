"""Template tags and the pre-filled reply of the agent's answer form."""

import pytest
from django.utils import formats

from tests.accounts.factories import AgentFactory, grant
from tests.mail.fixtures_smtp import CUSTOMER_MESSAGE_ID
from ticketry.accounts.models import Group
from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.customers.models import CustomerUser
from ticketry.mail.outbound import compose_reply, replace_tags
from ticketry.tickets.models import AutoResponse, DynamicField, Queue
from ticketry.tickets.services import ArticleInput, article_create, ticket_set_dynamic_field

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    agent = AgentFactory(
        login="alice", first_name="Alice", last_name="Agent", email="alice@example.com"
    )
    grant(agent, Group.objects.get(name="users"), "rw")
    return agent


def customer_article(ticket):
    return ticket.articles.get(message_id=CUSTOMER_MESSAGE_ID)


def add_customer_mail(ticket, **overrides):
    values = {
        "channel": "Email",
        "sender_type": "customer",
        "is_visible_for_customer": True,
        "from_address": "jdoe@example.com",
        "to_address": "support@example.com",
        "subject": f"Re: [Ticket#{ticket.tn}] Printer on fire",
        "body": "Still smoking.",
        "history_type": "FollowUp",
    }
    values.update(overrides)
    return article_create(actor=Actor.system(), ticket=ticket, article=ArticleInput(**values))


def test_ticket_agent_and_customer_tags(mail_ticket, alice):
    text = (
        "<OTRS_TICKET_TicketNumber> <OTRS_TICKET_Title> <OTRS_TICKET_Queue> "
        "<OTRS_TICKET_State> <OTRS_TICKET_Priority> <OTRS_TICKET_CustomerUserID> "
        "<OTRS_TICKET_CustomerID> <OTRS_TICKET_Owner> <OTRS_ticket_ticketid>|"
        "<OTRS_OWNER_UserLogin> <OTRS_TICKET_OWNER_UserFirstname> <OTRS_RESPONSIBLE_UserLogin>|"
        "<OTRS_Agent_UserFirstname> <OTRS_CURRENT_UserLastname> <OTRS_Agent_UserEmail>|"
        "<OTRS_CUSTOMER_DATA_UserFirstname> <OTRS_CUSTOMER_DATA_UserEmail> "
        "<OTRS_CUSTOMER_DATA_UserCustomerID>|<OTRS_CUSTOMER_REALNAME>|<OTRS_CUSTOMER_From>"
    )
    owner = mail_ticket.owner.login
    assert replace_tags(text, ticket=mail_ticket, agent=alice) == (
        f"{mail_ticket.tn} Printer on fire Misc new 3 normal jdoe acme {owner} {mail_ticket.pk}|"
        f"{owner} {mail_ticket.owner.first_name} {owner}|"
        "Alice Agent alice@example.com|"
        "John jdoe@example.com acme|John Doe|"
        '"John Doe" <jdoe@example.com>'
    )


def test_config_tags_show_only_safe_values_and_unknown_tags_become_a_dash(mail_ticket, settings):
    settings.FQDN = "helpdesk.example.com"
    text = (
        "<OTRS_CONFIG_FQDN> <OTRS_CONFIG_Ticket::Hook> <OTRS_CONFIG_DatabasePw> "
        "<OTRS_CONFIG_SECRET_KEY> <OTRS_TICKET_Nothing> <OTRS_Agent_UserFirstname> <OTRS_FOO>"
    )
    assert replace_tags(text, ticket=mail_ticket) == "helpdesk.example.com Ticket# - - - - -"


def test_customer_subject_email_and_body_come_from_the_customer_article(mail_ticket):
    text = (
        "RE: <OTRS_CUSTOMER_SUBJECT[10]>|<OTRS_CUSTOMER_SUBJECT[15]>|"
        "<OTRS_CUSTOMER_SUBJECT[100]>\n<OTRS_CUSTOMER_EMAIL[2]>\n<OTRS_CUSTOMER_Body[1]>"
    )
    assert replace_tags(text, ticket=mail_ticket, article=customer_article(mail_ticket)) == (
        "RE: Printer on [...]|Printer on fire [...]|Printer on fire\n"
        "> The printer in room 4 is smoking.\n>\n"
        "The printer in room 4 is smoking."
    )
    # Without an article, the latest customer article is used, cleaned of the ticket number.
    add_customer_mail(mail_ticket)
    text = "<OTRS_CUSTOMER_SUBJECT[30]> <OTRS_CUSTOMER_EMAIL>"
    assert replace_tags(text, ticket=mail_ticket) == "Printer on fire > Still smoking."


def test_values_are_not_expanded_again(mail_ticket):
    add_customer_mail(mail_ticket, subject="<OTRS_CONFIG_FQDN> please", body="<OTRS_TICKET_Title>")
    text = "<OTRS_CUSTOMER_SUBJECT[40]> <OTRS_CUSTOMER_EMAIL[1]>"
    assert replace_tags(text, ticket=mail_ticket) == (
        "<OTRS_CONFIG_FQDN> please > <OTRS_TICKET_Title>"
    )


def test_realname_falls_back_to_the_recipient_and_the_article(mail_ticket):
    CustomerUser.objects.filter(login="jdoe").update(first_name="", last_name="")
    article = customer_article(mail_ticket)
    assert replace_tags("<OTRS_CUSTOMER_REALNAME>", ticket=mail_ticket, article=article) == (
        "John Doe"
    )
    assert (
        replace_tags(
            "<OTRS_CUSTOMER_REALNAME>", ticket=mail_ticket, recipient="Jane Roe <jr@example.com>"
        )
        == "Jane Roe"
    )


def test_dynamic_field_tags(mail_ticket):
    DynamicField.objects.create(name="Room", label="Room", field_type="Text", object_type="Ticket")
    ticket_set_dynamic_field(actor=Actor.system(), ticket=mail_ticket, field="Room", value="4")
    assert replace_tags("<OTRS_TICKET_DynamicField_Room>", ticket=mail_ticket) == "4"


def test_the_seeded_auto_reply_renders(mail_ticket):
    response = AutoResponse.objects.get(pk=1)
    article = customer_article(mail_ticket)
    subject = replace_tags(response.subject, ticket=mail_ticket, article=article)
    body = replace_tags(response.text, ticket=mail_ticket, article=article)
    assert subject == "RE: Printer on fire"
    assert body.startswith("Dear John Doe,\n\nthank you for your message.")
    assert f"opened ticket Ticket#{mail_ticket.tn} for it" in body
    assert "You wrote:\n> The printer in room 4 is smoking.\n>\n> Please hurry!\n" in body
    assert "<OTRS" not in body and "-\n" not in body


def test_the_reply_form_starts_with_salutation_signature_and_the_quoted_mail(mail_ticket, alice):
    draft = compose_reply(ticket=mail_ticket, article=customer_article(mail_ticket), agent=alice)
    assert draft.to == '"John Doe" <jdoe@example.com>'
    assert draft.cc == ""
    assert draft.subject == f"Re: [Ticket#{mail_ticket.tn}] Printer on fire"
    assert draft.in_reply_to == customer_article(mail_ticket)
    lines = draft.body.split("\n")
    assert lines[:3] == ["Dear John Doe,", "", "thank you for your request."]
    assert "Your Ticket-Team" in lines
    assert " Alice Agent" in lines
    received = clock.localtime(customer_article(mail_ticket).incoming_at)
    when = formats.date_format(received, "DATETIME_FORMAT")
    attribution = [line for line in lines if line == f"{when} - John Doe wrote:"]
    assert len(attribution) == 1
    quoted = lines[lines.index(attribution[0]) + 1 :]
    assert quoted == ["> The printer in room 4 is smoking.", ">", "> Please hurry!", ""]
    assert lines.index("Your Ticket-Team") < lines.index(attribution[0])


def test_the_reply_goes_to_reply_to_and_copies_the_customer_on_record(mail_ticket, alice):
    article = add_customer_mail(
        mail_ticket,
        from_address="Printer Room <printer@example.com>",
        reply_to="Facilities <facilities@example.com>",
        to_address="support@example.com, colleague@example.com",
        cc="otrs@localhost, boss@example.com",
    )
    draft = compose_reply(ticket=mail_ticket, article=article, agent=alice)
    assert draft.to == "Facilities <facilities@example.com>"
    assert draft.cc == "jdoe@example.com"
    everyone = compose_reply(ticket=mail_ticket, article=article, agent=alice, reply_all=True)
    assert everyone.cc == "colleague@example.com, boss@example.com, jdoe@example.com"


def test_replying_to_an_agents_mail_writes_to_its_recipient(mail_ticket, alice):
    article = article_create(
        actor=alice.actor,
        ticket=mail_ticket,
        article=ArticleInput(
            channel="Email",
            sender_type="agent",
            is_visible_for_customer=True,
            from_address="Example Support <support@example.com>",
            to_address="jdoe@example.com",
            subject=f"Re: [Ticket#{mail_ticket.tn}] Printer on fire",
            body="On our way.",
            history_type="SendAnswer",
        ),
    )
    draft = compose_reply(ticket=mail_ticket, article=article, agent=alice)
    assert draft.to == "jdoe@example.com"
    assert draft.cc == ""


def test_a_queue_without_salutation_and_signature_and_a_template(mail_ticket, alice):
    Queue.objects.filter(pk=mail_ticket.queue_id).update(salutation=None, signature=None)
    mail_ticket.refresh_from_db()
    draft = compose_reply(
        ticket=mail_ticket,
        article=customer_article(mail_ticket),
        agent=alice,
        template_text="Ticket <OTRS_TICKET_TicketNumber> is being handled.",
    )
    assert draft.body.startswith(f"Ticket {mail_ticket.tn} is being handled.\n\n")
    assert "Dear" not in draft.body and "Ticket-Team" not in draft.body


def test_a_template_goes_between_salutation_and_signature(mail_ticket, alice):
    draft = compose_reply(
        ticket=mail_ticket,
        article=customer_article(mail_ticket),
        agent=alice,
        template_text="We are on it.",
    )
    assert draft.body.startswith(
        "Dear John Doe,\n\nthank you for your request.\n\nWe are on it.\n\nYour Ticket-Team\n"
    )


def test_reply_to_a_phone_call_goes_to_the_customer_on_record(mail_ticket, alice):
    article = article_create(
        actor=alice.actor,
        ticket=mail_ticket,
        article=ArticleInput(
            channel="Phone",
            sender_type="customer",
            is_visible_for_customer=True,
            subject="Printer on fire again",
            body="The customer called.",
            history_type="PhoneCallCustomer",
        ),
    )

    draft = compose_reply(ticket=mail_ticket, article=article, agent=alice)

    assert draft.to == "jdoe@example.com"
    assert draft.cc == ""
