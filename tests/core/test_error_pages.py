"""Debug is off unless TICKETRY_DEBUG=1: errors show Ticketry's own pages, in English and
German, and never Django's debug page with its list of URL patterns."""

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.views import defaults

from tests.core.fresh_settings import setting_in_new_process

pytestmark = pytest.mark.django_db


def test_an_unknown_address_shows_our_404_page(client):
    response = client.get("/agent/no-such-page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in page
    assert "There is no page at this address." in page
    assert "URLconf" not in page and "ticketry.urls" not in page


def test_the_404_page_in_german(client):
    response = client.get("/agent/no-such-page/", headers={"Accept-Language": "de"})

    page = response.content.decode()
    assert "<h1>Seite nicht gefunden</h1>" in page
    assert 'lang="de"' in page


def test_a_request_for_an_unknown_host_shows_our_400_page(client):
    response = client.get("/agent/", headers={"Host": "evil.example"})

    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()


@pytest.mark.parametrize(
    ("handler", "status", "english", "german"),
    [
        (defaults.bad_request, 400, "Bad request", "Ungültige Anfrage"),
        (defaults.permission_denied, 403, "Access denied", "Zugriff verweigert"),
        (defaults.page_not_found, 404, "Page not found", "Seite nicht gefunden"),
        (defaults.server_error, 500, "Server error", "Serverfehler"),
    ],
)
def test_each_error_page_is_ours_in_both_languages(handler, status, english, german):
    request = RequestFactory().get("/somewhere/")
    arguments = () if handler is defaults.server_error else (Exception("internal detail"),)

    for language, heading in (("en", english), ("de", german)):
        with translation.override(language):
            response = handler(request, *arguments)
        page = response.content.decode()
        assert response.status_code == status
        assert f"<h1>{heading}</h1>" in page
        assert "internal detail" not in page


def _debug(tmp_path, **env) -> str:
    result = setting_in_new_process("DEBUG", tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_debug_is_off_unless_asked_for(tmp_path):
    assert _debug(tmp_path) == "False"
    assert _debug(tmp_path, TICKETRY_PRODUCTION="0") == "False"
    assert _debug(tmp_path, TICKETRY_DEBUG="1") == "True"
