import csv
import io
from datetime import UTC, date, datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.accounts.factories import GroupFactory
from tests.tickets.conftest import customer_mail, fulltext_db
from ticketry.accounts.models import Agent
from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.tickets.models import DynamicField, LockType, Queue, State, Ticket
from ticketry.tickets.services import ticket_create, ticket_set_dynamic_field

pytestmark = fulltext_db

PARTIAL = {"HX-Request": "true", "HX-Target": "search-main"}


def search_url(**params) -> str:
    return f"{reverse('agent:search')}?{urlencode(params, doseq=True)}"


def export_url(**params) -> str:
    return f"{reverse('agent:search_export')}?{urlencode(params, doseq=True)}"


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


@pytest.fixture
def tickets(make_ticket):
    hr = Queue.objects.create(name="HR", group=GroupFactory(name="hr"))
    return {
        "printer": make_ticket(title="Printer jammed"),
        "mail": make_ticket(
            title="Mail quota",
            queue="Misc",
            article=customer_mail(subject="Mailbox full", body="My mailbox is full again."),
        ),
        "salary": ticket_create(
            actor=Actor.system(),
            title="Printer for salary slips",
            queue=hr,
            article=customer_mail(subject="Salary printer"),
        ),
    }


def test_search_page_shows_the_empty_form(agent_client, tickets):
    response = agent_client.get(reverse("agent:search"))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="tn"' in content
    assert "Printer jammed" not in content
    assert response.context["nav"] == "search"


def test_anonymous_visitor_must_log_in(client):
    response = client.get(search_url(q="printer"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("agent:login"))


def test_quick_search_by_number_opens_the_ticket(agent_client, tickets):
    ticket = tickets["printer"]

    response = agent_client.get(search_url(q=ticket.tn))
    with_hook = agent_client.get(search_url(q=f"Ticket#{ticket.tn}"))

    zoom = reverse("agent:ticket_zoom", args=[ticket.pk])
    assert (response.status_code, response["Location"]) == (302, zoom)
    assert with_hook["Location"] == zoom


def test_quick_search_by_number_of_a_hidden_ticket_finds_nothing(agent_client, tickets):
    response = agent_client.get(search_url(q=tickets["salary"].tn))

    assert response.status_code == 200
    assert response.context["ticket_list"].total == 0


def test_quick_search_by_text_lists_results_and_fills_the_form(agent_client, tickets):
    response = agent_client.get(search_url(q="printer"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Printer jammed" in content
    assert "Mail quota" not in content
    assert "salary" not in content
    assert response.context["form"]["text"].value() == "printer"
    assert 'value="printer"' in content
    # The results come first, below the folded form.
    assert '<details class="search-options">' in content
    assert content.index('class="search-options"') < content.index('id="search-results"')


def test_search_form_is_unfolded_until_something_is_found(agent_client, tickets):
    empty = agent_client.get(reverse("agent:search")).content.decode()
    nothing = agent_client.get(search_url(q="nonexistentword")).content.decode()

    assert '<details class="search-options" open>' in empty
    assert '<details class="search-options" open>' in nothing


def test_lock_states_are_offered_in_words_without_the_temporary_lock(agent_client, tickets):
    def choices(response, field):
        return [label for _value, label in response.context["form"].fields[field].choices]

    plain = agent_client.get(reverse("agent:search"))
    asked = agent_client.get(
        search_url(
            lock=LockType.TMP_LOCK, state_type="removed", state=State.objects.get(name="removed").pk
        )
    )

    assert choices(plain, "lock") == ["unlocked", "locked"]
    assert "removed" not in choices(plain, "state_type")
    assert "removed" not in choices(plain, "state")
    assert choices(asked, "lock") == ["unlocked", "locked", "locked temporarily"]
    assert "removed" in choices(asked, "state_type") and "removed" in choices(asked, "state")
    assert "unlock" not in plain.content.decode().replace("unlocked", "")


def test_full_search_combines_attributes(agent_client, tickets):
    misc = Queue.objects.get(name="Misc")

    by_queue = agent_client.get(search_url(queue=misc.pk))
    by_title = agent_client.get(search_url(title="JAMMED", state_type=["new", "open"]))
    by_article = agent_client.get(search_url(subject="mailbox", customer_user="jdoe"))
    nothing = agent_client.get(search_url(title="printer", queue=misc.pk))

    def titles(response):
        return {row.ticket.title for row in response.context["ticket_list"].rows}

    assert titles(by_queue) == {"Mail quota"}
    assert titles(by_title) == {"Printer jammed"}
    assert titles(by_article) == {"Mail quota"}
    assert titles(nothing) == set()


def test_ticket_number_with_wildcards(agent_client, tickets):
    Ticket.objects.filter(pk=tickets["printer"].pk).update(tn="2025061010000017")
    Ticket.objects.filter(pk=tickets["mail"].pk).update(tn="2025061110000023")

    prefix = agent_client.get(search_url(tn="20250610*"))
    middle = agent_client.get(search_url(tn="2025*23"))

    assert [row.ticket.title for row in prefix.context["ticket_list"].rows] == ["Printer jammed"]
    assert [row.ticket.title for row in middle.context["ticket_list"].rows] == ["Mail quota"]


def test_dynamic_field_search(agent_client, tickets, agent):
    DynamicField.objects.create(
        name="Product",
        label="Product line",
        field_type=DynamicField.FieldType.DROPDOWN,
        object_type=DynamicField.ObjectType.TICKET,
        config={"possible_values": {"laser": "Laser", "ink": "Ink"}},
    )
    ticket_set_dynamic_field(
        actor=agent.actor, ticket=tickets["printer"], field="Product", value="laser"
    )

    page = agent_client.get(reverse("agent:search"))
    response = agent_client.get(search_url(df_Product="laser"))

    assert "Product line" in page.content.decode()
    assert [row.ticket.title for row in response.context["ticket_list"].rows] == ["Printer jammed"]


@pytest.fixture
def due_date(agent, tickets):
    """Date field Due, 2025-03-10 on the printer ticket; the mail ticket has none."""
    DynamicField.objects.create(
        name="Due",
        label="Due date",
        field_type=DynamicField.FieldType.DATE,
        object_type=DynamicField.ObjectType.TICKET,
    )
    ticket_set_dynamic_field(
        actor=agent.actor, ticket=tickets["printer"], field="Due", value=date(2025, 3, 10)
    )


def found(response) -> set[str]:
    return {row.ticket.title for row in response.context["ticket_list"].rows}


def test_date_dynamic_field_has_labelled_range_inputs(agent_client, due_date):
    content = agent_client.get(reverse("agent:search")).content.decode()

    assert '<label for="id_df_Due_from">Due date from</label>' in content
    assert '<label for="id_df_Due_to">Due date until</label>' in content
    assert 'type="date" name="df_Due_from"' in content
    assert 'type="date" name="df_Due_to"' in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"df_Due_from": "2025-03-10", "df_Due_to": "2025-03-10"}, {"Printer jammed"}),
        ({"df_Due_from": "2025-03-01", "df_Due_to": "2025-03-31"}, {"Printer jammed"}),
        ({"df_Due_from": "2025-03-11", "df_Due_to": "2025-03-31"}, set()),
        ({"df_Due_from": "2025-03-01", "df_Due_to": "2025-03-09"}, set()),
        ({"df_Due_from": "2025-03-10"}, {"Printer jammed"}),
        ({"df_Due_from": "2025-03-11"}, set()),
        ({"df_Due_to": "2025-03-10"}, {"Printer jammed"}),
        ({"df_Due_to": "2025-03-09"}, set()),
    ],
)
def test_date_dynamic_field_range_includes_both_days(agent_client, due_date, params, expected):
    assert found(agent_client.get(search_url(**params))) == expected


