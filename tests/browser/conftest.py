"""Journeys through the agent interface in a real browser: Debian's Chromium driven by
Playwright, against Django's live test server on 127.0.0.1."""

import os
from pathlib import Path

import pytest
from django.db import connections

from tests.accounts.factories import AgentFactory, grant
from ticketry.accounts.models import Group
from ticketry.tickets.models import Queue, StandardTemplate, Ticket
from ticketry.tickets.services import ArticleInput, ticket_create

CHROMIUM = Path(os.environ.get("TICKETRY_CHROMIUM", "/usr/bin/chromium"))
PASSWORD = "secret-pass-123"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    seed_data = _serialized_seed_data()
    # Playwright's synchronous API runs an event loop in this thread; the test's own database
    # calls are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        _restore_serialized_seed_data(seed_data)
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def _serialized_seed_data() -> dict[str, str]:
    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


def _restore_serialized_seed_data(seed_data: dict[str, str]) -> None:
    # While Playwright's event loop runs, Django hands this thread new connection objects;
    # they need the initial data that transactional tests restore when they start.
    for alias, contents in seed_data.items():
        connections[alias]._test_serialized_contents = contents


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def open_page(*, locale: str = "en-US", width: int = 1280, height: int = 900):
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def agent(transactional_db):
    agent = AgentFactory(login="alice", first_name="Alice", last_name="Adams")
    grant(agent, Group.objects.get(name="users"), "rw")
    return agent


def log_in(page, login: str = "alice", password: str = PASSWORD) -> None:
    page.goto("/agent/login/")
    page.get_by_label("Login", exact=True).fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def phone_ticket(agent, title: str, queue: str = "Raw", subject: str = "") -> Ticket:
    """A ticket from a phone call of customer jdoe, taken by `agent`."""
    return ticket_create(
        actor=agent.actor,
        title=title,
        queue=queue,
        customer_user="jdoe",
        article=ArticleInput(
            channel="Phone",
            sender_type="customer",
            is_visible_for_customer=True,
            subject=subject or title,
            body=f"{title}, said the customer on the phone.",
            history_type="PhoneCallCustomer",
        ),
    )


@pytest.fixture
def answer_template(transactional_db):
    template = StandardTemplate.objects.create(
        name="Printer answer",
        template_type="Answer",
        text="Please switch the printer off and on again.",
    )
    template.queues.add(Queue.objects.get(name="Raw"))
    return template
