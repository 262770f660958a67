import base64
import logging
import sys
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.accounts.factories import AgentFactory, grant
from tests.agent.test_zoom import add_articles, note
from tests.tickets.conftest import customer_mail
from ticketry.accounts.models import Agent
from ticketry.agent import pdf
from ticketry.core import clock
from ticketry.tickets.models import DynamicField
from ticketry.tickets.services import (
    AttachmentInput,
    article_create,
    ticket_account_time,
    ticket_set_dynamic_field,
    ticket_set_state,
)

pytestmark = pytest.mark.django_db

PANGO_MISSING = (
    "PDF needs the pango library (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0)"
)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def _pango_missing() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return True
    return False


needs_pango = pytest.mark.skipif(_pango_missing(), reason=PANGO_MISSING)


def pdf_url(ticket_or_id):
    return reverse("agent:ticket_pdf", args=[getattr(ticket_or_id, "pk", ticket_or_id)])


@pytest.fixture
def rendered(monkeypatch):
    """The HTML each request hands to WeasyPrint, which is left out: these tests read the
    document's content, and need no pango."""
    documents = []

    def render(html):
        documents.append(html)
        return b"%PDF-1.7 stand-in"

    monkeypatch.setattr(pdf, "render_pdf", render)
    return documents


@needs_pango
def test_the_pdf_is_a_download_named_like_otrs_names_it(agent_client, agent, make_ticket):
    ticket = make_ticket()
    note(agent, ticket, body="Line one\nLine two")

    response = agent_client.get(pdf_url(ticket))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="Ticket_{ticket.tn}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF-")


def test_the_document_has_the_facts_and_every_article_oldest_first(
    agent_client, agent, make_ticket, rendered
):
    ticket = make_ticket()
    add_articles(agent, ticket, 3)
    note(agent, ticket, body="Line one\nLine two <b>not bold</b>\n  indented")

    response = agent_client.get(pdf_url(ticket))

    html = rendered[0]
    assert response.status_code == 200
    for expected in (
        f"Ticket#{ticket.tn}</span> Printer on fire</h1>",
        "<dd>Raw</dd>",
        "<dd>new</dd>",
        "<dd>3 normal</dd>",
        "<dd>unlocked</dd>",
        "<dd>Alice Adams (alice)</dd>",
        "<dd>Unclassified</dd>",
        "John Doe (jdoe)",
        "ACME Corp. (acme)",
        "Accounted time",
        "Printed by Alice Adams, ",
        "log-1.txt (3\xa0bytes)",
        "visible to customer",
        "Internal",
        '<span class="tag-internal">internal</span>',
        "support@example.com",
        "Line one\nLine two &lt;b&gt;not bold&lt;/b&gt;\n  indented</div>",
    ):
        assert expected in html, expected
    positions = [
        html.index(f"Article #{number}: {subject}")
        for number, subject in ((1, "Printer on fire"), (2, "Mail 0"), (4, "Mail 2"), (5, "Note"))
    ]
    assert positions == sorted(positions)
    assert "size: A4" in html
    assert '"Page " counter(page) " of " counter(pages)' in html
    assert "<b>" not in html


def test_dynamic_fields_time_and_pending_time_are_among_the_facts(
    agent_client, agent, make_ticket, rendered
):
    clock.freeze(datetime(2025, 1, 15, 10, 0, tzinfo=UTC))
    ticket = make_ticket()
    DynamicField.objects.create(
        name="Hardware",
        label="Hardware model",
        field_type=DynamicField.FieldType.DROPDOWN,
        object_type=DynamicField.ObjectType.TICKET,
        config={"possible_values": {"lj4": "LaserJet 4"}},
    )
    ticket_set_dynamic_field(actor=agent.actor, ticket=ticket, field="Hardware", value="lj4")
    ticket_account_time(actor=agent.actor, ticket=ticket, time_units="2.5")
    ticket_set_state(
        actor=agent.actor,
        ticket=ticket,
        state="pending reminder",
        pending_until=datetime(2025, 1, 20, 8, 0, tzinfo=UTC),
    )
    clock.freeze(datetime(2025, 1, 17, 10, 0, tzinfo=UTC))

    agent_client.get(pdf_url(ticket))

    html = rendered[0]
    assert "<dt>Hardware model</dt><dd>LaserJet 4</dd>" in html
    assert "<dd>2.50</dd>" in html
    assert "Pending until" in html and 'datetime="2025-01-20T08:00:00+00:00"' in html
    assert "<dd>2\xa0days</dd>" in html