def test_date_time_dynamic_field_range_uses_the_agents_days(agent_client, agent, tickets):
    DynamicField.objects.create(
        name="Visit",
        label="Technician visit",
        field_type=DynamicField.FieldType.DATETIME,
        object_type=DynamicField.ObjectType.TICKET,
    )
    # 20:00 in UTC is 05:00 the next morning in Tokyo.
    ticket_set_dynamic_field(
        actor=agent.actor,
        ticket=tickets["mail"],
        field="Visit",
        value=datetime(2025, 3, 10, 20, 0, tzinfo=UTC),
    )
    tenth = search_url(df_Visit_from="2025-03-10", df_Visit_to="2025-03-10")
    eleventh = search_url(df_Visit_from="2025-03-11", df_Visit_to="2025-03-11")

    in_utc = (found(agent_client.get(tenth)), found(agent_client.get(eleventh)))
    Agent.objects.filter(pk=agent.pk).update(time_zone="Asia/Tokyo")
    in_tokyo = (found(agent_client.get(tenth)), found(agent_client.get(eleventh)))

    assert in_utc == ({"Mail quota"}, set())
    assert in_tokyo == (set(), {"Mail quota"})


def test_dynamic_field_range_ending_before_it_starts_is_a_field_error(agent_client, due_date):
    response = agent_client.get(search_url(df_Due_from="2025-03-10", df_Due_to="2025-03-01"))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "df_Due_to": ["The end must not be before the start."]
    }
    content = response.content.decode()
    assert 'value="2025-03-10"' in content
    assert 'value="2025-03-01"' in content
    assert "The end must not be before the start." in content
    assert "ticket_list" not in response.context


