"""Reads about customers that other apps need."""

from .models import CustomerUser, CustomerUserCompany


def customer_ids_of(login: str) -> set[str]:
    """Every customer ID a customer user may see tickets of: the primary and the further ones."""
    primary = CustomerUser.objects.filter(login=login).values_list("customer_id", flat=True)
    further = CustomerUserCompany.objects.filter(customer_user__login=login).values_list(
        "company__customer_id", flat=True
    )
    return {cid for cid in (*primary, *further) if cid}
