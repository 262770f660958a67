import base64
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.factories import AgentFactory, GroupFactory, grant
from tests.tickets.conftest import customer_mail
from ticketry.agent import zoom
from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.mail.outbound import send_email_article
from ticketry.tickets.models import ArticleFlag, DynamicField, Queue, Ticket, TicketFlag
from ticketry.tickets.services import (
    ArticleInput,
    AttachmentInput,
    article_create,
    ticket_account_time,
    ticket_link_add,
    ticket_set_dynamic_field,
    ticket_set_state,
)

pytestmark = pytest.mark.django_db

THREAD = {"HX-Request": "true", "HX-Target": "article-thread"}
HEADER = {"HX-Request": "true", "HX-Target": "zoom-header"}


def zoom_url(ticket, **query):
    url = reverse("agent:ticket_zoom", args=[ticket.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def note(agent, ticket, body="Checked the toner.", **overrides):
    values = {"subject": "Note", "body": body, "history_comment": "%%Note"}
    values.update(overrides)
    return article_create(actor=agent.actor, ticket=ticket, article=ArticleInput(**values))


def add_articles(agent, ticket, count):
    for number in range(count):
        article_create(
            actor=agent.actor,
            ticket=ticket,
            article=customer_mail(
                subject=f"Mail {number}",
                body=f"Body {number}",
                attachments=[AttachmentInput(f"log-{number}.txt", b"log", "text/plain")],
            ),
        )


def html_mail(agent, ticket, html, **overrides):
    return article_create(
        actor=agent.actor,
        ticket=ticket,
        article=customer_mail(
            subject="Newsletter", body="Plain text version", body_html=html, **overrides
        ),
    )


def test_zoom_shows_the_ticket_and_its_customer(agent_client, make_ticket):
    ticket = make_ticket()

    response = agent_client.get(zoom_url(ticket))

    assert response.status_code == 200
    page = response.content.decode()
    for expected in (
        ticket.tn,
        "Printer on fire",
        "Raw",
        "3 normal",
        "<dd>unlocked</dd>",
        '<span class="badge">Customer</span>',
        "John Doe",
        "(jdoe)",
        "ACME Corp.",
        "jdoe@example.com",
        "The printer in room 4 is smoking.",
        "actions-bar",
        reverse("agent:ticket_history", args=[ticket.pk]),
        reverse("agent:ticket_print", args=[ticket.pk]),
    ):
        assert expected in page, expected
    assert response.context["thread"].total == 1


def test_opening_the_zoom_marks_the_ticket_seen(agent_client, agent, make_ticket):
    ticket = make_ticket()

    agent_client.get(zoom_url(ticket))

    assert TicketFlag.objects.filter(ticket=ticket, agent=agent, key="Seen").exists()


def unseen_subjects(response) -> list[str]:
    return [item.article.subject for item in response.context["thread"].articles if item.unseen]


def test_new_articles_are_marked_once_per_agent(agent_client, agent, other_agent, make_ticket):
    ticket = make_ticket(article=customer_mail(subject="Printer on fire"))
    note(agent, ticket, subject="My own note")

    first = agent_client.get(zoom_url(ticket))

    assert unseen_subjects(first) == ["Printer on fire"]
    assert 'class="badge badge-unseen"' in first.content.decode()
    assert ArticleFlag.objects.filter(agent=agent, key="Seen").count() == 1
    assert unseen_subjects(agent_client.get(zoom_url(ticket))) == []

    note(other_agent, ticket, subject="Called the customer")
    assert not TicketFlag.objects.filter(ticket=ticket, agent=agent).exists()
    assert unseen_subjects(agent_client.get(zoom_url(ticket))) == ["Called the customer"]
    assert TicketFlag.objects.filter(ticket=ticket, agent=agent, key="Seen").exists()
    assert not ArticleFlag.objects.filter(agent=other_agent).exists()


def test_thread_partial_for_htmx(agent_client, make_ticket):
    ticket = make_ticket()

    response = agent_client.get(zoom_url(ticket, order="desc"), headers=THREAD)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.startswith('<section id="article-thread"')
    assert "<html" not in page and "Customer information" not in page
    assert "The printer in room 4 is smoking." in page


def test_header_partial_for_htmx(agent_client, make_ticket):
    ticket = make_ticket()

    response = agent_client.get(zoom_url(ticket), headers=HEADER)

    page = response.content.decode()
    assert page.startswith('<section id="zoom-header"')
    assert ticket.tn in page and "<html" not in page


def test_other_htmx_requests_get_the_whole_page(agent_client, make_ticket):
    # An htmx form that redirects here after an action expects the page, not a region.
    ticket = make_ticket()

    response = agent_client.get(zoom_url(ticket), headers={"HX-Request": "true"})

    assert "<html" in response.content.decode()


@pytest.mark.parametrize(
    "name", ["ticket_zoom", "ticket_history", "ticket_print", "article_html", "article_raw"]
)
def test_outsiders_do_not_learn_that_the_ticket_exists(client, outsider, make_ticket, name):
    ticket = make_ticket()
    article = ticket.articles.get()
    client.force_login(outsider)
    args = [ticket.pk, article.pk] if name.startswith("article") else [ticket.pk]

    response = client.get(reverse(f"agent:{name}", args=args))

    assert response.status_code == 404
    assert ticket.title not in response.content.decode()


def test_unknown_ticket_is_404(agent_client):
    assert agent_client.get(reverse("agent:ticket_zoom", args=[999999])).status_code == 404


def test_internal_articles_are_marked(agent_client, agent, make_ticket):
    ticket = make_ticket()
    internal = note(agent, ticket)

    page = agent_client.get(zoom_url(ticket)).content.decode()

    assert f'<article id="article-{internal.pk}" class="article article-internal"' in page
    visible = ticket.articles.order_by("id").first()
    assert f'<article id="article-{visible.pk}" class="article article-unseen"' in page
    assert "internal" in page and "visible to customer" in page


def test_article_body_is_escaped_text(agent_client, agent, make_ticket):
    ticket = make_ticket()
    note(agent, ticket, body="<b>bold</b> & <script>alert(1)</script>")

    page = agent_client.get(zoom_url(ticket)).content.decode()

    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_html_mail_is_shown_only_in_a_sandboxed_frame(agent_client, agent, make_ticket):
    ticket = make_ticket()
    article = html_mail(
        agent,
        ticket,
        '<p onclick="steal()">Hello</p><script>alert("x")</script>'
        '<img src="http://tracker.example/pixel.gif" alt="pixel">',
    )

    page = agent_client.get(zoom_url(ticket)).content.decode()

    frame_url = reverse("agent:article_html", args=[ticket.pk, article.pk])
    assert f'<iframe sandbox="" class="article-html" src="{frame_url}"' in page
    assert 'alert("x")' not in page and "steal()" not in page
    assert "tracker.example" not in page
    assert "allow-scripts" not in page and "allow-same-origin" not in page


def test_article_html_is_sanitised_and_locked_down(agent_client, agent, make_ticket):
    ticket = make_ticket()
    article = html_mail(
        agent,
        ticket,
        '<p onclick="steal()" style="color: red">Hello</p><script>alert("x")</script>'
        '<img src="http://tracker.example/pixel.gif" alt="pixel">',
    )

    response = agent_client.get(reverse("agent:article_html", args=[ticket.pk, article.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and policy.endswith("sandbox")
    assert "img-src data: cid:;" in policy and "http" not in policy
    assert "script-src" not in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in html and "alert" not in html and "onclick" not in html
    assert "tracker.example" not in html
    assert '<img alt="pixel">' in html
    assert 'style="color:red"' in html and "Hello" in html


def logo_mail(agent, ticket, logo=b"\x89PNG-logo"):
    return html_mail(
        agent,
        ticket,
        '<p>Our logo:</p><img src="cid:logo@example.com" alt="logo">',
        attachments=[
            AttachmentInput(
                "logo.png", logo, "image/png", content_id="logo@example.com", disposition="inline"
            ),
            AttachmentInput("terms.pdf", b"%PDF", "application/pdf"),
        ],
    )


def test_inline_images_are_embedded_in_the_frame(agent_client, agent, make_ticket):
    # The sandboxed frame sends no session cookie, so the image travels inside the document.
    ticket = make_ticket()
    article = logo_mail(agent, ticket)
    logo, terms = article.attachments.order_by("id")

    html = agent_client.get(
        reverse("agent:article_html", args=[ticket.pk, article.pk])
    ).content.decode()
    page = agent_client.get(zoom_url(ticket)).content.decode()

    encoded = base64.b64encode(b"\x89PNG-logo").decode()
    assert f'<img src="data:image/png;base64,{encoded}" alt="logo">' in html
    assert "cid:" not in html
    assert reverse("agent:attachment_download", args=[ticket.pk, logo.pk]) not in page
    assert reverse("agent:attachment_download", args=[ticket.pk, terms.pk]) in page
    assert "terms.pdf" in page and "application/pdf" in page


def test_the_list_leaves_out_exactly_the_images_the_html_names_by_content_id(
    agent_client, agent, make_ticket
):
    ticket = make_ticket()
    article = html_mail(
        agent,
        ticket,
        # The first URL is percent-encoded (RFC 2392); "cid:logo" does not name "logo2".
        '<img src="cid:chart%40example.com"><img src="cid:logo2">',
        attachments=[
            AttachmentInput("chart.png", b"\x89PNG", "image/png", content_id="chart@example.com"),
            AttachmentInput("logo.png", b"\x89PNG", "image/png", content_id="logo"),
        ],
    )
    chart, logo = article.attachments.order_by("id")

    page = agent_client.get(zoom_url(ticket)).content.decode()

    assert reverse("agent:attachment_download", args=[ticket.pk, chart.pk]) not in page
    assert reverse("agent:attachment_download", args=[ticket.pk, logo.pk]) in page


def test_too_large_inline_images_are_listed_instead(agent_client, agent, make_ticket, monkeypatch):
    monkeypatch.setattr(zoom, "MAX_EMBEDDED_IMAGE_BYTES", 4)
    ticket = make_ticket()
    article = logo_mail(agent, ticket)
    logo = article.attachments.get(filename="logo.png")

    html = agent_client.get(
        reverse("agent:article_html", args=[ticket.pk, article.pk])
    ).content.decode()
    page = agent_client.get(zoom_url(ticket)).content.decode()

    assert '<img alt="logo">' in html
    assert reverse("agent:attachment_download", args=[ticket.pk, logo.pk]) in page


def test_article_html_of_a_plain_article_is_404(agent_client, make_ticket):
    ticket = make_ticket()
    article = ticket.articles.get()

    url = reverse("agent:article_html", args=[ticket.pk, article.pk])

    assert agent_client.get(url).status_code == 404


def test_article_of_another_ticket_is_404(agent_client, agent, make_ticket):
    ticket, other = make_ticket(), make_ticket()
    article = html_mail(agent, other, "<p>Hi</p>")

    url = reverse("agent:article_html", args=[ticket.pk, article.pk])

    assert agent_client.get(url).status_code == 404


def test_attachments_are_listed_with_size_and_type(agent_client, agent, make_ticket):
    ticket = make_ticket()
    add_articles(agent, ticket, 1)
    attachment = ticket.articles.order_by("id").last().attachments.get()

    page = agent_client.get(zoom_url(ticket)).content.decode()

    assert reverse("agent:attachment_download", args=[ticket.pk, attachment.pk]) in page
    assert "log-0.txt" in page and "3\xa0bytes, text/plain" in page


def test_only_the_newest_articles_are_shown_until_asked(agent_client, agent, make_ticket):
    ticket = make_ticket()
    add_articles(agent, ticket, 34)

    page = agent_client.get(zoom_url(ticket)).content.decode()

    assert "Show 5 older articles" in page
    assert "Mail 3<" not in page and "Mail 4<" in page and "Mail 33<" in page
    assert page.index("Mail 4<") < page.index("Mail 33<")
    assert "?articles=all&amp;order=asc" in page

    everything = agent_client.get(zoom_url(ticket, articles="all"), headers=THREAD)

    page = everything.content.decode()
    assert len(everything.context["thread"].articles) == 35
    assert "The printer in room 4 is smoking." in page and "older articles" not in page


def test_newest_first_on_request(agent_client, agent, make_ticket):
    ticket = make_ticket()
    add_articles(agent, ticket, 2)

    page = agent_client.get(zoom_url(ticket, order="desc")).content.decode()

    assert page.index("Mail 1<") < page.index("Mail 0<") < page.index("room 4 is smoking")


def test_raw_message_link_when_the_article_has_one(agent_client, agent, make_ticket):
    ticket = make_ticket(article=customer_mail(raw_message=b"Subject: hi\r\n\r\nhello\r\n"))
    article = ticket.articles.get()

    page = agent_client.get(zoom_url(ticket)).content.decode()

    assert reverse("agent:article_raw", args=[ticket.pk, article.pk]) in page


def test_an_answer_offers_its_raw_message_and_a_bounce(agent_client, agent, make_ticket):
    ticket = make_ticket()
    answer = send_email_article(
        actor=agent.actor, ticket=ticket, to="jdoe@example.com", subject="Re", body="On it.\n"
    )

    page = agent_client.get(zoom_url(ticket)).content.decode()

    assert reverse("agent:article_raw", args=[ticket.pk, answer.pk]) in page
    assert reverse("agent:ticket_bounce", args=[ticket.pk, answer.pk]) in page
    first = ticket.articles.order_by("id").first()
    assert reverse("agent:article_raw", args=[ticket.pk, first.pk]) not in page
    assert reverse("agent:ticket_bounce", args=[ticket.pk, first.pk]) not in page


def test_escalation_times_past_are_marked(agent_client, make_ticket):
    ticket = make_ticket()
    now = clock.now()
    Ticket.objects.filter(pk=ticket.pk).update(  # setting up what the SLA engine would write
        escalation_response_at=now - timedelta(hours=1),
        escalation_solution_at=now + timedelta(days=2),
    )

    page = agent_client.get(zoom_url(ticket)).content.decode()

    assert "First response due" in page and "Solution due" in page
    assert page.count('class="escalated"') == 1
    assert "overdue" in page


def test_pending_time_dynamic_fields_and_accounted_time(agent_client, agent, make_ticket):
    ticket = make_ticket()
    until = clock.now() + timedelta(days=1)
    ticket_set_state(
        actor=agent.actor, ticket=ticket, state="pending reminder", pending_until=until
    )
    DynamicField.objects.create(
        name="Hardware",
        label="Hardware model",
        field_type=DynamicField.FieldType.DROPDOWN,
        object_type=DynamicField.ObjectType.TICKET,
        config={"possible_values": {"lj4": "LaserJet 4"}},
    )
    ticket_set_dynamic_field(actor=agent.actor, ticket=ticket, field="Hardware", value="lj4")
    ticket_account_time(actor=agent.actor, ticket=ticket, time_units="1.5")
    ticket_account_time(actor=agent.actor, ticket=ticket, time_units=2)

    response = agent_client.get(zoom_url(ticket))

    page = response.content.decode()
    assert "Pending until" in page
    assert "Hardware model" in page and "LaserJet 4" in page
    assert response.context["facts"].accounted_time == 3.5
    assert "<dd>3.50</dd>" in page or "<dd>3.5</dd>" in page


def test_customer_panel_lists_their_other_open_tickets(agent_client, agent, make_ticket):
    ticket = make_ticket()
    other = make_ticket(title="Scanner jammed")
    closed = make_ticket(title="Old request")
    ticket_set_state(actor=agent.actor, ticket=closed, state="closed successful")
    hidden_queue = Queue.objects.create(name="HR", group=GroupFactory(name="hr"))
    hidden = make_ticket(actor=Actor.system(), queue=hidden_queue, title="Salary question")

    response = agent_client.get(zoom_url(ticket))

    panel = response.context["facts"].customer
    assert [t.pk for t in panel.open_tickets] == [other.pk]
    page = response.content.decode()
    assert "Scanner jammed" in page
    assert "Old request" not in page and hidden.title not in page


def test_linked_tickets_both_ways_and_only_visible_ones(agent_client, agent, make_ticket):
    ticket = make_ticket()
    parent = make_ticket(title="Office move")
    normal = make_ticket(title="Printer order")
    hidden_queue = Queue.objects.create(name="HR", group=GroupFactory(name="hr"))
    hidden = make_ticket(actor=Actor.system(), queue=hidden_queue, title="Salary question")
    ticket_link_add(actor=agent.actor, source=parent, target=ticket, link_type="ParentChild")
    ticket_link_add(actor=agent.actor, source=ticket, target=normal)
    ticket_link_add(actor=Actor.system(), source=ticket, target=hidden)

    response = agent_client.get(zoom_url(ticket))

    links = [(link.ticket.pk, link.relation) for link in response.context["facts"].links]
    assert links == [(normal.pk, "Normal"), (parent.pk, "Parent")]
    page = response.content.decode()
    assert "Office move" in page and "Printer order" in page
    assert "Salary question" not in page


def zoom_queries(client, ticket):
    client.get(zoom_url(ticket))  # the first visit also marks the ticket seen
    with CaptureQueriesContext(connection) as queries:
        response = client.get(zoom_url(ticket))
    assert response.status_code == 200
    return len(queries)


def test_zoom_query_count_does_not_grow_with_the_thread(agent_client, agent, make_ticket):
    short, long = make_ticket(), make_ticket()
    add_articles(agent, short, 3)
    add_articles(agent, long, 60)
    html_mail(agent, short, "<p>Hi</p>")
    html_mail(agent, long, "<p>Hi</p>")

    short_count = zoom_queries(agent_client, short)
    long_count = zoom_queries(agent_client, long)

    assert short_count == long_count
    assert short_count <= 20


def test_all_articles_query_count_does_not_grow(agent_client, agent, make_ticket):
    short, long = make_ticket(), make_ticket()
    add_articles(agent, short, 3)
    add_articles(agent, long, 60)

    counts = []
    for ticket in (short, long):
        agent_client.get(zoom_url(ticket, articles="all"), headers=THREAD)
        with CaptureQueriesContext(connection) as queries:
            agent_client.get(zoom_url(ticket, articles="all"), headers=THREAD)
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_print_view_has_facts_and_every_article(agent_client, agent, make_ticket):
    ticket = make_ticket()
    add_articles(agent, ticket, 40)
    note(agent, ticket, body="Internal remark")

    response = agent_client.get(reverse("agent:ticket_print", args=[ticket.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert ticket.tn in page and "ACME Corp." in page
    assert "Mail 0<" in page and "Mail 39<" in page and "Internal remark" in page
    assert "Article #42" in page
    assert 'class="topbar"' not in page and "mainnav" not in page
    assert "agent/zoom.css" in page


def test_print_query_count_does_not_grow(agent_client, agent, make_ticket):
    short, long = make_ticket(), make_ticket()
    add_articles(agent, short, 2)
    add_articles(agent, long, 30)

    counts = []
    for ticket in (short, long):
        agent_client.get(reverse("agent:ticket_print", args=[ticket.pk]))
        with CaptureQueriesContext(connection) as queries:
            agent_client.get(reverse("agent:ticket_print", args=[ticket.pk]))
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_read_only_agents_may_open_the_zoom(client, users_group, make_ticket):
    reader = AgentFactory(login="rita", first_name="Rita", last_name="Reader")
    grant(reader, users_group, "ro")
    ticket = make_ticket()
    client.force_login(reader)

    response = client.get(zoom_url(ticket))

    assert response.status_code == 200
    assert TicketFlag.objects.filter(ticket=ticket, agent=reader, key="Seen").exists()
