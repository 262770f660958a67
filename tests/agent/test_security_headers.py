"""Every response carries the Content-Security-Policy, Referrer-Policy and Permissions-Policy;
views with a stricter policy of their own keep it."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

import ticketry
from tests.accounts.factories import AgentFactory
from tests.agent.test_zoom import add_articles, html_mail
from ticketry.agent.views.zoom import ARTICLE_HTML_POLICY, DOWNLOAD_POLICY
from ticketry.core.security_headers import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}


def directives(policy: str) -> set[str]:
    return {directive.strip() for directive in policy.split(";")}


def assert_strict(response) -> None:
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert directives(response["Content-Security-Policy"]) >= STRICT
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions


@pytest.mark.parametrize(
    "name", ["agent:dashboard", "agent:search", "agent:preferences", "agent:status_view"]
)
def test_agent_pages_have_the_strict_policy(agent_client, name):
    response = agent_client.get(reverse(name))

    assert response.status_code == 200
    assert_strict(response)


def test_the_zoom_and_htmx_partials_have_the_strict_policy(agent_client, make_ticket):
    ticket = make_ticket()
    url = reverse("agent:ticket_zoom", args=[ticket.pk])

    assert_strict(agent_client.get(url))
    assert_strict(agent_client.get(url, headers={"HX-Request": "true", "HX-Target": "zoom-header"}))


def test_the_login_page_and_redirects_have_the_strict_policy(client):
    assert_strict(client.get(reverse("agent:login")))
    assert_strict(client.get(reverse("agent:dashboard")))


def test_the_admin_has_the_strict_policy(client):
    client.force_login(AgentFactory(login="super", is_superuser=True))

    assert_strict(client.get("/admin/"))
    assert_strict(client.get("/admin/core/sysconfigvalue/add/"))


def test_error_pages_have_the_strict_policy(agent_client):
    assert_strict(agent_client.get("/agent/no-such-page/"))
    assert_strict(agent_client.get(reverse("agent:ticket_zoom", args=[999999])))


def test_the_mail_frame_keeps_its_own_stricter_policy(agent_client, agent, make_ticket):
    ticket = make_ticket()
    article = html_mail(agent, ticket, "<p>Hello</p>")

    response = agent_client.get(reverse("agent:article_html", args=[ticket.pk, article.pk]))

    assert response["Content-Security-Policy"] == ARTICLE_HTML_POLICY
    assert response["Referrer-Policy"] == "no-referrer"


def test_downloads_keep_their_own_stricter_policy(agent_client, agent, make_ticket):
    ticket = make_ticket()
    add_articles(agent, ticket, 1)
    attachment = ticket.articles.order_by("id").last().attachments.get()

    response = agent_client.get(
        reverse("agent:attachment_download", args=[ticket.pk, attachment.pk])
    )

    assert response["Content-Security-Policy"] == DOWNLOAD_POLICY


TEMPLATES = sorted(Path(ticketry.__file__).parent.glob("*/templates/**/*.html"))
# What the policy would block: inline scripts (JSON data blocks are not run), inline event
# handlers (htmx's hx-on included), javascript: URLs and style attributes.
BLOCKED = re.compile(
    r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>"
    r"|\s(?:on[a-z]+|hx-on[:\w-]*)="
    r"|javascript:"
    r"|\sstyle=",
    re.IGNORECASE,
)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_templates_hold_nothing_the_policy_blocks(template):
    assert BLOCKED.findall(template.read_text()) == []
