"""The mail settings an admin may change (core.sysconfig), under their OTRS names."""

from ticketry.core.sysconfig import register

# Subjects (OTRS Ticket::Subject*).
register("Ticket::SubjectFormat", "Left", "Where the ticket number goes: Left, Right or None.")
register("Ticket::SubjectRe", "Re", "Prefix of replies.")
register("Ticket::SubjectFwd", "Fwd", "Prefix of forwards.")
register("Ticket::SubjectSize", 100, "Longest subject kept when cleaning.")

# PostMaster.
register("PostMasterMaxEmailSize", 16384, "Largest mail processed, in KB; bigger ones wait.")
register(
    "PostMasterReconnectMessage",
    20,
    "Messages fetched per connection to a mail account; then it reconnects, so the server "
    "carries out the deletions and long runs make visible progress.",
)
register("PostmasterDefaultQueue", "Raw", "Queue for mail no system address matches.")
register("PostmasterDefaultState", "new", "State of tickets opened by mail.")
register("PostmasterDefaultPriority", "3 normal", "Priority of tickets opened by mail.")
register("PostmasterFollowUpState", "open", "State after a follow-up.")
register("PostmasterFollowUpStateClosed", "", "State after a follow-up to a closed ticket.")
register("KeepStateHeader", "X-OTRS-FollowUp-State-Keep", "Header that keeps the state.")
register("PostmasterBounceEmailAsFollowUp", True, "Bounces always count as follow-ups.")
register(
    "PostMaster::NewTicket::AutoAssignCustomerIDForUnknownCustomers",
    True,
    "Use the sender's address as customer ID when the sender is not a customer user.",
)
register("PostMaster::CheckFollowUpModule###0300-Body", False, "Look for ticket numbers in bodies.")
register(
    "PostMaster::CheckFollowUpModule###0400-Attachments",
    False,
    "Look for ticket numbers in attachments.",
)
register(
    "PostMaster::CheckFollowUpModule###0500-RawEmail",
    False,
    "Look for ticket numbers anywhere in the raw mail.",
)

# Auto-responses and loop protection.
register("PostmasterMaxEmails", 40, "Most auto-responses to one address per day.")
register("PostmasterMaxEmailsPerAddress", {}, "Per-address limits, address → count.")
register(
    "SendNoAutoResponseRegExp",
    r"(MAILER-DAEMON|postmaster|abuse)@.+?\..+?",
    "Addresses that never get an auto-response.",
)
register("AutoResponseForWebTickets", True, "Send auto-responses for tickets opened on the web.")
