"""The mail settings an admin may change (core.sysconfig), under their OTRS names."""

from django.utils.translation import gettext_lazy as _

from ticketry.core.sysconfig import register

# Subjects (OTRS Ticket::Subject*).
register("Ticket::SubjectFormat", "Left", _("Where the ticket number goes: Left, Right or None."))
register("Ticket::SubjectRe", "Re", _("Prefix of replies."))
register("Ticket::SubjectFwd", "Fwd", _("Prefix of forwards."))
register("Ticket::SubjectSize", 100, _("Longest subject kept when cleaning."))

# PostMaster.
register("PostMasterMaxEmailSize", 16384, _("Largest mail processed, in KB; bigger ones wait."))
register(
    "PostMasterMaxEmailHeaders",
    3000,
    _("Most header fields of a mail processed; a mail with more is quarantined."),
)
register(
    "PostMasterMaxEmailParts",
    500,
    _("Most MIME parts of a mail processed; a mail with more is quarantined."),
)
register(
    "PostMasterMaxEmailDepth",
    20,
    _("Deepest nesting of MIME parts processed; a mail nested deeper is quarantined."),
)
register(
    "PostMasterMaxAttempts",
    3,
    _("Attempts to process a mail that fail or time out before it is quarantined."),
)
register(
    "PostMasterProcessingTimeLimit",
    120,
    _("Seconds one attempt to process a mail may take; a longer one counts as failed."),
)
register(
    "PostMasterReconnectMessage",
    20,
    _(
        "Messages fetched per connection to a mail account; then it reconnects, so the "
        "server carries out the deletions and long runs make visible progress."
    ),
)
register("PostmasterDefaultQueue", "Raw", _("Queue for mail no system address matches."))
register("PostmasterDefaultState", "new", _("State of tickets opened by mail."))
register("PostmasterDefaultPriority", "3 normal", _("Priority of tickets opened by mail."))
register("PostmasterFollowUpState", "open", _("State after a follow-up."))
register("PostmasterFollowUpStateClosed", "", _("State after a follow-up to a closed ticket."))
register("KeepStateHeader", "X-OTRS-FollowUp-State-Keep", _("Header that keeps the state."))
register("PostmasterBounceEmailAsFollowUp", True, _("Bounces always count as follow-ups."))
register(
    "PostMaster::NewTicket::AutoAssignCustomerIDForUnknownCustomers",
    True,
    _("Use the sender's address as customer ID when the sender is not a customer user."),
)
register(
    "PostMaster::CheckFollowUpModule###0300-Body", False, _("Look for ticket numbers in bodies.")
)
register(
    "PostMaster::CheckFollowUpModule###0400-Attachments",
    False,
    _("Look for ticket numbers in attachments."),
)
register(
    "PostMaster::CheckFollowUpModule###0500-RawEmail",
    False,
    _("Look for ticket numbers anywhere in the raw mail."),
)

# Auto-responses and loop protection.
register("PostmasterMaxEmails", 40, _("Most auto-responses to one address per day."))
register("PostmasterMaxEmailsPerAddress", {}, _("Per-address limits, address → count."))
register(
    "SendNoAutoResponseRegExp",
    r"(MAILER-DAEMON|postmaster|abuse)@.+?\..+?",
    _("Addresses that never get an auto-response."),
)
register("AutoResponseForWebTickets", True, _("Send auto-responses for tickets opened on the web."))

# Agent notifications.
register("NotificationSenderName", "Ticketry Notifications", _("Sender name of notifications."))
register(
    "NotificationSenderEmail",
    "",
    _("Sender address of notifications; empty: ticketry@ and the installation's host name."),
)
register(
    "PostmasterFollowUpOnUnlockAgentNotifyOnlyToOwner",
    False,
    _("Tell only the owner, not the agents of the queue, about a follow-up to an unlocked ticket."),
)
