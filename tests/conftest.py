import pytest

from ticketry.core import clock
from ticketry.core.actor import Actor


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Hashing strength is not under test; the default hasher costs a third of a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _unfrozen_clock():
    yield
    clock.freeze(None)


@pytest.fixture
def system_actor() -> Actor:
    return Actor.system()
