"""The default acknowledgement says what a customer needs to hear from a helpdesk: the
request arrived, this is its ticket number, keep it in the subject when writing again.
Only the texts as the initial data left them are changed; an administrator's own wording
stays."""

from django.db import migrations

OLD_REPLY = (
    "This is a confirmation that your request has been received and a ticket with the "
    "number <OTRS_TICKET_TicketNumber> has been opened for it.\n\nYou wrote:\n"
    "<OTRS_CUSTOMER_EMAIL[6]>\n\nYour email address is new in our system, so replies "
    "will come from the team that takes care of your request.\n"
)
NEW_REPLY = (
    "Dear <OTRS_CUSTOMER_REALNAME>,\n\n"
    "thank you for your message. We have received your request and opened ticket "
    "<OTRS_CONFIG_Ticket::Hook><OTRS_TICKET_TicketNumber> for it. We will answer you as "
    "soon as we can.\n\n"
    "If you write to us about this request again, please keep the ticket number in the "
    "subject; replying to this email does that for you.\n\n"
    "You wrote:\n<OTRS_CUSTOMER_EMAIL[6]>\n\n"
    "Your Ticket-Team\n"
)
OLD_FOLLOW_UP = (
    "Thank you for your message. Your follow-up has been added to ticket "
    "<OTRS_TICKET_TicketNumber>.\n\nYou wrote:\n<OTRS_CUSTOMER_EMAIL[6]>\n"
)
NEW_FOLLOW_UP = (
    "Dear <OTRS_CUSTOMER_REALNAME>,\n\n"
    "thank you for your message. We have added it to ticket "
    "<OTRS_CONFIG_Ticket::Hook><OTRS_TICKET_TicketNumber>; the team working on your "
    "request sees it there.\n\n"
    "You wrote:\n<OTRS_CUSTOMER_EMAIL[6]>\n\n"
    "Your Ticket-Team\n"
)
CHANGES = {1: (OLD_REPLY, NEW_REPLY), 3: (OLD_FOLLOW_UP, NEW_FOLLOW_UP)}


def _replace(apps, index):
    AutoResponse = apps.get_model("tickets", "AutoResponse")
    for pk, texts in CHANGES.items():
        AutoResponse.objects.filter(pk=pk, text=texts[1 - index]).update(text=texts[index])


def forwards(apps, schema_editor):
    _replace(apps, 1)


def backwards(apps, schema_editor):
    _replace(apps, 0)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_trigram_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
