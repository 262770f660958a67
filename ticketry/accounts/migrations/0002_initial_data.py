"""OTRS initial data for agents: groups users/admin/stats and admin agent 1 with rw on all."""

from django.db import migrations

from ticketry.core.sequences import reset_sequences

GROUPS = [
    (1, "users", "Group for default access."),
    (2, "admin", "Group of all administrators."),
    (3, "stats", "Group for statistics access."),
]


def forwards(apps, schema_editor):
    Agent = apps.get_model("accounts", "Agent")
    Group = apps.get_model("accounts", "Group")
    AgentGroupPermission = apps.get_model("accounts", "AgentGroupPermission")
    for pk, name, comment in GROUPS:
        Group.objects.create(id=pk, name=name, comment=comment)
    # Agent 1 also acts for the system; it can log in only once a password is set.
    Agent.objects.create(
        id=1,
        login="root@localhost",
        first_name="Admin",
        last_name="Ticketry",
        email="root@localhost",
        password="!",
        is_superuser=True,
    )
    for pk, _name, _comment in GROUPS:
        AgentGroupPermission.objects.create(agent_id=1, group_id=pk, permission="rw")
    reset_sequences(schema_editor, [Agent, Group, AgentGroupPermission])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
