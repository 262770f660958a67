import pytest

from tests.accounts.factories import AgentFactory, GroupFactory, RoleFactory, grant
from ticketry.accounts.models import RoleGroupPermission
from ticketry.accounts.permissions import agent_ids_with_group_permission
from ticketry.core.actor import SYSTEM_AGENT_ID
from ticketry.core.validity import Validity

pytestmark = pytest.mark.django_db


def test_the_agents_of_a_group_directly_and_through_roles():
    admin = GroupFactory(name="admin")
    direct, via_role, reader, retired, role_of_retired = (
        AgentFactory(login=login) for login in ("ann", "ben", "cat", "dan", "eve")
    )
    grant(direct, admin, "rw")
    grant(reader, admin, "ro")
    grant(retired, admin, "rw")
    retired.valid = Validity.INVALID
    retired.save()
    role, invalid_role = RoleFactory(), RoleFactory(valid=Validity.INVALID)
    role.agents.add(via_role)
    invalid_role.agents.add(role_of_retired)
    for each in (role, invalid_role):
        RoleGroupPermission.objects.create(role=each, group=admin, permission="rw")

    root = SYSTEM_AGENT_ID  # holds rw on admin from the initial data
    assert agent_ids_with_group_permission("admin", "rw") == {root, direct.pk, via_role.pk}
    assert agent_ids_with_group_permission("admin", "ro") == {
        root,
        direct.pk,
        via_role.pk,
        reader.pk,
    }
    assert agent_ids_with_group_permission("no such group", "rw") == set()
