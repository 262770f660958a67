"""Ticket history rows as sentences: OTRS's type names and `%%` argument lists, made readable."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

Args = Sequence[str]

# A pending time of "00-00-00 00:00" is how OTRS records that the pending time was cleared.
NO_PENDING_TIME = "00-00-00 00:00"
# How OTRS writes "no service" or "no SLA" in ServiceUpdate and SLAUpdate rows.
NO_VALUE = "NULL"
# No history type has more arguments than this.
MAX_ARGS = 6


def parse_history_args(name: str) -> list[str]:
    """The arguments of a history name: `%%a%%b` gives ["a", "b"]; a plain name is one."""
    if not name.startswith("%%"):
        return [name]
    return name.split("%%")[1:]


def history_type_label(history_type: str) -> str:
    """The history type in words, translated; the name itself for a type added later."""
    label = HISTORY_TYPE_LABELS.get(history_type)
    return str(label) if label is not None else history_type


def history_text(history_type: str, name: str) -> str:
    """A translated sentence for one history row; the name itself for unknown types."""
    formatter = _FORMATTERS.get(history_type)
    if formatter is None:
        return name
    # Older rows may carry fewer arguments than today's: a missing one reads as empty.
    return formatter([*parse_history_args(name), *[""] * MAX_ARGS])


def _translated(value: str) -> str:
    # States, priorities and fixed comments are stored in English and translated on display.
    return _(value) if value else value


def _optional(value: str) -> str:
    return _("none") if value in ("", NO_VALUE) else value


def _with_comment(sentence: str, comment: str) -> str:
    if not comment:
        return sentence
    return _("%(sentence)s (%(comment)s)") % {"sentence": sentence, "comment": _translated(comment)}


def _new_ticket(a: Args) -> str:
    return _(
        "Created ticket %(tn)s in “%(queue)s” with priority “%(priority)s” and state “%(state)s”."
    ) % {"tn": a[0], "queue": a[1], "priority": _translated(a[2]), "state": _translated(a[3])}


def _follow_up(a: Args) -> str:
    if a[0] == "Follow up rejected.":
        return _("Rejected a follow-up to a closed ticket.")
    if a[0] and a[1]:
        return _("Added follow-up to ticket %(tn)s (%(comment)s).") % {
            "tn": a[0],
            "comment": _translated(a[1]),
        }
    if a[0]:
        return _("Added follow-up to ticket %(tn)s.") % {"tn": a[0]}
    return _("Added follow-up.")


def _recipient(sentence: Promise) -> Callable[[Args], str]:
    return lambda a: str(sentence) % {"to": a[0]}


def _email_agent(a: Args) -> str:
    if a[0]:
        return _("Sent email to “%(to)s”.") % {"to": a[0]}
    return _("Sent email to customer.")


def _email_customer(a: Args) -> str:
    if a[0]:
        return _("Added email (%(comment)s).") % {"comment": _translated(a[0])}
    return _("Added email.")


def _add_note(a: Args) -> str:
    if a[0]:
        return _("Added note (%(comment)s).") % {"comment": _translated(a[0])}
    return _("Added note.")


def _system_request(a: Args) -> str:
    if a[0]:
        return _("Added system request (%(comment)s).") % {"comment": _translated(a[0])}
    return _("Added system request.")


def _move(a: Args) -> str:
    return _("Changed queue from “%(old)s” to “%(new)s”.") % {"old": a[2], "new": a[0]}


def _time_accounting(a: Args) -> str:
    return _("Accounted time: %(units)s (total %(total)s).") % {
        "units": a[0],
        "total": a[1],
    }


def _customer_update(a: Args) -> str:
    # "CustomerID=acme;CustomerUser=jdoe;"
    values = dict(part.split("=", 1) for part in a[0].split(";") if "=" in part)
    user = values.get("CustomerUser", "")
    company = values.get("CustomerID", "")
    if not user and not company:
        return _("Removed the customer.")
    return _("Changed customer to “%(user)s” (customer ID “%(company)s”).") % {
        "user": _optional(user),
        "company": _optional(company),
    }


def _priority_update(a: Args) -> str:
    return _("Changed priority from “%(old)s” to “%(new)s”.") % {
        "old": _translated(a[0]),
        "new": _translated(a[2]),
    }


def _misc(a: Args) -> str:
    if a[0] == "tmp_lock":
        return _("Locked ticket for the time of an action.")
    message = _translated(a[0])
    details = ", ".join(value for value in a[1:] if value)
    return _with_comment(message, details) if details else message


def _pending_time(a: Args) -> str:
    if a[0] in ("", NO_PENDING_TIME):
        return _("Removed the pending time.")
    return _("Changed pending time to “%(time)s”.") % {"time": a[0]}


def _state_update(a: Args) -> str:
    return _("Changed state from “%(old)s” to “%(new)s”.") % {
        "old": _translated(a[0]),
        "new": _translated(a[1]),
    }


def _dynamic_field_update(a: Args) -> str:
    # "%%FieldName%%Name%%Value%%new%%OldValue%%old": keys and values alternate.
    values = dict(zip(a[0::2], a[1::2], strict=False))
    return _("Changed dynamic field %(field)s from “%(old)s” to “%(new)s”.") % {
        "field": values.get("FieldName", ""),
        "old": values.get("OldValue", ""),
        "new": values.get("Value", ""),
    }


def _merged(a: Args) -> str:
    return _("Merged ticket %(source)s into ticket %(target)s.") % {"source": a[0], "target": a[2]}


def _from_to(sentence: Promise) -> Callable[[Args], str]:
    # Type, service and SLA rows name the new value first, then the old one.
    return lambda a: str(sentence) % {"new": _optional(a[0]), "old": _optional(a[2])}


def _archive(a: Args) -> str:
    if a[0] == "y":
        return _("Archived the ticket.")
    return _("Restored the ticket from the archive.")


def _title_update(a: Args) -> str:
    return _("Changed title from “%(old)s” to “%(new)s”.") % {"old": a[0], "new": a[1]}


def _agent_notification(a: Args) -> str:
    return _("Sent notification “%(notification)s” to “%(to)s” via %(transport)s.") % {
        "notification": _(a[0]),
        "to": a[1],
        "transport": a[2] or _("email"),
    }


def _fixed(sentence: Promise) -> Callable[[Args], str]:
    return lambda a: str(sentence)


_FORMATTERS: dict[str, Callable[[Args], str]] = {
    "NewTicket": _new_ticket,
    "FollowUp": _follow_up,
    "SendAutoReject": _recipient(gettext_lazy("Sent auto reject to “%(to)s”.")),
    "SendAutoReply": _recipient(gettext_lazy("Sent auto reply to “%(to)s”.")),
    "SendAutoFollowUp": _recipient(gettext_lazy("Sent auto follow-up to “%(to)s”.")),
    "Forward": _recipient(gettext_lazy("Forwarded to “%(to)s”.")),
    "Bounce": _recipient(gettext_lazy("Bounced to “%(to)s”.")),
    "SendAnswer": _recipient(gettext_lazy("Sent email to “%(to)s”.")),
    "SendAgentNotification": _agent_notification,
    "SendCustomerNotification": _recipient(gettext_lazy("Sent notification to “%(to)s”.")),
    "EmailAgent": _email_agent,
    "EmailCustomer": _email_customer,
    "EmailResend": _recipient(gettext_lazy("Resent email to “%(to)s”.")),
    "PhoneCallAgent": _fixed(gettext_lazy("Added phone call to customer.")),
    "PhoneCallCustomer": _fixed(gettext_lazy("Added phone call from customer.")),
    "WebRequestCustomer": _fixed(gettext_lazy("Added web request from customer.")),
    "SystemRequest": _system_request,
    "AddNote": _add_note,
    "Move": _move,
    "Lock": _fixed(gettext_lazy("Locked ticket.")),
    "Unlock": _fixed(gettext_lazy("Unlocked ticket.")),
    "TimeAccounting": _time_accounting,
    "CustomerUpdate": _customer_update,
    "PriorityUpdate": _priority_update,
    "OwnerUpdate": lambda a: _("Changed owner to “%(agent)s”.") % {"agent": a[0]},
    "ResponsibleUpdate": lambda a: _("Changed responsible agent to “%(agent)s”.") % {"agent": a[0]},
    "LoopProtection": _recipient(
        gettext_lazy("Loop protection: no auto-response sent to “%(to)s”.")
    ),
    "Misc": _misc,
    "Remove": _misc,
    "SetPendingTime": _pending_time,
    "StateUpdate": _state_update,
    "TicketDynamicFieldUpdate": _dynamic_field_update,
    "TicketLinkAdd": lambda a: _("Added link to ticket %(tn)s.") % {"tn": a[0]},
    "TicketLinkDelete": lambda a: _("Deleted link to ticket %(tn)s.") % {"tn": a[0]},
    "Merged": _merged,
    "Subscribe": lambda a: _("Added subscription for “%(agent)s”.") % {"agent": a[0]},
    "Unsubscribe": lambda a: _("Removed subscription for “%(agent)s”.") % {"agent": a[0]},
    "TypeUpdate": _from_to(gettext_lazy("Changed type from “%(old)s” to “%(new)s”.")),
    "ServiceUpdate": _from_to(gettext_lazy("Changed service from “%(old)s” to “%(new)s”.")),
    "SLAUpdate": _from_to(gettext_lazy("Changed SLA from “%(old)s” to “%(new)s”.")),
    "ArchiveFlagUpdate": _archive,
    "TitleUpdate": _title_update,
    "EscalationResponseTimeStart": _fixed(gettext_lazy("Escalation response time in effect.")),
    "EscalationUpdateTimeStart": _fixed(gettext_lazy("Escalation update time in effect.")),
    "EscalationSolutionTimeStart": _fixed(gettext_lazy("Escalation solution time in effect.")),
    "EscalationResponseTimeStop": _fixed(gettext_lazy("Escalation response time finished.")),
    "EscalationUpdateTimeStop": _fixed(gettext_lazy("Escalation update time finished.")),
    "EscalationSolutionTimeStop": _fixed(gettext_lazy("Escalation solution time finished.")),
    "EscalationResponseTimeNotifyBefore": _fixed(
        gettext_lazy("Escalation response time forewarned.")
    ),
    "EscalationUpdateTimeNotifyBefore": _fixed(gettext_lazy("Escalation update time forewarned.")),
    "EscalationSolutionTimeNotifyBefore": _fixed(
        gettext_lazy("Escalation solution time forewarned.")
    ),
}


# The Action column of the history screen: OTRS's 51 history types in words.
HISTORY_TYPE_LABELS: dict[str, Promise] = {
    "NewTicket": pgettext_lazy("history type", "New ticket"),
    "FollowUp": pgettext_lazy("history type", "Follow-up"),
    "SendAutoReject": pgettext_lazy("history type", "Auto reject sent"),
    "SendAutoReply": pgettext_lazy("history type", "Auto reply sent"),
    "SendAutoFollowUp": pgettext_lazy("history type", "Auto follow-up sent"),
    "Forward": pgettext_lazy("history type", "Forwarded"),
    "Bounce": pgettext_lazy("history type", "Bounced"),
    "SendAnswer": pgettext_lazy("history type", "Answer sent"),
    "SendAgentNotification": pgettext_lazy("history type", "Agent notification sent"),
    "SendCustomerNotification": pgettext_lazy("history type", "Customer notification sent"),
    "EmailAgent": pgettext_lazy("history type", "Email to customer"),
    "EmailCustomer": pgettext_lazy("history type", "Email from customer"),
    "PhoneCallAgent": pgettext_lazy("history type", "Phone call to customer"),
    "PhoneCallCustomer": pgettext_lazy("history type", "Phone call from customer"),
    "AddNote": pgettext_lazy("history type", "Note added"),
    "Move": pgettext_lazy("history type", "Moved"),
    "Lock": pgettext_lazy("history type", "Locked"),
    "Unlock": pgettext_lazy("history type", "Unlocked"),
    "Remove": pgettext_lazy("history type", "Removed"),
    "TimeAccounting": pgettext_lazy("history type", "Time accounted"),
    "CustomerUpdate": pgettext_lazy("history type", "Customer changed"),
    "PriorityUpdate": pgettext_lazy("history type", "Priority changed"),
    "OwnerUpdate": pgettext_lazy("history type", "Owner changed"),
    "LoopProtection": pgettext_lazy("history type", "Loop protection"),
    "Misc": pgettext_lazy("history type", "Miscellaneous"),
    "SetPendingTime": pgettext_lazy("history type", "Pending time set"),
    "StateUpdate": pgettext_lazy("history type", "State changed"),
    "TicketDynamicFieldUpdate": pgettext_lazy("history type", "Dynamic field changed"),
    "WebRequestCustomer": pgettext_lazy("history type", "Web request from customer"),
    "TicketLinkAdd": pgettext_lazy("history type", "Link added"),
    "TicketLinkDelete": pgettext_lazy("history type", "Link removed"),
    "SystemRequest": pgettext_lazy("history type", "System request"),
    "Merged": pgettext_lazy("history type", "Tickets merged"),
    "ResponsibleUpdate": pgettext_lazy("history type", "Responsible changed"),
    "Subscribe": pgettext_lazy("history type", "Watching started"),
    "Unsubscribe": pgettext_lazy("history type", "Watching stopped"),
    "TypeUpdate": pgettext_lazy("history type", "Type changed"),
    "ServiceUpdate": pgettext_lazy("history type", "Service changed"),
    "SLAUpdate": pgettext_lazy("history type", "SLA changed"),
    "ArchiveFlagUpdate": pgettext_lazy("history type", "Archive flag changed"),
    "EscalationSolutionTimeStop": pgettext_lazy("history type", "Solution time stopped"),
    "EscalationResponseTimeStart": pgettext_lazy("history type", "Response time started"),
    "EscalationUpdateTimeStart": pgettext_lazy("history type", "Update time started"),
    "EscalationSolutionTimeStart": pgettext_lazy("history type", "Solution time started"),
    "EscalationResponseTimeNotifyBefore": pgettext_lazy(
        "history type", "Response time forewarning"
    ),
    "EscalationUpdateTimeNotifyBefore": pgettext_lazy("history type", "Update time forewarning"),
    "EscalationSolutionTimeNotifyBefore": pgettext_lazy(
        "history type", "Solution time forewarning"
    ),
    "EscalationResponseTimeStop": pgettext_lazy("history type", "Response time stopped"),
    "EscalationUpdateTimeStop": pgettext_lazy("history type", "Update time stopped"),
    "TitleUpdate": pgettext_lazy("history type", "Title changed"),
    "EmailResend": pgettext_lazy("history type", "Email resent"),
}
