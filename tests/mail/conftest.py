import subprocess
from pathlib import Path

import pytest

from tests.accounts.factories import AgentFactory, grant
from tests.mail.conftest_data import known_customer, support_address
from ticketry.accounts.models import Group
from ticketry.mail import postmaster_config as mail_config


@pytest.fixture(autouse=True)
def _fresh_mail_configuration():
    # Rolled-back test data sends no delete signals; start each test with fresh copies.
    mail_config.forget()


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate file, key file)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def support(db):
    """support@example.com → queue Misc, with OTRS's four auto-responses assigned."""
    return support_address()


@pytest.fixture
def jdoe(db):
    return known_customer()


@pytest.fixture
def agent_bob(db):
    agent = AgentFactory(login="bob")
    grant(agent, Group.objects.get(name="users"), "rw")
    return agent
