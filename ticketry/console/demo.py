"""Demo data for trying Ticketry out: agents, customers and a few tickets.

Created by `ticketry run` on the first start of an empty installation; tickets are opened
through the ticket service like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from ticketry.accounts.models import Agent, AgentGroupPermission, Group, PermissionType
from ticketry.core import clock
from ticketry.core.actor import SYSTEM_AGENT_ID, Actor
from ticketry.customers.models import CustomerCompany, CustomerUser
from ticketry.tickets.models import AutoResponse, Queue, QueueAutoResponse, SystemAddress
from ticketry.tickets.permissions import visible_tickets
from ticketry.tickets.services import ArticleInput, ticket_create

DEMO_AGENT = "demo-agent"
DEMO_ADMIN = "demo-admin"
DEMO_PASSWORD = "demo"
ROOT_PASSWORD = "root"
SUPPORT_ADDRESS = "support@example.com"

COMPANIES = [
    ("acme", "Acme Corporation", "Springfield"),
    ("globex", "Globex Ltd", "Cypress Creek"),
]
CUSTOMER_USERS = [
    ("jdoe", "John", "Doe", "jdoe@example.com", "acme"),
    ("asmith", "Anna", "Smith", "asmith@example.com", "acme"),
    ("mmeier", "Max", "Meier", "mmeier@example.org", "globex"),
    ("lchen", "Li", "Chen", "lchen@example.org", "globex"),
]


@dataclass(frozen=True, slots=True)
class _DemoTicket:
    title: str
    body: str
    customer_user: str
    queue: str = "Raw"
    state: str = "new"
    priority: str = "3 normal"
    by_phone: bool = False
    owned_by_demo_agent: bool = False


def demo_data_exists() -> bool:
    return Agent.objects.filter(login=DEMO_AGENT).exists()


def is_fresh_installation() -> bool:
    """No ticket yet and no demo agent: demo data would not mix with real work."""
    return not demo_data_exists() and not visible_tickets(Actor.system()).exists()


def demo_logins() -> list[tuple[str, str]]:
    root = Agent.objects.get(pk=SYSTEM_AGENT_ID)
    return [(root.login, ROOT_PASSWORD), (DEMO_AGENT, DEMO_PASSWORD), (DEMO_ADMIN, DEMO_PASSWORD)]


@transaction.atomic
def create_demo_data() -> list[tuple[str, str]]:
    """Create the demo agents, customers and tickets; return the (login, password) pairs to
    show. Does nothing but return them when the demo data exists already."""
    if demo_data_exists():
        return demo_logins()
    root = Agent.objects.get(pk=SYSTEM_AGENT_ID)
    root.set_password(ROOT_PASSWORD)
    root.save(update_fields=["password"])

    demo_agent = _agent(DEMO_AGENT, _("Demo"), _("Agent"), ["users"], superuser=False)
    _agent(DEMO_ADMIN, _("Demo"), _("Admin"), ["users", "admin", "stats"], superuser=True)

    for customer_id, name, city in COMPANIES:
        CustomerCompany.objects.create(customer_id=customer_id, name=name, city=city)
    customers = {}
    for login, first_name, last_name, email, customer_id in CUSTOMER_USERS:
        customer = CustomerUser(
            login=login,
            email=email,
            customer_id=customer_id,
            first_name=first_name,
            last_name=last_name,
        )
        customer.set_password(DEMO_PASSWORD)
        customer.save()
        customers[login] = customer

    _mail_setup()
    _create_welcome_ticket()
    for demo in _demo_tickets():
        _create_ticket(demo, customers[demo.customer_user], demo_agent)
    return demo_logins()


def _agent(login: str, first_name: str, last_name: str, groups: list[str], *, superuser: bool):
    agent = Agent(
        login=login,
        first_name=first_name,
        last_name=last_name,
        email=f"{login}@example.com",
        is_superuser=superuser,
    )
    agent.set_password(DEMO_PASSWORD)
    agent.save()
    AgentGroupPermission.objects.bulk_create(
        AgentGroupPermission(agent=agent, group=group, permission=PermissionType.RW)
        for group in Group.objects.filter(name__in=groups)
    )
    return agent


def _mail_setup() -> None:
    """support@example.com leads to queue Raw, and every request there is acknowledged with
    its ticket number, as a new installation's first mail should show."""
    raw = Queue.objects.get(name="Raw")
    address = SystemAddress.objects.create(
        name=SUPPORT_ADDRESS, realname=_("Example Support"), queue=raw
    )
    Queue.objects.filter(name__in=["Raw", "Misc"]).update(system_address=address)
    for response in AutoResponse.objects.all():
        response.system_address = address
        response.save(update_fields=["system_address"])
        for queue in Queue.objects.filter(name__in=["Raw", "Misc"]):
            QueueAutoResponse.objects.get_or_create(
                queue=queue, type_id=response.type_id, defaults={"auto_response": response}
            )


