"""The installation the mail intake benchmark runs on: the demo's mail set-up
(`ticketry/console/demo.py`) with agents who hear of every new ticket."""

from __future__ import annotations

from dataclasses import dataclass

SUPPORT_ADDRESS = "support@example.com"
QUEUE = "Raw"
AGENTS = 3


@dataclass(frozen=True)
class MailSetup:
    auto_responses: bool
    agents: int

    def describe(self) -> str:
        notified = f"{self.agents} agents notified"
        if self.auto_responses:
            return f"default path: auto-responses on, {notified}"
        return f"bare path: no auto-responses, {notified}"


def setup_mail(*, auto_responses: bool, agents: int = AGENTS) -> MailSetup:
    """Route support@example.com to queue Raw as the demo does, assign every auto-response
    type there (or none, for the bare path), and give `agents` agents `rw` on the queue's
    group with the queue among their "My Queues" and the default notification settings
    (all on), which is what makes a new ticket queue their notification."""
    from django.db import transaction

    from ticketry.accounts.models import Agent, AgentGroupPermission, PermissionType
    from ticketry.accounts.services import agent_update_preferences
    from ticketry.core.actor import Actor
    from ticketry.tickets.models import AutoResponse, Queue, QueueAutoResponse, SystemAddress

    with transaction.atomic():
        queue = Queue.objects.get(name=QUEUE)
        address, _created = SystemAddress.objects.get_or_create(
            name=SUPPORT_ADDRESS, defaults={"realname": "Example Support", "queue": queue}
        )
        Queue.objects.filter(name__in=[QUEUE, "Misc"]).update(system_address=address)
        if auto_responses:
            for response in AutoResponse.objects.all():
                response.system_address = address
                response.save(update_fields=["system_address"])
                QueueAutoResponse.objects.get_or_create(
                    queue=queue, type_id=response.type_id, defaults={"auto_response": response}
                )
        else:
            # A database reused from a default run must not acknowledge on the bare path.
            QueueAutoResponse.objects.filter(queue=queue).delete()
        for number in range(1, agents + 1):
            login = f"bench-agent-{number}"
            agent, _created = Agent.objects.get_or_create(
                login=login,
                defaults={
                    "first_name": "Bench",
                    "last_name": f"Agent {number}",
                    "email": f"{login}@example.com",
                    "password": "!",
                },
            )
            AgentGroupPermission.objects.get_or_create(
                agent=agent, group_id=queue.group_id, permission=PermissionType.RW
            )
            agent_update_preferences(
                actor=Actor.system(),
                agent=agent,
                values={"my_queue_ids": [queue.pk], "notifications": None},
            )
    return MailSetup(auto_responses=auto_responses, agents=agents)
