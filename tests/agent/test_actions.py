from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import AgentFactory, GroupFactory, grant
from ticketry.agent import collision
from ticketry.agent.ticket_actions import ACTIONS, action_links, action_permissions
from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.errors import InvalidValue
from ticketry.customers.models import CustomerUser
from ticketry.tickets.models import (
    Article,
    Priority,
    Queue,
    State,
    Ticket,
    TicketHistory,
    TicketLink,
    TicketType,
    TimeAccounting,
    Watcher,
)
from ticketry.tickets.services import ticket_link_add, ticket_lock, ticket_watch

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
FORM_ACTIONS = [name for name, spec in ACTIONS.items() if name != "split"]


def action_url(ticket, action):
    return reverse("agent:ticket_action", args=[ticket.pk, action])


def zoom_url(ticket):
    return reverse("agent:ticket_zoom", args=[ticket.pk])


def version(ticket):
    return str(collision.ticket_version(Ticket.objects.get(pk=ticket.pk)))


def post(client, ticket, action, data=None, **kwargs):
    """Submit the action's form as loaded now (with the ticket's current version)."""
    return client.post(
        action_url(ticket, action),
        {collision.FIELD_NAME: version(ticket), **(data or {})},
        **kwargs,
    )


def history(ticket, since=0):
    """History rows after the first `since` ones, as (type, name)."""
    rows = TicketHistory.objects.filter(ticket=ticket).order_by("id")
    return list(rows.values_list("history_type__name", "name"))[since:]


def created_rows(ticket):
    return TicketHistory.objects.filter(ticket=ticket).count()


def pk_of(model, name):
    return model.objects.get(name=name).pk


