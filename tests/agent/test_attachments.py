import pytest
from django.urls import reverse

from tests.tickets.conftest import customer_mail
from ticketry.mail.models import OutboundMail
from ticketry.mail.outbound import send_email_article
from ticketry.tickets.services import AttachmentInput, article_create

pytestmark = pytest.mark.django_db


def with_attachments(agent, ticket, *attachments, **overrides):
    article = article_create(
        actor=agent.actor,
        ticket=ticket,
        article=customer_mail(subject="Files", attachments=list(attachments), **overrides),
    )
    return list(article.attachments.order_by("id"))


def download_url(ticket, attachment, inline=False):
    url = reverse("agent:attachment_download", args=[ticket.pk, attachment.pk])
    return url + "?inline=1" if inline else url


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_download_is_an_attachment_with_safe_headers(agent_client, agent, make_ticket):
    ticket = make_ticket()
    (report,) = with_attachments(
        agent, ticket, AttachmentInput("report.pdf", b"%PDF-1.4", "application/pdf")
    )

    response = agent_client.get(download_url(ticket, report))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert body(response) == b"%PDF-1.4"


def test_non_ascii_file_names_are_encoded(agent_client, agent, make_ticket):
    ticket = make_ticket()
    (offer,) = with_attachments(
        agent, ticket, AttachmentInput("Angebot für Müller.pdf", b"x", "application/pdf")
    )

    response = agent_client.get(download_url(ticket, offer))

    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Angebot%20f%C3%BCr%20M%C3%BCller.pdf"
    )


def test_images_for_the_mail_frame_may_be_inline(agent_client, agent, make_ticket):
    ticket = make_ticket()
    logo, vector = with_attachments(
        agent,
        ticket,
        AttachmentInput("logo.png", b"\x89PNG", "image/png", content_id="logo@x"),
        AttachmentInput("logo.svg", b"<svg/>", "image/svg+xml"),
    )

    inline = agent_client.get(download_url(ticket, logo, inline=True))
    svg = agent_client.get(download_url(ticket, vector, inline=True))

    assert inline["Content-Disposition"] == 'inline; filename="logo.png"'
    assert inline["Content-Type"] == "image/png"
    # SVG may carry scripts: never shown in place.
    assert svg["Content-Disposition"].startswith("attachment;")


def test_html_attachments_are_always_downloaded(agent_client, agent, make_ticket):
    ticket = make_ticket()
    (page,) = with_attachments(
        agent, ticket, AttachmentInput("page.html", b"<script>alert(1)</script>", "text/html")
    )

    response = agent_client.get(download_url(ticket, page, inline=True))

    assert response["Content-Disposition"] == 'attachment; filename="page.html"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_attachment_must_belong_to_the_ticket(agent_client, agent, make_ticket):
    ticket, other = make_ticket(), make_ticket()
    (foreign,) = with_attachments(agent, other, AttachmentInput("a.txt", b"a", "text/plain"))

    response = agent_client.get(download_url(ticket, foreign))

    assert response.status_code == 404


def test_outsider_cannot_download(client, outsider, agent, make_ticket):
    ticket = make_ticket()
    (secret,) = with_attachments(agent, ticket, AttachmentInput("a.txt", b"secret", "text/plain"))
    client.force_login(outsider)

    response = client.get(download_url(ticket, secret))

    assert response.status_code == 404
    assert b"secret" not in response.content


def test_anonymous_visitor_is_sent_to_log_in(client, agent, make_ticket):
    ticket = make_ticket()
    (file,) = with_attachments(agent, ticket, AttachmentInput("a.txt", b"a", "text/plain"))

    response = client.get(download_url(ticket, file))

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_raw_message_download(agent_client, make_ticket):
    raw = b"From: jdoe@example.com\r\nSubject: Printer on fire\r\n\r\nSmoke.\r\n"
    ticket = make_ticket(article=customer_mail(raw_message=raw))
    article = ticket.articles.get()

    response = agent_client.get(reverse("agent:article_raw", args=[ticket.pk, article.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == f'attachment; filename="{ticket.tn}-{article.pk}.eml"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body(response) == raw


def test_raw_message_download_of_an_answer_is_the_mail_as_sent(agent_client, agent, make_ticket):
    ticket = make_ticket()
    answer = send_email_article(
        actor=agent.actor, ticket=ticket, to="jdoe@example.com", subject="Re", body="On it.\n"
    )

    response = agent_client.get(reverse("agent:article_raw", args=[ticket.pk, answer.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert body(response) == bytes(OutboundMail.objects.get(article=answer).message)


def test_raw_message_whose_file_is_gone_is_404(agent_client, make_ticket):
    ticket = make_ticket(article=customer_mail(raw_message=b"Subject: hi\r\n\r\nhello\r\n"))
    article = ticket.articles.get()
    article.raw_message.storage.delete(article.raw_message.name)

    response = agent_client.get(reverse("agent:article_raw", args=[ticket.pk, article.pk]))

    assert response.status_code == 404


def test_raw_message_of_an_article_without_one_is_404(agent_client, make_ticket):
    ticket = make_ticket()
    article = ticket.articles.get()

    response = agent_client.get(reverse("agent:article_raw", args=[ticket.pk, article.pk]))

    assert response.status_code == 404
