"""What the agent's reply form starts with: recipients, subject and a body made of the
queue's salutation, the template, the queue's signature and the quoted customer text
(OTRS Ticket::Frontend::ResponseFormat)."""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import getaddresses

from django.utils import formats
from django.utils.translation import gettext as _

from ticketry.accounts.models import Agent
from ticketry.core import clock
from ticketry.core.validity import Validity
from ticketry.customers.models import CustomerUser
from ticketry.tickets.models import Article, SenderType, SystemAddress, Ticket

from ..subjects import subject_build
from .tags import quote, replace_tags


@dataclass(frozen=True, slots=True)
class ReplyDraft:
    to: str
    cc: str
    subject: str
    body: str
    in_reply_to: Article


def compose_reply(
    *,
    ticket: Ticket,
    article: Article,
    agent: Agent | None = None,
    reply_all: bool = False,
    template_text: str = "",
) -> ReplyDraft:
    """The pre-filled answer to `article`. The reply goes to its Reply-To or From (to its
    To when an agent or the system wrote it; to the customer on record when it has no
    address); `reply_all` copies its other recipients; the
    customer's address on record is added to Cc when it is missing, as OTRS does."""
    from_customer = article.sender_type_id == SenderType.CUSTOMER
    to = (article.reply_to or article.from_address) if from_customer else article.to_address
    customer_email = _customer_email(ticket)
    if not to.strip():
        # A phone call or note carries no address: answer the customer on record.
        to = customer_email
    ours = _system_addresses()
    taken = {address.lower() for _name, address in getaddresses([to])} | ours
    cc_values = []
    if reply_all:
        others = [article.to_address, article.cc] if from_customer else [article.cc]
        for name, address in getaddresses([value for value in others if value]):
            if address and address.lower() not in taken:
                taken.add(address.lower())
                cc_values.append(_format(name, address))
    if article.is_visible_for_customer and customer_email and customer_email.lower() not in taken:
        cc_values.append(customer_email)
    cc = ", ".join(cc_values)

    def fill(text: str) -> str:
        return replace_tags(text, ticket=ticket, article=article, agent=agent, recipient=to)

    queue = ticket.queue
    parts = []
    if queue.salutation_id and queue.salutation.valid == Validity.VALID:
        parts.append(_paragraph(fill(queue.salutation.text)))
    if template_text.strip():
        parts.append(("\n" if parts else "") + _paragraph(fill(template_text)))
    else:
        # An empty line where the agent starts writing.
        parts.append("\n")
    if queue.signature_id and queue.signature.valid == Validity.VALID:
        parts.append(_paragraph(fill(queue.signature.text)))
    parts.append("\n" + _attribution(article) + "\n")
    quoted = quote(article.body)
    if quoted:
        parts.append(quoted + "\n")
    return ReplyDraft(
        to=to,
        cc=cc,
        subject=subject_build(ticket.tn, article.subject, kind="reply"),
        body="".join(parts),
        in_reply_to=article,
    )


def _paragraph(text: str) -> str:
    text = text.replace("\r\n", "\n")
    return text if text.endswith("\n") else text + "\n"


def _attribution(article: Article) -> str:
    moment = clock.localtime(article.incoming_at or article.created_at)
    sender = ""
    for name, address in getaddresses([article.from_address]):
        sender = name or address
        if sender:
            break
    return _("%(date)s - %(sender)s wrote:") % {
        "date": formats.date_format(moment, "DATETIME_FORMAT"),
        "sender": sender or "-",
    }


def _format(name: str, address: str) -> str:
    try:
        return str(Address(display_name=name, addr_spec=address))
    except (ValueError, IndexError):
        return address


def _system_addresses() -> set[str]:
    names = SystemAddress.objects.filter(valid=Validity.VALID).values_list("name", flat=True)
    return {name.lower() for name in names}


def _customer_email(ticket: Ticket) -> str:
    if not ticket.customer_user_id:
        return ""
    email = (
        CustomerUser.objects.filter(login=ticket.customer_user_id)
        .values_list("email", flat=True)
        .first()
    )
    return email or ""
