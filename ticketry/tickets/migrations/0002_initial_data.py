"""OTRS 6 initial data for tickets, with OTRS's ids so migrated data keeps its meaning."""

from django.db import migrations

from ticketry.core.sequences import reset_sequences

STATE_TYPES = ["new", "open", "closed", "pending reminder", "pending auto", "removed", "merged"]
STATES = [
    (1, "new", 1, "New ticket created by customer."),
    (2, "closed successful", 3, "Ticket is closed successful."),
    (3, "closed unsuccessful", 3, "Ticket is closed unsuccessful."),
    (4, "open", 2, "Open tickets."),
    (5, "removed", 6, "Customer removed ticket."),
    (6, "pending reminder", 4, "Ticket is pending for agent reminder."),
    (7, "pending auto close+", 5, "Ticket is pending for automatic close."),
    (8, "pending auto close-", 5, "Ticket is pending for automatic close."),
    (9, "merged", 7, "State for merged tickets."),
]
PRIORITIES = ["1 very low", "2 low", "3 normal", "4 high", "5 very high"]
LOCK_TYPES = ["unlock", "lock", "tmp_lock"]
SENDER_TYPES = ["agent", "system", "customer"]
CHANNELS = ["Email", "Phone", "Internal", "Chat"]
AUTO_RESPONSE_TYPES = [
    ("auto reply", "Automatic reply which will be sent out after a new ticket has been created."),
    ("auto reject", "Automatic reject which will be sent out after a follow-up has been rejected."),
    ("auto follow up", "Automatic confirmation which is sent out after a customer follow-up."),
    (
        "auto reply/new ticket",
        "Automatic response which will be sent out after a follow-up has been rejected "
        "and a new ticket has been created.",
    ),
    ("auto remove", "Auto remove will be sent out after a customer removed the request."),
]
QUEUES = [
    (1, "Postmaster", "Postmaster queue."),
    (2, "Raw", "All default incoming tickets."),
    (3, "Junk", "All junk tickets."),
    (4, "Misc", "All misc tickets."),
]
HISTORY_TYPES = [
    "NewTicket", "FollowUp", "SendAutoReject", "SendAutoReply", "SendAutoFollowUp", "Forward",
    "Bounce", "SendAnswer", "SendAgentNotification", "SendCustomerNotification", "EmailAgent",
    "EmailCustomer", "PhoneCallAgent", "PhoneCallCustomer", "AddNote", "Move", "Lock", "Unlock",
    "Remove", "TimeAccounting", "CustomerUpdate", "PriorityUpdate", "OwnerUpdate",
    "LoopProtection", "Misc", "SetPendingTime", "StateUpdate", "TicketDynamicFieldUpdate",
    "WebRequestCustomer", "TicketLinkAdd", "TicketLinkDelete", "SystemRequest", "Merged",
    "ResponsibleUpdate", "Subscribe", "Unsubscribe", "TypeUpdate", "ServiceUpdate", "SLAUpdate",
    "ArchiveFlagUpdate", "EscalationSolutionTimeStop", "EscalationResponseTimeStart",
    "EscalationUpdateTimeStart", "EscalationSolutionTimeStart",
    "EscalationResponseTimeNotifyBefore", "EscalationUpdateTimeNotifyBefore",
    "EscalationSolutionTimeNotifyBefore", "EscalationResponseTimeStop",
    "EscalationUpdateTimeStop", "TitleUpdate", "EmailResend",
]
SALUTATION = "Dear <OTRS_CUSTOMER_REALNAME>,\n\nthank you for your request.\n"
SIGNATURE = (
    "\nYour Ticket-Team\n\n <OTRS_Agent_UserFirstname> <OTRS_Agent_UserLastname>\n"
)
AUTO_RESPONSES = [
    (
        1,
        "default reply (after new ticket has been created)",
        "RE: <OTRS_CUSTOMER_SUBJECT[24]>",
        "This is a confirmation that your request has been received and a ticket with the "
        "number <OTRS_TICKET_TicketNumber> has been opened for it.\n\nYou wrote:\n"
        "<OTRS_CUSTOMER_EMAIL[6]>\n\nYour email address is new in our system, so replies "
        "will come from the team that takes care of your request.\n",
    ),
    (
        2,
        "default reject (after follow-up and rejected of a closed ticket)",
        "Your email has been rejected! (RE: <OTRS_CUSTOMER_SUBJECT[24]>)",
        "Your previous ticket is closed.\n\n-- Your follow-up has been rejected. --\n\n"
        "Please create a new ticket.\n\nYou wrote:\n<OTRS_CUSTOMER_EMAIL[6]>\n",
    ),
    (
        3,
        "default follow-up (after a ticket follow-up has been added)",
        "RE: <OTRS_CUSTOMER_SUBJECT[24]>",
        "Thank you for your message. Your follow-up has been added to ticket "
        "<OTRS_TICKET_TicketNumber>.\n\nYou wrote:\n<OTRS_CUSTOMER_EMAIL[6]>\n",
    ),
    (
        4,
        "default reject/new ticket created (after closed follow-up with new ticket creation)",
        "New ticket has been created! (RE: <OTRS_CUSTOMER_SUBJECT[24]>)",
        "Your previous ticket is closed.\n\n-- A new ticket has been created for you. --\n\n"
        "You wrote:\n<OTRS_CUSTOMER_EMAIL[6]>\n",
    ),
]