def _create_welcome_ticket() -> None:
    ticket_create(
        actor=Actor.system(),
        title=_("Welcome to Ticketry!"),
        queue="Raw",
        state="new",
        priority="3 normal",
        article=ArticleInput(
            channel="Email",
            sender_type="customer",
            is_visible_for_customer=True,
            from_address='"Ticketry" <welcome@example.com>',
            to_address=SUPPORT_ADDRESS,
            subject=_("Welcome to Ticketry!"),
            body=_(
                "Welcome!\n\n"
                "Thank you for trying Ticketry, a helpdesk in the tradition of OTRS.\n\n"
                "This demo installation has two agents (demo-agent and demo-admin), two "
                "customer companies with four customer users, and a few tickets to work on. "
                "Every demo login has the password “demo”; the administrator "
                "root@localhost has the password “root”. Change them before you use this "
                "installation for real work.\n\n"
                "Your Ticketry team\n"
            ),
            history_type="EmailCustomer",
            history_comment="%%",
        ),
    )


def _create_ticket(demo: _DemoTicket, customer: CustomerUser, demo_agent: Agent) -> None:
    sender = f'"{customer.first_name} {customer.last_name}" <{customer.email}>'
    pending = demo.state.startswith("pending")
    ticket_create(
        actor=Actor.system(),
        title=demo.title,
        queue=demo.queue,
        state=demo.state,
        priority=demo.priority,
        customer_user=customer.login,
        customer_id=customer.customer_id,
        owner=demo_agent.pk if demo.owned_by_demo_agent else None,
        pending_until=clock.now() + timedelta(days=2) if pending else None,
        article=ArticleInput(
            channel="Phone" if demo.by_phone else "Email",
            sender_type="customer",
            is_visible_for_customer=True,
            from_address=sender,
            to_address=SUPPORT_ADDRESS,
            subject=demo.title,
            body=demo.body,
            history_type="PhoneCallCustomer" if demo.by_phone else "EmailCustomer",
            history_comment="%%",
        ),
    )


def _demo_tickets() -> list[_DemoTicket]:
    return [
        _DemoTicket(
            title=_("Cannot log in to the customer portal"),
            body=_("Hello,\n\nsince this morning the portal says my password is wrong.\n"),
            customer_user="jdoe",
            priority="4 high",
        ),
        _DemoTicket(
            title=_("Printer on the third floor is out of toner"),
            body=_("The printer next to the kitchen needs a new black toner cartridge.\n"),
            customer_user="asmith",
            queue="Misc",
            state="open",
            priority="2 low",
            by_phone=True,
        ),
        _DemoTicket(
            title=_("Invoice shows the wrong address"),
            body=_("Our last invoice still shows our old address. Please correct it.\n"),
            customer_user="mmeier",
            state="open",
        ),
        _DemoTicket(
            title=_("VPN connection drops every few minutes"),
            body=_("Since the update yesterday the VPN disconnects every five minutes.\n"),
            customer_user="lchen",
            priority="5 very high",
        ),
        _DemoTicket(
            title=_("Laptop for a new colleague"),
            body=_("A new colleague starts on Monday and needs a laptop and an account.\n"),
            customer_user="jdoe",
            queue="Misc",
            state="pending reminder",
            owned_by_demo_agent=True,
        ),
        _DemoTicket(
            title=_("Password reset mail did not arrive"),
            body=_("I asked for a new password but got no mail. It works now, thank you!\n"),
            customer_user="asmith",
            state="closed successful",
        ),
        _DemoTicket(
            title=_("Question about our service contract"),
            body=_("Does our contract include support on weekends?\n"),
            customer_user="mmeier",
            queue="Misc",
        ),
        _DemoTicket(
            title=_("Shared drive is full"),
            body=_("Nobody in our team can save files to the shared drive any more.\n"),
            customer_user="lchen",
            state="open",
            priority="4 high",
            owned_by_demo_agent=True,
        ),
        _DemoTicket(
            title=_("Request for a second monitor"),
            body=_("Could I get a second monitor for my desk?\n"),
            customer_user="jdoe",
            queue="Misc",
            state="closed unsuccessful",
            priority="1 very low",
        ),
    ]
