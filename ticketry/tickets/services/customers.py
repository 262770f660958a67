"""Which customer a ticket belongs to."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ticketry.core.errors import NotFound
from ticketry.customers.models import CustomerCompany, CustomerUser


def resolve_customer(
    customer_user: str, customer_id: str, *, allow_unknown: bool
) -> tuple[str, str]:
    """Check the customer user and company and fill the company from the user.

    Tickets keep the login and customer ID as strings (as OTRS does); mail from an address
    not in the customer database passes `allow_unknown` and keeps the address.
    """
    customer_user = customer_user.strip()
    customer_id = customer_id.strip()
    if allow_unknown and customer_id:
        # Nothing to check and nothing to fill in (mail from a known sender comes so).
        return customer_user, customer_id
    known = None
    if customer_user:
        known = (
            CustomerUser.objects.filter(login=customer_user)
            .values_list("customer_id", flat=True)
            .first()
        )
        if known is None and not allow_unknown:
            raise NotFound(_("Unknown customer user “%(ref)s”."), ref=customer_user)
        customer_id = customer_id or (known or "")
    # The customer user's own company needs no check: a customer user has it.
    if (
        customer_id
        and customer_id != known
        and not allow_unknown
        and not CustomerCompany.objects.filter(customer_id=customer_id).exists()
        and not CustomerUser.objects.filter(customer_id=customer_id).exists()
    ):
        raise NotFound(_("Unknown customer “%(ref)s”."), ref=customer_id)
    return customer_user, customer_id
