"""Which groups an agent holds a permission on, directly or through roles."""

from django.db.models import Q

from ticketry.core.validity import Validity

from .models import AgentGroupPermission, PermissionType, RoleGroupPermission


def _types_granting(permission: str) -> list[str]:
    # rw implies every other permission type.
    return [permission] if permission == PermissionType.RW else [permission, PermissionType.RW]


def group_ids_with_permission(agent_id: int, permission: str) -> set[int]:
    """Ids of the valid groups on which the agent holds `permission` (rw counts for all)."""
    types = _types_granting(permission)
    direct = AgentGroupPermission.objects.filter(
        agent_id=agent_id, permission__in=types, group__valid=Validity.VALID
    ).values_list("group_id", flat=True)
    via_roles = RoleGroupPermission.objects.filter(
        Q(role__agents__id=agent_id),
        permission__in=types,
        role__valid=Validity.VALID,
        group__valid=Validity.VALID,
    ).values_list("group_id", flat=True)
    return set(direct) | set(via_roles)


def agent_has_group_permission(agent_id: int, group_id: int, permission: str) -> bool:
    return group_id in group_ids_with_permission(agent_id, permission)


def agent_ids_with_group_permission(group_name: str, permission: str) -> set[int]:
    """Ids of the valid agents holding `permission` (rw counts for all) on the valid group
    `group_name`, directly or through a valid role."""
    types = _types_granting(permission)
    group = Q(group__name=group_name, group__valid=Validity.VALID, permission__in=types)
    direct = AgentGroupPermission.objects.filter(group, agent__valid=Validity.VALID)
    via_roles = RoleGroupPermission.objects.filter(
        group, role__valid=Validity.VALID, role__agents__valid=Validity.VALID
    )
    return set(direct.values_list("agent_id", flat=True)) | set(
        via_roles.values_list("role__agents__id", flat=True)
    )
