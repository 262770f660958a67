"""`ticketry createagent`: an agent with group permissions from the command line."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ticketry.accounts.models import Agent

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-42"


def _create(*args: str) -> str:
    out = StringIO()
    call_command(
        "createagent",
        "--login=jroe",
        "--first-name=Jane",
        "--last-name=Roe",
        *args,
        "--no-input",
        stdout=out,
    )
    return out.getvalue()


def test_creates_the_agent_with_its_group_permissions():
    output = _create(
        "--email=jroe@example.com",
        f"--password={PASSWORD}",
        "--group=users:rw",
        "--group=stats:ro",
        "--group=stats:ro",
        "--superuser",
    )

    agent = Agent.objects.get(login="jroe")
    assert (agent.first_name, agent.last_name, agent.email) == ("Jane", "Roe", "jroe@example.com")
    assert agent.is_superuser
    assert agent.check_password(PASSWORD)
    assert set(agent.group_permissions.values_list("group__name", "permission")) == {
        ("users", "rw"),
        ("stats", "ro"),
    }
    assert "jroe" in output


def test_an_unknown_group_is_refused_and_nothing_is_created():
    with pytest.raises(CommandError, match="no group “helpdesk”"):
        _create(f"--password={PASSWORD}", "--group=users:rw", "--group=helpdesk:rw")

    assert not Agent.objects.filter(login="jroe").exists()


@pytest.mark.parametrize("grant", ["users:admin", "users", ":rw"])
def test_a_malformed_grant_is_refused(grant):
    with pytest.raises(CommandError):
        _create(f"--password={PASSWORD}", f"--group={grant}")

    assert not Agent.objects.filter(login="jroe").exists()


def test_no_password_leaves_the_password_unusable():
    _create("--no-password")

    assert not Agent.objects.get(login="jroe").has_usable_password()


def test_without_a_terminal_a_password_option_is_required():
    with pytest.raises(CommandError, match="--password"):
        _create()


def test_a_weak_password_is_refused():
    with pytest.raises(CommandError):
        _create("--password=abc")

    assert not Agent.objects.filter(login="jroe").exists()


def test_an_existing_login_is_refused():
    _create("--no-password")

    with pytest.raises(CommandError, match="exists already"):
        _create("--no-password")