def test_dynamic_field_range_is_kept_in_profiles_and_the_export(agent_client, agent, due_date):
    params = {"df_Due_from": "2025-03-01", "df_Due_to": "2025-03-31"}

    page = agent_client.get(search_url(**params, sort="tn"))
    query = page.context["query_string"]
    agent_client.post(
        reverse("agent:search_profile"), {"action": "save", "name": "Due", "query": query}
    )
    loaded = agent_client.get(search_url(profile="Due"))
    rows = read_csv(agent_client.get(f"{reverse('agent:search_export')}?{query}"))

    assert query == urlencode(params)
    assert f'href="{reverse("agent:search_export")}?{query.replace("&", "&amp;")}"' in (
        page.content.decode()
    )
    agent.refresh_from_db()
    assert agent.preferences["search_profiles"] == {"Due": urlencode(params)}
    assert found(loaded) == {"Printer jammed"}
    assert loaded.context["form"]["df_Due_from"].value() == "2025-03-01"
    assert [row[1] for row in rows[1:]] == ["Printer jammed"]


def test_invalid_range_and_date_are_field_errors_keeping_the_input(agent_client, tickets):
    response = agent_client.get(
        search_url(created_from="2025-02-01", created_to="2025-01-01", changed_from="31.02.")
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["created_to"] == ["The end must not be before the start."]
    assert "changed_from" in form.errors
    content = response.content.decode()
    assert 'value="2025-02-01"' in content
    assert 'value="31.02."' in content
    assert "ticket_list" not in response.context


def test_htmx_search_returns_the_region_and_paging_only_the_table(agent_client, tickets):
    region = agent_client.get(search_url(title="printer"), headers=PARTIAL)
    table = agent_client.get(
        search_url(title="printer"), headers={"HX-Request": "true", "HX-Target": "ticket-list"}
    )
    invalid = agent_client.get(search_url(created_from="nonsense"), headers=PARTIAL)

    assert "<html" not in region.content.decode()
    assert 'id="search-main"' in region.content.decode()
    assert "Printer jammed" in region.content.decode()
    assert 'id="search-main"' not in table.content.decode()
    assert 'id="ticket-list"' in table.content.decode()
    assert "Printer jammed" in table.content.decode()
    assert invalid.status_code == 200
    assert "Enter a valid date." in invalid.content.decode()


def test_outsider_finds_nothing(client, outsider, tickets):
    client.force_login(outsider)

    response = client.get(search_url(q="printer"))
    number = client.get(search_url(q=tickets["printer"].tn))
    export = client.get(export_url(q="printer"))

    assert response.context["ticket_list"].total == 0
    assert number.status_code == 200
    assert len(read_csv(export)) == 1


def test_restricted_queue_is_excluded(agent_client, tickets):
    response = agent_client.get(search_url(title="printer"))
    hr = Queue.objects.get(name="HR")
    by_queue = agent_client.get(search_url(queue=hr.pk))

    assert [row.ticket.title for row in response.context["ticket_list"].rows] == ["Printer jammed"]
    # A queue one may not read is not even a choice.
    assert "queue" in by_queue.context["form"].errors


def test_save_load_and_delete_a_search_profile(agent_client, agent, tickets):
    misc = Queue.objects.get(name="Misc")
    query = urlencode({"queue": misc.pk, "title": "quota", "sort": "tn", "bogus": "x"})

    saved = agent_client.post(
        reverse("agent:search_profile"), {"action": "save", "name": "Quota", "query": query}
    )

    agent.refresh_from_db()
    stored = agent.preferences["search_profiles"]
    assert stored == {"Quota": f"title=quota&queue={misc.pk}"}
    assert saved.status_code == 302
    assert saved["Location"] == search_url(profile="Quota")

    loaded = agent_client.get(saved["Location"])
    assert [row.ticket.title for row in loaded.context["ticket_list"].rows] == ["Mail quota"]
    assert loaded.context["form"]["title"].value() == "quota"
    content = loaded.content.decode()
    assert "Search profile “Quota” saved." in content
    assert '<option value="Quota" selected>' in content

    deleted = agent_client.post(
        reverse("agent:search_profile"), {"action": "delete", "name": "Quota"}
    )
    agent.refresh_from_db()
    assert agent.preferences["search_profiles"] == {}
    assert deleted["Location"] == reverse("agent:search")


def test_profile_errors_show_on_the_form(agent_client, agent, tickets):
    nameless = agent_client.post(
        reverse("agent:search_profile"), {"action": "save", "name": " ", "query": "title=x"}
    )
    unknown = agent_client.post(
        reverse("agent:search_profile"), {"action": "delete", "name": "Nope", "query": ""}
    )
    missing = agent_client.get(search_url(profile="Nope"))

    assert nameless.status_code == 200
    assert nameless.context["profile_form"].errors["name"] == ["This field is required."]
    assert unknown.context["profile_form"].errors["name"] == [
        "There is no search profile with this name."
    ]
    assert "There is no search profile “Nope”." in missing.content.decode()
    assert agent_client.get(reverse("agent:search_profile")).status_code == 405
    agent.refresh_from_db()
    assert "search_profiles" not in agent.preferences


def test_csv_export_contains_all_matches(agent_client, make_ticket, tickets):
    for number in range(3):
        make_ticket(title=f"Printer {number}")

    response = agent_client.get(export_url(title="printer", size="10"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="tickets.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == [
        "Ticket#",
        "Title",
        "Created",
        "Changed",
        "State",
        "Priority",
        "Queue",
        "Owner",
        "Customer user",
        "Customer ID",
    ]
    assert len(rows) == 5
    printer = next(row for row in rows if row[1] == "Printer jammed")
    ticket = tickets["printer"]
    assert printer[0] == ticket.tn
    assert printer[4:] == ["new", "3 normal", "Raw", "Alice Adams", "jdoe", "acme"]


def test_csv_export_guards_against_formulas_and_keeps_umlauts(agent_client, make_ticket, tickets):
    make_ticket(title='=HYPERLINK("http://evil")')
    make_ticket(title="-1+2 Drucker für Müller")
    make_ticket(title="@SUM(A1)")

    rows = read_csv(agent_client.get(export_url(title="*")))

    titles = {row[1] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil")' in titles
    assert "'-1+2 Drucker für Müller" in titles
    assert "'@SUM(A1)" in titles
    assert "Printer jammed" in titles


def test_csv_export_with_invalid_input_goes_back_to_the_form(agent_client, tickets):
    response = agent_client.get(export_url(created_from="nonsense"))

    assert response.status_code == 302
    assert response["Location"] == search_url(created_from="nonsense")


def test_times_are_shown_in_the_agents_time_zone(agent_client, agent, make_ticket):
    clock.freeze(datetime(2025, 1, 15, 10, 0, tzinfo=UTC))
    make_ticket(title="Printer in Tokyo")
    Agent.objects.filter(pk=agent.pk).update(time_zone="Asia/Tokyo")

    page = agent_client.get(search_url(title="tokyo"))
    rows = read_csv(agent_client.get(export_url(title="tokyo")))

    assert "2025-01-15T19:00:00+09:00" in page.content.decode()
    assert rows[1][2] == "2025-01-15 19:00:00"


def test_full_text_counts_exactly_or_at_least(agent_client, make_ticket, monkeypatch):
    for number in range(3):
        make_ticket(title=f"Printer {number}")

    exact = agent_client.get(search_url(q="printer")).context["ticket_list"]
    # Fewer matching documents read than there are: the count is a lower bound.
    monkeypatch.setattr("ticketry.tickets.selectors.FULLTEXT_DOCUMENTS", 2)
    monkeypatch.setattr("ticketry.tickets.selectors.FULLTEXT_COUNT_CAP", 1)
    response = agent_client.get(search_url(q="printer"))

    assert (exact.total, exact.total_capped, len(exact.rows)) == (3, False, 3)
    at_least = response.context["ticket_list"]
    assert (at_least.total, at_least.total_capped, len(at_least.rows)) == (1, True, 3)
    assert "1+ tickets" in response.content.decode()


@pytest.mark.parametrize("count", [2, 20])
def test_search_runs_a_fixed_number_of_queries(
    agent_client, make_ticket, count, django_assert_max_num_queries
):
    for number in range(count):
        make_ticket(title=f"Printer {number}")
    agent_client.get(reverse("agent:search"))

    with django_assert_max_num_queries(19):
        response = agent_client.get(search_url(title="printer", detail="preview"))

    assert response.context["ticket_list"].total == count


@pytest.mark.parametrize("count", [2, 20])
def test_search_by_a_date_field_runs_a_fixed_number_of_queries(
    agent_client, agent, make_ticket, count, django_assert_max_num_queries
):
    DynamicField.objects.create(
        name="Due",
        label="Due date",
        field_type=DynamicField.FieldType.DATE,
        object_type=DynamicField.ObjectType.TICKET,
    )
    for number in range(count):
        ticket = make_ticket(title=f"Printer {number}")
        ticket_set_dynamic_field(
            actor=agent.actor, ticket=ticket, field="Due", value=date(2025, 3, 10)
        )
    agent_client.get(reverse("agent:search"))

    with django_assert_max_num_queries(19):
        response = agent_client.get(
            search_url(title="printer", df_Due_from="2025-03-10", detail="preview")
        )

    assert response.context["ticket_list"].total == count