def forwards(apps, schema_editor):
    m = {name: apps.get_model("tickets", name) for name in (
        "StateType", "State", "Priority", "TicketType", "LockType", "SenderType",
        "CommunicationChannel", "AutoResponseType", "AutoResponse", "Queue", "SystemAddress",
        "Salutation", "Signature", "StandardTemplate", "HistoryType", "LinkType",
        "DynamicField",
    )}
    m["StateType"].objects.bulk_create(
        m["StateType"](id=i, name=n) for i, n in enumerate(STATE_TYPES, 1)
    )
    m["State"].objects.bulk_create(
        m["State"](id=i, name=n, type_id=t, comment=c) for i, n, t, c in STATES
    )
    for model, names in (
        ("Priority", PRIORITIES),
        ("LockType", LOCK_TYPES),
        ("SenderType", SENDER_TYPES),
        ("CommunicationChannel", CHANNELS),
        ("HistoryType", HISTORY_TYPES),
    ):
        m[model].objects.bulk_create(m[model](id=i, name=n) for i, n in enumerate(names, 1))
    m["TicketType"].objects.create(id=1, name="Unclassified")
    m["AutoResponseType"].objects.bulk_create(
        m["AutoResponseType"](id=i, name=n, comment=c)
        for i, (n, c) in enumerate(AUTO_RESPONSE_TYPES, 1)
    )
    m["LinkType"].objects.create(id=1, name="Normal", source_name="Normal", target_name="Normal")
    m["LinkType"].objects.create(
        id=2, name="ParentChild", source_name="Parent", target_name="Child"
    )
    m["Salutation"].objects.create(
        id=1, name="system standard salutation (en)", text=SALUTATION,
        comment="Standard Salutation.",
    )
    m["Signature"].objects.create(
        id=1, name="system standard signature (en)", text=SIGNATURE,
        comment="Standard Signature.",
    )
    for pk, name, comment in QUEUES:
        m["Queue"].objects.create(
            id=pk, name=name, comment=comment, group_id=1, salutation_id=1, signature_id=1
        )
    m["SystemAddress"].objects.create(
        id=1, name="otrs@localhost", realname="OTRS System", queue_id=1,
        comment="Standard Address.",
    )
    m["Queue"].objects.update(system_address_id=1)
    for pk, name, subject, text in AUTO_RESPONSES:
        m["AutoResponse"].objects.create(
            id=pk, name=name, type_id=pk, subject=subject, text=text, system_address_id=1
        )
    empty = m["StandardTemplate"].objects.create(
        id=1, name="empty answer", text="", template_type="Answer"
    )
    empty.queues.set([1, 2, 3, 4])
    m["StandardTemplate"].objects.create(
        id=2, name="test answer", template_type="Answer",
        text="Some test answer to show how a standard template can be used.",
    )
    for name, label, field_type in (
        ("ProcessManagementProcessID", "Process", "ProcessID"),
        ("ProcessManagementActivityID", "Activity", "ActivityID"),
    ):
        m["DynamicField"].objects.create(
            name=name, label=label, field_type=field_type, object_type="Ticket",
            config={"internal": True},
        )
    reset_sequences(schema_editor, list(m.values()))


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial"), ("accounts", "0002_initial_data")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
