import pytest
from django.core.cache import cache

from ticketry.accounts.models import Group
from ticketry.core import clock, sysconfig
from ticketry.core.actor import Actor
from ticketry.customers.models import CustomerCompany, CustomerUser

pytest_plugins = ["tests.mail.fixtures_smtp", "tests.mail.fixtures_dovecot"]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Hashing strength is not under test; the default hasher costs a third of a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    sysconfig.invalidate()


@pytest.fixture(autouse=True)
def _unfrozen_clock():
    yield
    clock.freeze(None)


@pytest.fixture
def system_actor() -> Actor:
    return Actor.system()


@pytest.fixture
def users_group(db) -> Group:
    return Group.objects.get(name="users")


@pytest.fixture
def customer(db) -> CustomerUser:
    """Customer user jdoe of company acme."""
    CustomerCompany.objects.create(customer_id="acme", name="ACME Corp.")
    return CustomerUser.objects.create(
        login="jdoe",
        email="jdoe@example.com",
        customer_id="acme",
        first_name="John",
        last_name="Doe",
    )


def pytest_collection_modifyitems(items):
    # Browser tests run last: once Playwright's event loop runs in this thread, Django gives
    # it other connection objects, which other tests should not meet.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    # A transactional test empties the tables when it ends. Restoring the initial data for
    # every such test keeps the migrations' seed rows (states, queues, ...) for the next one,
    # and keeps Django from re-creating content types the restore would then duplicate.
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and "serialized_rollback" not in marker.kwargs
        ):
            item.add_marker(
                pytest.mark.django_db(*marker.args, **marker.kwargs, serialized_rollback=True),
                append=False,
            )
