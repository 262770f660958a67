"""Who performs a change: an agent, a customer user, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# OTRS records changes made by the system (PostmasterUserID) and by customers
# (CustomerPanelUserID) as done by agent 1, the admin account created at install.
SYSTEM_AGENT_ID = 1


class ActorKind(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """The acting party of a service call.

    `id` is the agent's id for agents, the customer user's id for customers and
    SYSTEM_AGENT_ID for the system. `login` identifies customers on tickets,
    which store the customer user's login as OTRS does.
    """

    kind: ActorKind
    id: int
    login: str = ""

    @classmethod
    def system(cls) -> Actor:
        return cls(kind=ActorKind.SYSTEM, id=SYSTEM_AGENT_ID, login="system")

    @classmethod
    def agent(cls, agent_id: int, login: str = "") -> Actor:
        return cls(kind=ActorKind.AGENT, id=agent_id, login=login)

    @classmethod
    def customer(cls, customer_user_id: int, login: str) -> Actor:
        return cls(kind=ActorKind.CUSTOMER, id=customer_user_id, login=login)

    @property
    def is_agent(self) -> bool:
        return self.kind is ActorKind.AGENT

    @property
    def is_customer(self) -> bool:
        return self.kind is ActorKind.CUSTOMER

    @property
    def is_system(self) -> bool:
        return self.kind is ActorKind.SYSTEM

    @property
    def agent_id(self) -> int:
        """The agent recorded as creator or changer of rows this actor writes."""
        return self.id if self.kind is ActorKind.AGENT else SYSTEM_AGENT_ID
