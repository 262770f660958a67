"""Shared set-up of the mail tests: a support address whose queue answers automatically."""

from __future__ import annotations

from ticketry.customers.models import CustomerCompany, CustomerUser
from ticketry.tickets.models import AutoResponse, Queue, QueueAutoResponse, SystemAddress

SUPPORT = "support@example.com"


def support_address(queue_name: str = "Misc", *, auto_responses: bool = True) -> SystemAddress:
    queue = Queue.objects.get(name=queue_name)
    address = SystemAddress.objects.create(name=SUPPORT, realname="Example Support", queue=queue)
    Queue.objects.filter(pk=queue.pk).update(system_address=address)
    if auto_responses:
        for response in AutoResponse.objects.all():
            response.system_address = address
            response.save()
            QueueAutoResponse.objects.create(
                queue=queue, auto_response=response, type_id=response.type_id
            )
    return address


def known_customer() -> CustomerUser:
    CustomerCompany.objects.create(customer_id="acme", name="ACME Corp.")
    return CustomerUser.objects.create(
        login="jdoe",
        email="jdoe@example.com",
        customer_id="acme",
        first_name="John",
        last_name="Doe",
    )
