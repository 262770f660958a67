"""`ticketry createagent`: add an agent, with group permissions, from the command line."""

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from ticketry.accounts.models import Agent, AgentGroupPermission, Group, PermissionType


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("Create an agent, optionally with permissions on groups.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--login", required=True, help=_("Login name."))
        parser.add_argument("--first-name", required=True, help=_("First name."))
        parser.add_argument("--last-name", required=True, help=_("Last name."))
        parser.add_argument("--email", default="", help=_("Email address."))
        password = parser.add_mutually_exclusive_group()
        password.add_argument(
            "--password",
            help=_("Password (asked for when omitted and run interactively)."),
        )
        password.add_argument(
            "--no-password",
            action="store_true",
            help=_("Create the agent without a usable password."),
        )
        parser.add_argument(
            "--group",
            action="append",
            default=[],
            metavar="NAME:PERMISSION",
            help=_(
                "Grant a permission on an existing group (repeatable); permission is one of "
                "%(choices)s."
            )
            % {"choices": ", ".join(PermissionType.values)},
        )
        parser.add_argument(
            "--superuser",
            action="store_true",
            help=_("May use the technical administration."),
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help=_("Never ask for input."),
        )

    def handle(
        self,
        *,
        login: str,
        first_name: str,
        last_name: str,
        email: str,
        password: str | None,
        no_password: bool,
        group: list[str],
        superuser: bool,
        interactive: bool,
        **options: object,
    ) -> None:
        login = login.strip()
        if not login:
            raise CommandError(_("The login must not be empty."))
        if Agent.objects.filter(login=login).exists():
            raise CommandError(
                _("An agent with login “%(login)s” exists already.") % {"login": login}
            )
        if email:
            try:
                validate_email(email)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        grants = [_parse_grant(value) for value in group]
        agent = Agent(
            login=login,
            first_name=first_name,
            last_name=last_name,
            email=email,
            is_superuser=superuser,
        )
        if no_password:
            agent.set_unusable_password()
        else:
            if password is None:
                if not (interactive and sys.stdin.isatty()):
                    raise CommandError(
                        _("Give --password, or --no-password to create the agent without one.")
                    )
                password = self._ask_password(agent)
            _check_password(password, agent)
            agent.set_password(password)

        with transaction.atomic():
            agent.save()
            AgentGroupPermission.objects.bulk_create(
                [
                    AgentGroupPermission(agent=agent, group=group_obj, permission=permission)
                    for group_obj, permission in dict.fromkeys(grants)
                ]
            )
        self.stdout.write(
            _("Agent “%(login)s” created (id %(id)s).") % {"login": login, "id": agent.pk}
        )

    def _ask_password(self, agent: Agent) -> str:
        while True:
            password = getpass.getpass(_("Password: "))
            if password != getpass.getpass(_("Password (again): ")):
                self.stderr.write(_("The passwords do not match."))
                continue
            try:
                _check_password(password, agent)
            except CommandError as error:
                self.stderr.write(str(error))
                continue
            return password


def _parse_grant(value: str) -> tuple[Group, str]:
    name, separator, permission = value.rpartition(":")
    if not separator or not name:
        raise CommandError(
            _("Write --group as NAME:PERMISSION, not “%(value)s”.") % {"value": value}
        )
    if permission not in PermissionType.values:
        raise CommandError(
            _("Unknown permission “%(permission)s”; use one of %(choices)s.")
            % {"permission": permission, "choices": ", ".join(PermissionType.values)}
        )
    try:
        group = Group.objects.get(name=name)
    except Group.DoesNotExist:
        raise CommandError(_("There is no group “%(name)s”.") % {"name": name}) from None
    return group, permission


def _check_password(password: str, agent: Agent) -> None:
    if not password:
        raise CommandError(_("The password must not be empty."))
    try:
        validate_password(password, agent)
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from error
