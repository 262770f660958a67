"""Agent notifications: queued with the change, sent by a worker, logged in the history."""

from email import message_from_bytes, policy

import pytest
from django_tasks_db.models import DBTaskResult

from tests.accounts.factories import AgentFactory, GroupFactory, grant
from tests.tickets.conftest import customer_mail
from ticketry.core import sysconfig
from ticketry.mail.models import OutboundMail
from ticketry.mail.notifications import send_agent_notification
from ticketry.mail.outbound import send_due, send_email_article
from ticketry.tickets.models import Queue, TicketHistory
from ticketry.tickets.services import (
    article_create,
    ticket_create,
    ticket_lock,
    ticket_move,
    ticket_set_owner,
    ticket_set_responsible,
    ticket_unlock,
    ticket_watch,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(users_group):
    agent = AgentFactory(login="alice", first_name="Alice", last_name="Adams")
    grant(agent, users_group, "rw")
    return agent


@pytest.fixture
def bob(users_group):
    agent = AgentFactory(login="bob", first_name="Bob", last_name="Brown")
    grant(agent, users_group, "rw")
    return agent


def my_queues(agent, *names: str) -> None:
    ids = list(Queue.objects.filter(name__in=names).values_list("pk", flat=True))
    agent.preferences = {**agent.preferences, "my_queue_ids": ids}
    agent.save()


def new_ticket(actor, **overrides):
    values = {
        "actor": actor,
        "title": "Printer on fire",
        "queue": "Raw",
        "customer_user": "jdoe",
        "article": customer_mail(),
    }
    values.update(overrides)
    return ticket_create(**values)


def run_notifications() -> list[list[str]]:
    """Run the queued notification tasks as a worker would; the logins told, per task."""
    jobs = DBTaskResult.objects.filter(task_path=send_agent_notification.module_path)
    told = [
        send_agent_notification.call(*job.args_kwargs["args"], **job.args_kwargs["kwargs"])
        for job in jobs.order_by("enqueued_at", "id")
    ]
    jobs.delete()
    return told


def notification_history(ticket) -> list[str]:
    return list(
        TicketHistory.objects.filter(
            ticket=ticket, history_type__name="SendAgentNotification"
        ).values_list("name", flat=True)
    )


def mail_to(agent) -> list:
    return [
        message_from_bytes(outbound.message, policy=policy.default)
        for outbound in OutboundMail.objects.order_by("id")
        if agent.email in outbound.recipients
    ]


def test_a_new_ticket_is_announced_to_the_agents_of_the_queue(
    alice, bob, customer, system_actor, settings
):
    settings.BASE_URL = "https://help.example.com"
    my_queues(bob, "Raw")
    muted = AgentFactory(login="carol", preferences={"notifications": {"new_ticket": False}})
    grant(muted, GroupFactory(name="users"), "rw")
    my_queues(muted, "Raw")
    outsider = AgentFactory(login="dave")
    my_queues(outsider, "Raw")

    ticket = new_ticket(system_actor)

    assert OutboundMail.objects.count() == 0
    assert run_notifications() == [["bob"]]
    [message] = mail_to(bob)
    assert message["To"] == "Bob Brown <bob@example.com>"
    assert message["From"] == "Ticketry Notifications <ticketry@localhost>"
    assert message["Subject"] == f"[Ticket#{ticket.tn}] New ticket: Printer on fire"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_content()
    assert "Hello Bob," in body
    assert "A new ticket arrived in queue “Raw”." in body
    assert "> The printer in room 4 is smoking." in body
    assert f"https://help.example.com/agent/tickets/{ticket.pk}/" in body
    assert notification_history(ticket) == ["%%Ticket create notification%%bob%%Email"]


def test_nobody_hears_of_their_own_change(alice, bob, customer):
    my_queues(alice, "Raw")

    new_ticket(alice.actor)

    assert run_notifications() == []
    assert not DBTaskResult.objects.exists()


def test_a_follow_up_goes_to_owner_and_watchers_or_with_a_lock_also_the_responsible(
    alice, bob, customer, system_actor, users_group
):
    carol = AgentFactory(login="carol")
    grant(carol, users_group, "rw")
    ticket = new_ticket(system_actor)
    ticket_set_owner(actor=system_actor, ticket=ticket, owner=alice.pk)
    ticket_set_responsible(actor=system_actor, ticket=ticket, responsible=carol.pk)
    ticket_watch(actor=bob.actor, ticket=ticket)
    run_notifications()
    OutboundMail.objects.all().delete()

    follow_up = customer_mail(subject="Still smoking", history_type="FollowUp")
    article_create(actor=system_actor, ticket=ticket, article=follow_up)
    assert run_notifications() == [["alice", "bob"]]

    ticket_lock(actor=alice.actor, ticket=ticket)
    article_create(actor=system_actor, ticket=ticket, article=follow_up)
    assert run_notifications() == [["alice", "bob", "carol"]]
    history = notification_history(ticket)
    assert "%%Ticket follow-up notification (unlocked)%%alice%%Email" in history
    assert "%%Ticket follow-up notification (locked)%%carol%%Email" in history
    [*_, last] = mail_to(alice)
    assert "The customer wrote again on a ticket locked by Alice Adams." in last.get_content()


def test_only_the_owner_hears_of_a_follow_up_when_so_configured(alice, bob, customer, system_actor):
    sysconfig.set_value("PostmasterFollowUpOnUnlockAgentNotifyOnlyToOwner", True)
    my_queues(bob, "Raw")
    ticket = new_ticket(system_actor, owner=alice.pk)
    run_notifications()

    follow_up = customer_mail(history_type="FollowUp")
    article_create(actor=system_actor, ticket=ticket, article=follow_up)

    assert run_notifications() == [["alice"]]


def test_notes_owner_responsible_move_and_unlock(alice, bob, customer, system_actor):
    bob.language = "de"
    bob.save()
    ticket = new_ticket(alice.actor, owner=alice.pk)

    ticket_set_owner(actor=alice.actor, ticket=ticket, owner=bob.pk)
    ticket_set_responsible(actor=alice.actor, ticket=ticket, responsible=bob.pk)
    note = customer_mail(
        channel="Internal",
        sender_type="agent",
        is_visible_for_customer=False,
        body="Toner ordered.",
        history_type="AddNote",
    )
    article_create(actor=alice.actor, ticket=ticket, article=note)
    my_queues(bob, "Misc")
    ticket_move(actor=alice.actor, ticket=ticket, queue="Misc")
    ticket_lock(actor=bob.actor, ticket=ticket)
    ticket_unlock(actor=alice.actor, ticket=ticket)

    assert run_notifications() == [["bob"]] * 5
    subjects = [message["Subject"].split("] ", 1)[1] for message in mail_to(bob)]
    assert subjects == [
        "Sie sind Besitzer: Printer on fire",
        "Sie sind verantwortlich: Printer on fire",
        "Neue Notiz: Printer on fire",
        "Verschoben: Printer on fire",
        "Entsperrt: Printer on fire",
    ]
    assert "Alice Adams hat eine Notiz hinzugefügt." in mail_to(bob)[2].get_content()
    assert "> Toner ordered." in mail_to(bob)[2].get_content()


def test_an_owner_who_unlocks_is_not_told(alice, customer):
    ticket = new_ticket(alice.actor, owner=alice.pk)
    ticket_lock(actor=alice.actor, ticket=ticket)
    ticket_unlock(actor=alice.actor, ticket=ticket)

    assert not DBTaskResult.objects.exists()


def test_a_notification_reaches_the_smtp_server(alice, bob, customer, smtp_server, settings):
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    ticket = new_ticket(alice.actor)
    ticket_set_owner(actor=alice.actor, ticket=ticket, owner=bob.pk)
    run_notifications()

    assert len(send_due().sent) == 1

    [received] = smtp_server.messages
    assert received.rcpt_tos == ["bob@example.com"]
    assert received.mail_from == "ticketry@localhost"
    assert "You are the owner" in received.message["Subject"]


def test_a_mail_given_up_on_is_reported_to_owner_responsible_and_admins(
    alice, bob, customer, smtp_server, settings, users_group
):
    carol = AgentFactory(login="carol")
    grant(carol, GroupFactory(name="admin"), "rw")
    grant(carol, users_group, "ro")
    stranger = AgentFactory(login="dave")
    grant(stranger, GroupFactory(name="admin"), "rw")
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    ticket = new_ticket(alice.actor, owner=alice.pk, responsible=bob.pk)
    send_email_article(
        actor=alice.actor,
        ticket=ticket,
        to="John Doe <jdoe@example.com>",
        subject="Your printer",
        body="We are on our way.\n",
    )
    smtp_server.answer_data("550 5.7.1 Message rejected as spam")

    [outcome] = send_due().failed
    assert outcome.error == "550 5.7.1 Message rejected as spam"

    # Also the agent who wrote it; not an administrator who may not read the ticket.
    assert run_notifications() == [["alice", "bob", "carol"]]
    [message] = mail_to(carol)
    assert message["Subject"].endswith("Mail not delivered: Printer on fire")
    body = message.get_content()
    assert "A mail of the ticket could not be delivered: 550 5.7.1 Message rejected" in body
    assert "> We are on our way." in body
    # A notification that fails in turn reports nothing (no loop).
    assert len(send_due().failed) == 3
    assert run_notifications() == []


def test_the_systems_changes_carry_the_name_of_its_agent(bob, customer, system_actor):
    ticket = new_ticket(system_actor)
    ticket_set_owner(actor=system_actor, ticket=ticket, owner=bob.pk)

    assert run_notifications() == [["bob"]]
    [message] = mail_to(bob)
    assert "Admin Ticketry made you the owner of the ticket." in message.get_content()
