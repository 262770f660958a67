"""The ticket settings an admin may change (core.sysconfig), under their OTRS names."""

from django.utils.translation import gettext_lazy as _

from ticketry.core.sysconfig import register

register(
    "Ticket::StateAfterPending",
    {"pending auto close+": "closed successful", "pending auto close-": "closed unsuccessful"},
    _("The state a pending-auto ticket gets when its pending time has passed, by its state."),
)
