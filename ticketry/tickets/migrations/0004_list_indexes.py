"""Indexes for the agent's ticket lists: sort columns paired with the id (keyset paging), also
within a queue (the queue view), and the responsible agent with the state (the "my
responsibilities" lists of open tickets).

The new indexes come first: on MySQL/MariaDB an index on a foreign key column may only be
dropped while another index starts with that column."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_search_index")]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["queue", "created_at", "id"], name="ticket_queue_created"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["responsible", "state"], name="ticket_responsible_state"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["created_at", "id"], name="ticket_created_id"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["changed_at", "id"], name="ticket_changed_id"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["title", "id"], name="ticket_title_id"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["escalation_at", "id"], name="ticket_escalation_id"),
        ),
        migrations.RemoveIndex(model_name="ticket", name="ticket_responsible"),
        migrations.RemoveIndex(model_name="ticket", name="ticket_created"),
        migrations.RemoveIndex(model_name="ticket", name="ticket_changed"),
        migrations.RemoveIndex(model_name="ticket", name="ticket_escalation"),
    ]