def test_times_are_in_the_agents_time_zone(agent_client, agent, make_ticket, rendered):
    clock.freeze(datetime(2025, 1, 15, 10, 0, tzinfo=UTC))
    ticket = make_ticket()
    Agent.objects.filter(pk=agent.pk).update(time_zone="Asia/Tokyo")

    agent_client.get(pdf_url(ticket))

    html = rendered[0]
    assert html.count('datetime="2025-01-15T19:00:00+09:00"') == 2  # created, first article
    assert "01/15/2025 19:00" in html
    assert "Printed by Alice Adams, 01/15/2025 19:00" in html


def test_every_attachment_is_listed_with_its_size(agent_client, agent, make_ticket, rendered):
    ticket = make_ticket()
    article_create(
        actor=agent.actor,
        ticket=ticket,
        article=customer_mail(
            subject="Screenshot",
            body="See the picture.",
            body_html='<p>See <img src="cid:shot@x"></p>',
            attachments=[AttachmentInput("shot.png", PNG, "image/png", content_id="<shot@x>")],
        ),
    )

    agent_client.get(pdf_url(ticket))

    # The HTML version is not in the PDF, so its inline images are listed too.
    assert "shot.png (" in rendered[0]


@pytest.mark.parametrize("count", [3, 30])
def test_the_pdf_reads_a_fixed_number_of_queries(
    agent_client, agent, make_ticket, rendered, count, django_assert_num_queries
):
    ticket = make_ticket()
    add_articles(agent, ticket, count)
    agent_client.get(pdf_url(ticket))

    with django_assert_num_queries(14):
        response = agent_client.get(pdf_url(ticket))

    assert response.status_code == 200
    assert rendered[-1].count('<section class="article') == count + 1


def test_agents_without_access_get_404_like_the_zoom(client, outsider, make_ticket, rendered):
    ticket = make_ticket()
    client.force_login(outsider)

    hidden = client.get(pdf_url(ticket))
    unknown = client.get(pdf_url(ticket.pk + 1000))

    assert hidden.status_code == unknown.status_code == 404
    assert f"Unknown ticket “{ticket.pk}”" in hidden.content.decode()
    assert rendered == []


def test_read_only_agents_may_print(client, users_group, make_ticket, rendered):
    reader = AgentFactory(login="rita", first_name="Rita", last_name="Reader")
    grant(reader, users_group, "ro")
    client.force_login(reader)

    response = client.get(pdf_url(make_ticket()))

    assert response.status_code == 200
    assert "Printed by Rita Reader" in rendered[0]


def test_signed_out_visitors_are_sent_to_the_login(client, make_ticket):
    url = pdf_url(make_ticket())

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("agent:login"))


def test_without_pango_the_agent_learns_what_is_missing(agent_client, make_ticket, monkeypatch):
    # A None entry makes `import weasyprint` fail as on a server without pango.
    monkeypatch.setitem(sys.modules, "weasyprint", None)

    response = agent_client.get(pdf_url(make_ticket()))

    assert response.status_code == 503
    page = response.content.decode()
    assert "pango" in page and "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in page


def test_the_zoom_and_print_view_link_to_the_pdf(agent_client, make_ticket):
    ticket = make_ticket()

    zoom = agent_client.get(reverse("agent:ticket_zoom", args=[ticket.pk]))
    printable = agent_client.get(reverse("agent:ticket_print", args=[ticket.pk]))

    assert f'href="{pdf_url(ticket)}"' in zoom.content.decode()
    assert f'href="{pdf_url(ticket)}"' in printable.content.decode()


@needs_pango
def test_weasyprint_loads_nothing(tmp_path, caplog):
    image = tmp_path / "logo.png"
    image.write_bytes(PNG)
    html = (
        f'<link rel="stylesheet" href="{(tmp_path / "x.css").as_uri()}">'
        f'<img src="{image.as_uri()}"><img src="https://example.com/track.png">'
        f'<img src="data:image/png;base64,{base64.b64encode(PNG).decode()}">'
    )

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        document = pdf.render_pdf(html)

    assert document.startswith(b"%PDF-")
    refused = [record for record in caplog.records if "load no resources" in record.getMessage()]
    assert len(refused) == 4


@pytest.mark.parametrize(
    ("text", "css"),
    [
        ("Page %(page)s of %(pages)s", '"Page " counter(page) " of " counter(pages)'),
        ("%(page)s/%(pages)s", 'counter(page) "\\00002f" counter(pages)'),
        ("Seite %(page)s", '"Seite " counter(page)'),
        (
            '"</style>%(other)s',
            '"\\000022\\00003c\\00002fstyle\\00003e" "\\000025\\000028other\\000029s"',
        ),
    ],
)
def test_page_numbers_become_css_counters_and_escaped_strings(text, css):
    assert pdf.page_numbers_css(text) == css
