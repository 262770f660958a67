import pytest

from tests.accounts.factories import AgentFactory
from ticketry.core import sysconfig
from ticketry.core.errors import InvalidValue
from ticketry.core.models import SysConfigValue

pytestmark = pytest.mark.django_db


def test_a_setting_has_its_default_until_changed():
    assert sysconfig.get("PostmasterMaxEmails") == 40
    sysconfig.set_value("PostmasterMaxEmails", 5)
    assert sysconfig.get("PostmasterMaxEmails") == 5
    sysconfig.set_value("PostmasterMaxEmails", None)
    assert sysconfig.get("PostmasterMaxEmails") == 40


def test_values_must_have_the_settings_type():
    with pytest.raises(InvalidValue):
        sysconfig.set_value("PostmasterMaxEmails", "many")
    with pytest.raises(InvalidValue):
        sysconfig.set_value("PostmasterMaxEmails", True)
    with pytest.raises(InvalidValue):
        sysconfig.set_value("No::Such::Setting", 1)
    assert not SysConfigValue.objects.exists()


def test_a_change_by_another_process_is_seen_after_the_cache_expires(monkeypatch):
    assert sysconfig.get("Ticket::SubjectFormat") == "Left"
    SysConfigValue.objects.create(name="Ticket::SubjectFormat", value="Right")
    assert sysconfig.get("Ticket::SubjectFormat") == "Left"
    monkeypatch.setattr(sysconfig, "CACHE_SECONDS", -1)
    assert sysconfig.get("Ticket::SubjectFormat") == "Right"


def test_the_admin_refuses_a_value_of_the_wrong_type(client):
    client.force_login(AgentFactory(login="super", is_superuser=True))
    admin_client = client
    response = admin_client.post(
        "/admin/core/sysconfigvalue/add/",
        {"name": "PostmasterMaxEmails", "value": '"lots"'},
    )
    assert response.status_code == 200
    assert "needs a value of type int" in response.content.decode()
    response = admin_client.post(
        "/admin/core/sysconfigvalue/add/", {"name": "PostmasterMaxEmails", "value": "7"}
    )
    assert response.status_code == 302
    assert sysconfig.get("PostmasterMaxEmails") == 7