def future(hours=24):
    return (timezone.localtime() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def success_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def reader(users_group):
    """An agent with read-only access to the users group's queues."""
    agent = AgentFactory(login="rita", first_name="Rita", last_name="Reader")
    grant(agent, users_group, "ro")
    return agent


# --- showing the forms ---------------------------------------------------------------


@pytest.mark.parametrize("action", FORM_ACTIONS)
def test_every_action_shows_its_form_as_page_and_as_htmx_partial(agent_client, make_ticket, action):
    ticket = make_ticket()

    page = agent_client.get(action_url(ticket, action))
    partial = agent_client.get(action_url(ticket, action), headers=HTMX)

    assert page.status_code == 200 and partial.status_code == 200
    assert "<html" in page.content.decode() and "<html" not in partial.content.decode()
    body = partial.content.decode()
    assert f'hx-post="{action_url(ticket, action)}"' in body
    assert ticket.tn in body
    has_version = f'name="{collision.FIELD_NAME}"' in body
    assert has_version is ACTIONS[action].checks_collision


def test_selects_offer_only_valid_choices(agent_client, make_ticket, users_group):
    ticket = make_ticket()
    Queue.objects.create(name="Retired", group=users_group, valid=2)
    Priority.objects.filter(name="1 very low").update(valid=2)
    grant(AgentFactory(login="gone", valid=2), users_group, "rw")

    move = agent_client.get(action_url(ticket, "move")).context["form"]
    priority = agent_client.get(action_url(ticket, "priority")).context["form"]
    owner = agent_client.get(action_url(ticket, "owner")).context["form"]
    close = agent_client.get(action_url(ticket, "close")).context["form"]

    assert {q.name for q in move.fields["queue"].queryset} == {"Postmaster", "Junk", "Misc"}
    assert "1 very low" not in {p.name for p in priority.fields["priority"].queryset}
    assert {a.login for a in owner.fields["owner"].queryset} == {"alice", "root@localhost"}
    assert {s.name for s in close.fields["state"].queryset} == {
        "closed successful",
        "closed unsuccessful",
    }


def test_the_owner_select_offers_agents_with_owner_permission_only(
    agent_client, make_ticket, users_group, other_agent, reader
):
    ticket = make_ticket()
    owner_only = AgentFactory(login="olga")
    grant(owner_only, users_group, "owner")

    form = agent_client.get(action_url(ticket, "owner")).context["form"]

    assert {a.login for a in form.fields["owner"].queryset} == {
        "alice",
        "bob",
        "olga",
        "root@localhost",
    }


def test_the_owner_select_shows_who_is_out_of_office(agent_client, make_ticket, other_agent):
    clock.freeze(datetime(2025, 7, 3, 9, 0, tzinfo=UTC))
    absence = {"enabled": True, "start": "2025-07-01", "end": "2025-07-14"}
    other_agent.preferences = {"out_of_office": absence}
    other_agent.save()
    ticket = make_ticket()

    page = agent_client.get(action_url(ticket, "owner")).content.decode()

    assert "Bob Brown (bob) (out of office until 07/14/2025)" in page
    clock.freeze(datetime(2025, 7, 15, 9, 0, tzinfo=UTC))
    assert "out of office" not in agent_client.get(action_url(ticket, "owner")).content.decode()


def test_split_shows_the_article_in_the_form(agent_client, make_ticket):
    ticket = make_ticket()
    article = ticket.articles.get()

    response = agent_client.get(action_url(ticket, "split") + f"?article={article.pk}")

    form = response.context["form"]
    assert form.initial["body"] == article.body and form.initial["customer_user"] == "jdoe"
    assert f"?article={article.pk}" in response.content.decode()


def test_split_of_an_article_of_another_ticket_is_unknown(agent_client, make_ticket):
    ticket, other = make_ticket(), make_ticket()

    url = action_url(ticket, "split") + f"?article={other.articles.get().pk}"

    assert agent_client.get(url).status_code == 404


def test_unknown_action_is_not_found(agent_client, make_ticket):
    assert agent_client.get(action_url(make_ticket(), "explode")).status_code == 404


# --- doing the actions ---------------------------------------------------------------


def test_note_adds_an_internal_article_time_and_next_state(agent_client, make_ticket):
    ticket = make_ticket()
    before = created_rows(ticket)

    response = post(
        agent_client,
        ticket,
        "note",
        {
            "subject": "Called the vendor",
            "body": "They send a technician.",
            "next_state": pk_of(State, "open"),
            "time_units": "1,5",
        },
    )

    assert response.status_code == 302 and response["Location"] == zoom_url(ticket)
    assert success_messages(response) == ["The note was added."]
    note = ticket.articles.order_by("id").last()
    assert (note.channel.name, note.sender_type.name, note.is_visible_for_customer) == (
        "Internal",
        "agent",
        False,
    )
    assert (note.subject, note.body, str(note.time_units)) == (
        "Called the vendor",
        "They send a technician.",
        "1.50",
    )
    ticket.refresh_from_db()
    assert ticket.state.name == "open"
    assert history(ticket, before) == [
        ("AddNote", "%%Note"),
        ("TimeAccounting", "%%1.5%%1.5"),
        ("StateUpdate", "%%new%%open%%"),
    ]
    assert TimeAccounting.objects.get().article == note


def test_note_visible_for_the_customer(agent_client, make_ticket):
    ticket = make_ticket()

    post(agent_client, ticket, "note", {"subject": "s", "body": "b", "visible_for_customer": "on"})

    assert ticket.articles.order_by("id").last().is_visible_for_customer


def test_note_by_htmx_answers_with_a_redirect_to_the_zoom(agent_client, make_ticket):
    ticket = make_ticket()

    response = post(agent_client, ticket, "note", {"subject": "s", "body": "b"}, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == zoom_url(ticket)
    assert ticket.articles.count() == 2


def test_phone_call_outbound_locks_records_and_closes(agent_client, make_ticket):
    ticket = make_ticket()
    before = created_rows(ticket)

    response = post(
        agent_client,
        ticket,
        "phone_out",
        {
            "subject": "Called back",
            "body": "Printer works again.",
            "next_state": pk_of(State, "closed successful"),
            "time_units": "2",
        },
    )

    assert response.status_code == 302
    call = ticket.articles.order_by("id").last()
    assert (call.channel.name, call.sender_type.name) == ("Phone", "agent")
    assert call.from_address == "Alice Adams" and call.to_address == "John Doe <jdoe@example.com>"
    ticket.refresh_from_db()
    assert ticket.state.name == "closed successful" and not ticket.is_locked
    assert [row[0] for row in history(ticket, before)] == [
        "Lock",
        "PhoneCallAgent",
        "TimeAccounting",
        "StateUpdate",
        "Unlock",
    ]


def test_phone_call_inbound_is_from_the_customer(agent_client, make_ticket):
    ticket = make_ticket()
    before = created_rows(ticket)

    post(agent_client, ticket, "phone_in", {"subject": "Customer called", "body": "Still smoking."})

    call = ticket.articles.order_by("id").last()
    assert (call.channel.name, call.sender_type.name) == ("Phone", "customer")
    assert call.from_address == "John Doe <jdoe@example.com>" and call.is_visible_for_customer
    assert history(ticket, before) == [("PhoneCallCustomer", "%%")]


def test_lock_and_unlock(agent_client, make_ticket):
    ticket = make_ticket()
    before = created_rows(ticket)

    locked = agent_client.post(action_url(ticket, "lock"))
    ticket.refresh_from_db()
    assert locked.status_code == 302 and ticket.is_locked
    unlocked = agent_client.post(action_url(ticket, "unlock"), headers=HTMX)

    ticket.refresh_from_db()
    assert unlocked["HX-Redirect"] == zoom_url(ticket) and not ticket.is_locked
    assert history(ticket, before) == [("Lock", "%%lock"), ("Unlock", "%%unlock")]


def test_lock_asks_for_confirmation_on_get(agent_client, make_ticket):
    ticket = make_ticket()

    response = agent_client.get(action_url(ticket, "lock"))

    assert "Confirm: Lock." in response.content.decode()
    ticket.refresh_from_db()
    assert not ticket.is_locked


def test_move_with_note_and_new_owner(agent_client, make_ticket, other_agent):
    ticket = make_ticket()
    before = created_rows(ticket)
    misc, raw = Queue.objects.get(name="Misc"), Queue.objects.get(name="Raw")

    response = post(
        agent_client,
        ticket,
        "move",
        {
            "queue": misc.pk,
            "new_owner": other_agent.pk,
            "note_body": "Not ours.",
            "time_units": "1",
        },
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.queue == misc and ticket.owner == other_agent and not ticket.is_locked
    note = ticket.articles.order_by("id").last()
    assert (note.subject, note.body, note.channel.name) == ("Move", "Not ours.", "Internal")
    assert history(ticket, before) == [
        ("Lock", "%%lock"),
        ("AddNote", "%%Move"),
        ("TimeAccounting", "%%1%%1"),
        ("Move", f"%%Misc%%{misc.pk}%%Raw%%{raw.pk}"),
        ("Unlock", "%%unlock"),
        ("OwnerUpdate", f"%%bob%%{other_agent.pk}"),
    ]


def test_owner_change_with_optional_note(agent_client, make_ticket, other_agent):
    ticket = make_ticket()
    before = created_rows(ticket)

    post(agent_client, ticket, "owner", {"owner": other_agent.pk, "note_body": "Yours now."})

    ticket.refresh_from_db()
    assert ticket.owner == other_agent
    assert history(ticket, before) == [
        ("AddNote", "%%Owner"),
        ("OwnerUpdate", f"%%bob%%{other_agent.pk}"),
    ]


def test_owner_change_without_note_writes_no_article(agent_client, make_ticket, other_agent):
    ticket = make_ticket()

    post(agent_client, ticket, "owner", {"owner": other_agent.pk})

    assert ticket.articles.count() == 1


def test_responsible_change(agent_client, make_ticket, other_agent):
    ticket = make_ticket()
    before = created_rows(ticket)

    post(agent_client, ticket, "responsible", {"responsible": other_agent.pk})

    ticket.refresh_from_db()
    assert ticket.responsible == other_agent
    assert history(ticket, before) == [("ResponsibleUpdate", f"%%bob%%{other_agent.pk}")]


def test_priority_change_locks_the_ticket_for_the_agent(agent_client, make_ticket):
    ticket = make_ticket()
    before = created_rows(ticket)

    post(agent_client, ticket, "priority", {"priority": pk_of(Priority, "4 high")})

    ticket.refresh_from_db()
    assert ticket.priority.name == "4 high" and ticket.is_locked
    assert history(ticket, before) == [
        ("Lock", "%%lock"),
        ("PriorityUpdate", "%%3 normal%%3%%4 high%%4"),
    ]


def test_pending_sets_state_and_time(agent_client, make_ticket):
    ticket = make_ticket()
    before = created_rows(ticket)

    post(
        agent_client,
        ticket,
        "pending",
        {"state": pk_of(State, "pending reminder"), "pending_until": future()},
    )

    ticket.refresh_from_db()
    assert ticket.state.name == "pending reminder" and ticket.pending_until > timezone.now()
    assert [row[0] for row in history(ticket, before)] == [
        "Lock",
        "StateUpdate",
        "SetPendingTime",
    ]


def test_close_with_note_and_time(agent_client, make_ticket):
    ticket = make_ticket()
    before = created_rows(ticket)

    post(
        agent_client,
        ticket,
        "close",
        {
            "state": pk_of(State, "closed unsuccessful"),
            "note_subject": "Gave up",
            "note_body": "Printer replaced.",
            "time_units": "3",
        },
    )

    ticket.refresh_from_db()
    assert ticket.state.name == "closed unsuccessful" and not ticket.is_locked
    note = ticket.articles.order_by("id").last()
    assert note.subject == "Gave up" and not note.is_visible_for_customer
    assert TimeAccounting.objects.get().article == note
    assert history(ticket, before) == [
        ("Lock", "%%lock"),
        ("AddNote", "%%Close"),
        ("TimeAccounting", "%%3%%3"),
        ("StateUpdate", "%%new%%closed unsuccessful%%"),
        ("Unlock", "%%unlock"),
    ]


def test_close_without_note_accounts_time_on_the_ticket(agent_client, make_ticket):
    ticket = make_ticket()

    post(
        agent_client,
        ticket,
        "close",
        {"state": pk_of(State, "closed successful"), "time_units": "1"},
    )

    entry = TimeAccounting.objects.get()
    assert entry.ticket == ticket and entry.article is None
    assert ticket.articles.count() == 1


def test_title_change(agent_client, make_ticket):
    ticket = make_ticket()
    before = created_rows(ticket)

    post(agent_client, ticket, "title", {"title": "Printer replaced"})

    ticket.refresh_from_db()
    assert ticket.title == "Printer replaced"
    assert history(ticket, before) == [("TitleUpdate", "%%Printer on fire%%Printer replaced")]


def test_type_change(agent_client, make_ticket):
    ticket = make_ticket()
    incident = TicketType.objects.create(name="Incident")
    before = created_rows(ticket)

    post(agent_client, ticket, "type", {"type": incident.pk})

    ticket.refresh_from_db()
    assert ticket.type == incident
    assert history(ticket, before) == [
        ("TypeUpdate", f"%%Incident%%{incident.pk}%%Unclassified%%1")
    ]


def test_customer_change_by_login_and_by_mail_address(agent_client, make_ticket):
    ticket = make_ticket()
    CustomerUser.objects.create(
        login="mmax",
        email="max@globex.example",
        customer_id="globex",
        first_name="M",
        last_name="M",
    )
    before = created_rows(ticket)

    post(agent_client, ticket, "customer", {"customer_user": "mmax"})
    ticket.refresh_from_db()
    assert (ticket.customer_user_id, ticket.customer_id) == ("mmax", "globex")
    post(agent_client, ticket, "customer", {"customer_user": "JDOE@example.com"})
    ticket.refresh_from_db()
    assert (ticket.customer_user_id, ticket.customer_id) == ("jdoe", "acme")
    post(agent_client, ticket, "customer", {"customer_user": "new@example.org"})

    ticket.refresh_from_db()
    assert (ticket.customer_user_id, ticket.customer_id) == ("new@example.org", "")
    assert history(ticket, before) == [
        ("CustomerUpdate", "%%CustomerID=globex;CustomerUser=mmax;"),
        ("CustomerUpdate", "%%CustomerID=acme;CustomerUser=jdoe;"),
        ("CustomerUpdate", "%%CustomerID=;CustomerUser=new@example.org;"),
    ]


def test_customer_change_refuses_an_unknown_login(agent_client, make_ticket):
    ticket = make_ticket()

    response = post(agent_client, ticket, "customer", {"customer_user": "nobody"})

    assert response.status_code == 200
    assert "Unknown customer user “nobody”" in response.content.decode()
    assert 'value="nobody"' in response.content.decode()


def test_watch_and_unwatch(agent_client, make_ticket, agent):
    ticket = make_ticket()
    before = created_rows(ticket)

    agent_client.post(action_url(ticket, "watch"))
    assert Watcher.objects.filter(ticket=ticket, agent=agent).exists()
    agent_client.post(action_url(ticket, "unwatch"))

    assert not Watcher.objects.exists()
    assert history(ticket, before) == [
        ("Subscribe", "%%Alice Adams"),
        ("Unsubscribe", "%%Alice Adams"),
    ]


@pytest.mark.parametrize(
    ("direction", "parent_is_this", "link_type"),
    [("normal", True, "Normal"), ("parent", True, "ParentChild"), ("child", False, "ParentChild")],
)
def test_link_in_each_direction(agent_client, make_ticket, direction, parent_is_this, link_type):
    ticket, other = make_ticket(), make_ticket(title="Other")

    response = post(agent_client, ticket, "link", {"target": other.tn, "link_type": direction})

    assert response.status_code == 302
    link = TicketLink.objects.get()
    assert link.link_type.name == link_type
    assert (link.source, link.target) == ((ticket, other) if parent_is_this else (other, ticket))
    assert history(ticket)[-1] == ("TicketLinkAdd", f"%%{other.tn}%%{other.pk}%%{ticket.pk}")


def test_unlink_offers_the_links_and_removes_one(agent_client, make_ticket, agent):
    ticket, other = make_ticket(), make_ticket(title="Other")
    link = ticket_link_add(actor=agent.actor, source=other, target=ticket, link_type="ParentChild")

    form = agent_client.get(action_url(ticket, "unlink")).context["form"]
    assert form.fields["link"].choices == [(str(link.pk), f"Child of {other.tn}: Other")]
    post(agent_client, ticket, "unlink", {"link": link.pk})

    assert not TicketLink.objects.exists()
    assert history(ticket)[-1] == ("TicketLinkDelete", f"%%{other.tn}%%{other.pk}%%{ticket.pk}")


def test_merge_into_another_ticket_goes_to_the_target(agent_client, make_ticket):
    source, target = make_ticket(), make_ticket(title="Target")

    response = post(agent_client, source, "merge", {"target": target.tn})

    assert response.status_code == 302 and response["Location"] == zoom_url(target)
    source.refresh_from_db()
    assert source.state.name == "merged"
    assert ("Merged", f"%%{source.tn}%%{source.pk}%%{target.tn}%%{target.pk}") in history(target)


def test_ticket_candidates_list_visible_tickets_by_number_or_title(agent_client, make_ticket):
    ticket = make_ticket()
    match = make_ticket(title="Paper jam")
    Queue.objects.create(name="Secret", group=GroupFactory(name="secret"))
    make_ticket(title="Paper jam secret", queue="Secret", actor=Actor.system())
    url = reverse("agent:ticket_candidates", args=[ticket.pk])

    by_title = agent_client.get(url, {"target": "paper"}, headers=HTMX).content.decode()
    by_number = agent_client.get(url, {"term": match.tn[:-1]}).content.decode()
    too_short = agent_client.get(url, {"term": "p"}).content.decode()

    assert match.tn in by_title and "Paper jam secret" not in by_title
    assert f'data-fill="{{&quot;target&quot;: &quot;{match.tn}&quot;}}"' in by_title
    assert ticket.tn not in by_number and match.tn in by_number
    assert "data-fill" not in too_short and "No ticket matches" not in too_short


def test_split_opens_a_child_ticket_and_goes_there(agent_client, make_ticket):
    ticket = make_ticket()
    article = ticket.articles.get()

    response = agent_client.post(
        action_url(ticket, "split") + f"?article={article.pk}",
        {
            "customer_user": "jdoe",
            "queue": Queue.objects.get(name="Misc").pk,
            "title": "Coffee machine",
            "subject": "",
            "body": "It leaks.",
            "state": pk_of(State, "open"),
            "priority": pk_of(Priority, "3 normal"),
            "type": 1,
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    child = Ticket.objects.exclude(pk=ticket.pk).get()
    assert response.status_code == 302 and response["Location"] == zoom_url(child)
    assert (child.title, child.queue.name) == ("Coffee machine", "Misc")
    assert child.articles.get().body == "It leaks."
    link = TicketLink.objects.get()
    assert (link.source, link.target, link.link_type.name) == (ticket, child, "ParentChild")


# --- form errors keep the input ------------------------------------------------------


def test_pending_without_date_is_a_form_error_that_keeps_the_input(agent_client, make_ticket):
    ticket = make_ticket()
    before = created_rows(ticket)

    response = post(
        agent_client,
        ticket,
        "pending",
        {"state": pk_of(State, "pending reminder"), "note_body": "Waiting for parts"},
    )

    body = response.content.decode()
    assert response.status_code == 200 and "This field is required." in body
    assert "Waiting for parts" in body
    assert created_rows(ticket) == before


def test_next_state_pending_without_date_and_a_past_date(agent_client, make_ticket):
    ticket = make_ticket()
    pending = pk_of(State, "pending reminder")

    missing = post(
        agent_client, ticket, "note", {"subject": "s", "body": "b", "next_state": pending}
    )
    past = post(
        agent_client,
        ticket,
        "note",
        {"subject": "s", "body": "b", "next_state": pending, "pending_until": "2001-01-01T10:00"},
    )

    assert "A pending state needs a date." in missing.content.decode()
    assert "must be in the future" in past.content.decode()
    assert ticket.articles.count() == 1


def test_bad_time_units_are_a_form_error(agent_client, make_ticket):
    ticket = make_ticket()

    response = post(
        agent_client, ticket, "note", {"subject": "Kept", "body": "b", "time_units": "lots"}
    )

    body = response.content.decode()
    assert "Enter a number of time units" in body and 'value="Kept"' in body
    assert 'value="lots"' in body
    assert ticket.articles.count() == 1


def test_merge_into_an_unknown_number_is_a_form_error(agent_client, make_ticket):
    ticket = make_ticket()

    response = post(agent_client, ticket, "merge", {"target": "4711"}, headers=HTMX)

    body = response.content.decode()
    assert response.status_code == 200 and "HX-Redirect" not in response
    assert "Unknown ticket “4711”" in body and 'value="4711"' in body
    ticket.refresh_from_db()
    assert ticket.state.name == "new"


def test_linking_a_ticket_with_itself_is_a_form_error(agent_client, make_ticket):
    ticket = make_ticket()

    response = post(agent_client, ticket, "link", {"target": ticket.tn, "link_type": "normal"})

    assert "Choose another ticket" in response.content.decode()


def test_a_refusal_of_the_service_is_shown_on_the_form(agent_client, make_ticket):
    ticket = make_ticket()

    response = post(agent_client, ticket, "customer", {"customer_user": "jdoe", "customer_id": "x"})

    assert response.status_code == 200
    assert "Unknown customer “x”." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.customer_id == "acme"


def test_an_action_on_a_ticket_locked_by_someone_else_is_refused(
    agent_client, make_ticket, other_agent
):
    ticket = make_ticket()
    ticket_lock(actor=other_agent.actor, ticket=ticket)
    before = created_rows(ticket)

    shown = agent_client.get(action_url(ticket, "close"))
    response = post(
        agent_client,
        ticket,
        "close",
        {"state": pk_of(State, "closed successful"), "confirm_stale": "1"},
    )

    assert "you need to be the ticket owner" in shown.content.decode()
    assert response.status_code == 200
    assert "you need to be the ticket owner" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.state.name == "new" and created_rows(ticket) == before


# --- one transaction -----------------------------------------------------------------


def test_a_failing_later_step_leaves_nothing_written(agent_client, make_ticket, monkeypatch):
    ticket = make_ticket()
    before = created_rows(ticket)

    def refuse(**kwargs):
        raise InvalidValue("The state machine is broken.")

    monkeypatch.setattr("ticketry.agent.views.actions.ticket_set_state", refuse)
    response = post(
        agent_client,
        ticket,
        "note",
        {
            "subject": "s",
            "body": "kept text",
            "next_state": pk_of(State, "open"),
            "time_units": "2",
        },
    )

    body = response.content.decode()
    assert response.status_code == 200 and "The state machine is broken." in body
    assert "kept text" in body
    assert ticket.articles.count() == 1
    assert not TimeAccounting.objects.exists()
    assert created_rows(ticket) == before


def test_a_failing_move_step_keeps_the_lock_it_took_undone(agent_client, make_ticket, monkeypatch):
    ticket = make_ticket()
    before = created_rows(ticket)

    def refuse(**kwargs):
        raise InvalidValue("No.")

    monkeypatch.setattr("ticketry.agent.views.actions.ticket_move", refuse)
    post(agent_client, ticket, "move", {"queue": Queue.objects.get(name="Misc").pk})

    ticket.refresh_from_db()
    assert not ticket.is_locked and created_rows(ticket) == before


# --- permissions ---------------------------------------------------------------------


@pytest.mark.parametrize("action", ["note", "close", "lock", "watch", "merge"])
def test_outsider_does_not_see_the_ticket(client, make_ticket, outsider, action):
    ticket = make_ticket()
    client.force_login(outsider)

    assert client.get(action_url(ticket, action)).status_code == 404
    assert post(client, ticket, action, {}).status_code == 404
    assert client.get(action_url(ticket, action), headers=HTMX).status_code == 404


@pytest.mark.parametrize(
    "action", ["note", "phone_out", "move", "close", "priority", "owner", "merge", "lock", "link"]
)
def test_read_only_agent_is_refused_rw_actions(client, make_ticket, reader, action):
    ticket = make_ticket()
    before = created_rows(ticket)
    client.force_login(reader)

    assert client.get(action_url(ticket, action)).status_code == 403
    assert post(client, ticket, action, {"subject": "s", "body": "b"}).status_code == 403
    assert created_rows(ticket) == before


def test_read_only_agent_may_watch(client, make_ticket, reader):
    ticket = make_ticket()
    client.force_login(reader)

    response = client.post(action_url(ticket, "watch"))

    assert response.status_code == 302
    assert Watcher.objects.filter(ticket=ticket, agent=reader).exists()


def test_note_permission_alone_allows_notes_but_no_state_change(client, make_ticket, users_group):
    ticket = make_ticket()
    noter = AgentFactory(login="nora")
    grant(noter, users_group, "ro", "note")
    client.force_login(noter)

    form = client.get(action_url(ticket, "note")).context["form"]
    response = post(client, ticket, "note", {"subject": "s", "body": "b"})

    assert "next_state" not in form.fields
    assert response.status_code == 302 and ticket.articles.count() == 2


# --- the action bar on the zoom ------------------------------------------------------


def render_bar(agent, ticket):
    request = RequestFactory().get("/")
    request.actor = agent.actor
    request.user = agent
    return render_to_string("agent/partials/zoom_actions.html", {"ticket": ticket}, request=request)


def test_action_bar_shows_what_the_agent_may_do(make_ticket, agent, reader, other_agent):
    ticket = make_ticket()

    full = render_bar(agent, Ticket.objects.get(pk=ticket.pk))
    read_only = render_bar(reader, Ticket.objects.get(pk=ticket.pk))

    assert f'hx-get="{action_url(ticket, "note")}"' in full
    assert 'hx-target="#action-region"' in full and 'id="action-region"' in full
    assert f'action="{action_url(ticket, "lock")}"' in full
    assert action_url(ticket, "unlock") not in full and action_url(ticket, "unlink") not in full
    assert action_url(ticket, "watch") in read_only
    assert action_url(ticket, "note") not in read_only
    assert action_url(ticket, "close") not in read_only


def test_action_bar_follows_lock_watch_and_links(make_ticket, agent):
    ticket, other = make_ticket(), make_ticket()
    ticket_lock(actor=agent.actor, ticket=ticket)
    ticket_watch(actor=agent.actor, ticket=ticket)
    ticket_link_add(actor=agent.actor, source=ticket, target=other)

    names = [link.name for link in action_links(agent.actor, Ticket.objects.get(pk=ticket.pk))]

    assert "unlock" in names and "lock" not in names
    assert "unwatch" in names and "watch" not in names
    assert "unlink" in names and "split" not in names


def test_action_permissions_for_partial_group_permissions(make_ticket, users_group):
    ticket = make_ticket()
    prioritizer = AgentFactory(login="pia")
    grant(prioritizer, users_group, "ro", "priority")

    allowed = action_permissions(prioritizer.actor, ticket)

    assert allowed["priority"] and allowed["watch"] and allowed["split"]
    assert not allowed["close"] and not allowed["note"] and not allowed["merge"]


def test_action_bar_costs_a_fixed_number_of_queries(
    make_ticket, agent, django_assert_max_num_queries
):
    ticket = Ticket.objects.select_related("queue").get(pk=make_ticket().pk)

    with django_assert_max_num_queries(4):
        action_links(agent.actor, ticket)


def test_the_note_form_has_labelled_inputs_and_a_cancel_link(agent_client, make_ticket):
    ticket = make_ticket()

    body = agent_client.get(action_url(ticket, "note")).content.decode()

    assert '<label for="id_subject">' in body and '<label for="id_time_units">' in body
    assert f'href="{zoom_url(ticket)}"' in body
    assert Article.objects.count() == 1
