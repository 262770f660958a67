"""Agents, groups, roles and the permissions that tie them together (OTRS `users`, `groups`,
`roles`, `group_user`, `group_role`, `role_user`)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.validity import Validity, validity_field


class PermissionType(models.TextChoices):
    """OTRS `System::Permission`; `rw` implies every other type."""

    RO = "ro", _("read only")
    MOVE_INTO = "move_into", _("move into")
    CREATE = "create", _("create")
    NOTE = "note", _("note")
    OWNER = "owner", _("owner")
    PRIORITY = "priority", _("priority")
    RW = "rw", _("read/write")


class AgentManager(BaseUserManager["Agent"]):
    def get_by_natural_key(self, username: str) -> Agent:
        return self.get(login=username)

    def valid(self) -> models.QuerySet[Agent]:
        return self.filter(valid=Validity.VALID)


class Agent(AbstractBaseUser):
    """A person working tickets. Agent 1 is the admin created at install and also acts
    for the system."""

    login = models.CharField(_("login"), max_length=200, unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), max_length=150, blank=True)
    title = models.CharField(_("title or salutation"), max_length=50, blank=True)
    valid = validity_field()
    is_superuser = models.BooleanField(
        _("superuser"),
        default=False,
        help_text=_("May use the technical administration (all configuration models)."),
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    preferences = models.JSONField(_("preferences"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = AgentManager()

    USERNAME_FIELD = "login"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["login"]

    def __str__(self) -> str:
        return self.full_name or self.login

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def out_of_office_until(self) -> date | None:
        """The last day of the absence set in the preferences, while it lasts."""
        absence = self.preferences.get("out_of_office") or {}
        if not absence.get("enabled"):
            return None
        try:
            start = date.fromisoformat(absence["start"])
            end = date.fromisoformat(absence["end"])
        except (KeyError, TypeError, ValueError):
            return None
        today = clock.localtime(clock.now()).date()
        return end if start <= today <= end else None

    @property
    def is_active(self) -> bool:  # used by Django's authentication
        return self.valid == Validity.VALID

    @property
    def is_staff(self) -> bool:
        return self.is_superuser

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_active and self.is_superuser

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and self.is_superuser

    @property
    def actor(self) -> Actor:
        return Actor.agent(self.pk, self.login)


class Group(models.Model):
    """A set of queues and the agents allowed to work on them."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = validity_field()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """A bundle of group permissions handed to many agents at once."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = validity_field()
    agents = models.ManyToManyField(Agent, related_name="roles", blank=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentGroupPermission(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="group_permissions")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="agent_permissions")
    permission = models.CharField(_("permission"), max_length=20, choices=PermissionType.choices)

    class Meta:
        verbose_name = _("agent group permission")
        verbose_name_plural = _("agent group permissions")
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "group", "permission"], name="uniq_agent_group_permission"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.group} {self.permission}"


class RoleGroupPermission(models.Model):
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="group_permissions")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="role_permissions")
    permission = models.CharField(_("permission"), max_length=20, choices=PermissionType.choices)

    class Meta:
        verbose_name = _("role group permission")
        verbose_name_plural = _("role group permissions")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "group", "permission"], name="uniq_role_group_permission"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.group} {self.permission}"
