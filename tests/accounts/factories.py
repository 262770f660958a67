import factory

from ticketry.accounts.models import Agent, AgentGroupPermission, Group, Role


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent
        django_get_or_create = ("login",)

    login = factory.Sequence(lambda n: f"agent{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda a: f"{a.login}@example.com")
    password = factory.django.Password("secret-pass-123")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"group{n}")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    name = factory.Sequence(lambda n: f"role{n}")


def grant(agent: Agent, group: Group, *permissions: str) -> None:
    for permission in permissions:
        AgentGroupPermission.objects.get_or_create(agent=agent, group=group, permission=permission)
