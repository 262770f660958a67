"""pytest fixtures: a Dovecot IMAP/POP3 server on 127.0.0.1 with test mailboxes.

The server runs from its own configuration in a temporary folder (own ports, base and state
folders), so a system Dovecot on the standard ports does not get in the way. Every test takes
fresh users; messages are delivered by writing Maildir files, as a local delivery agent does.
"""

from __future__ import annotations

import grp
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.mail.fixtures_smtp import unused_port
from ticketry.mail.models import MailAccount, MailAccountType

HOST = "127.0.0.1"
START_SECONDS = 20
STOP_SECONDS = 10
# Which listener serves which account type: STARTTLS is offered on the plain ports.
LISTENERS = {
    MailAccountType.POP3: "pop3",
    MailAccountType.POP3TLS: "pop3",
    MailAccountType.POP3S: "pop3s",
    MailAccountType.IMAP: "imap",
    MailAccountType.IMAPTLS: "imap",
    MailAccountType.IMAPS: "imaps",
}

_users = itertools.count(1)
_messages = itertools.count(1)

CONFIG = """\
base_dir = {folder}/run
state_dir = {folder}/state
instance_name = ticketry-test-{pid}
listen = {host}
protocols = imap pop3
log_path = {folder}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
# Refused logins are answered at once (and the anvil listener below is closed, so that
# they do not slow down later logins from the same address either).
auth_failure_delay = 0
mail_location = maildir:~/Maildir
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/users/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {folder}/users/%u
}}
service imap-login {{
  {chroot}
  inet_listener imap {{
    address = {host}
    port = {imap}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps}
    ssl = yes
  }}
}}
service pop3-login {{
  {chroot}
  inet_listener pop3 {{
    address = {host}
    port = {pop3}
  }}
  inet_listener pop3s {{
    address = {host}
    port = {pop3s}
    ssl = yes
  }}
}}
service anvil {{
  {chroot}
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


@dataclass(frozen=True)
class MailUser:
    """A mailbox on the test server."""

    server: Dovecot
    login: str
    password: str

    @property
    def maildir(self) -> Path:
        return self.server.folder / "mail" / self.login / "Maildir"

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Put messages into a folder, in this order, as a local delivery agent would."""
        target = self.maildir if folder == "INBOX" else self.maildir / f".{folder}"
        self.server.make_dirs(target, target / "tmp", target / "new", target / "cur")
        for raw in messages:
            name = f"{time.time_ns()}.M{next(_messages)}.ticketry-test"
            (target / "tmp" / name).write_bytes(raw)
            self.server.chown(target / "tmp" / name)
            (target / "tmp" / name).rename(target / "new" / name)

    def remaining(self, folder: str = "INBOX") -> list[bytes]:
        """The messages still in a folder."""
        target = self.maildir if folder == "INBOX" else self.maildir / f".{folder}"
        files = [path for sub in ("new", "cur") for path in (target / sub).glob("*")]
        return [path.read_bytes() for path in sorted(files, key=lambda path: path.name)]


@dataclass
class Dovecot:
    folder: Path
    ports: dict[str, int]
    uid: int
    gid: int
    process: subprocess.Popen | None = None
    host: str = HOST

    def port(self, account_type: str) -> int:
        return self.ports[LISTENERS[MailAccountType(account_type)]]

    def add_user(self, password: str | None = None) -> MailUser:
        """A new user with an empty INBOX."""
        login = f"user{next(_users)}"
        # A space and a quote: logins must quote the password properly.
        password = password or f'pw {login}"!'
        home = self.folder / "mail" / login
        # A password file per user: the server notices changes of a file only once a second.
        (self.folder / "users" / login).write_text(
            f"{login}:{{PLAIN}}{password}:{self.uid}:{self.gid}::{home}::\n"
        )
        user = MailUser(self, login, password)
        self.make_dirs(home, user.maildir, *(user.maildir / sub for sub in ("tmp", "new", "cur")))
        return user

    def make_dirs(self, *paths: Path) -> None:
        for path in paths:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.chown(path)

    def chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            os.chown(path, self.uid, self.gid)

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_matches(self, pattern: str, count: int) -> list[str]:
        """The first group of each match of `pattern` in the log, once there are `count`
        (the server may log a session's end just after the client saw it)."""
        deadline = time.monotonic() + START_SECONDS
        while True:
            found = re.findall(pattern, self.log())
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def start(self, program: str, cert: Path, key: Path) -> None:
        config = self.folder / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                folder=self.folder,
                pid=os.getpid(),
                host=self.host,
                cert=cert,
                key=key,
                users=_process_users(),
                chroot="" if os.geteuid() == 0 else "chroot =",
                **self.ports,
            )
        )
        (self.folder / "users").mkdir(mode=0o755)
        self.process = subprocess.Popen(
            [program, "-F", "-c", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_SECONDS
        waiting = set(self.ports.values())
        while waiting:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace")
                pytest.fail(f"Dovecot did not start:\n{output}\n{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"Dovecot did not listen within {START_SECONDS} s:\n{self.log()}")
            waiting = {port for port in waiting if not _listening(self.host, port)}
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


def _process_users() -> str:
    """As root the package's unprivileged users run the login and internal processes; as
    anybody else, that user runs everything."""
    if os.geteuid() == 0:
        return ""
    me = pwd.getpwuid(os.geteuid())
    return (
        f"default_login_user = {me.pw_name}\n"
        f"default_internal_user = {me.pw_name}\n"
        f"default_internal_group = {grp.getgrgid(me.pw_gid).gr_name}\n"
        f"first_valid_uid = {me.pw_uid}\n"
    )


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def dovecot(tls_certificate):
    """A Dovecot server for the whole session: IMAP and POP3 with STARTTLS, IMAPS, POP3S."""
    program = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin")
    if program is None:
        pytest.skip(
            "Dovecot is not installed (Debian: apt-get install dovecot-imapd dovecot-pop3d)"
        )
    # Mail processes never run as root: as root, mailboxes belong to nobody.
    owner = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    folder = Path(tempfile.mkdtemp(prefix="ticketry-dovecot-"))
    # The server's unprivileged processes must reach the password file and the mailboxes.
    folder.chmod(0o755)
    server = Dovecot(
        folder=folder,
        ports={name: unused_port() for name in ("imap", "imaps", "pop3", "pop3s")},
        uid=owner.pw_uid,
        gid=owner.pw_gid,
    )
    (folder / "mail").mkdir(mode=0o755)
    cert, key = tls_certificate
    try:
        server.start(program, cert, key)
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def mail_account(dovecot, db):
    """Factory: mail_account(type, user=None, **fields) → (MailAccount, MailUser), an account
    of `type` for a new (or the given) user of the test server; certificates are not checked
    unless `verify_certificate=True` is given."""

    def create(account_type: str, user: MailUser | None = None, **fields):
        user = user or dovecot.add_user()
        fields.setdefault("verify_certificate", False)
        fields.setdefault("password", user.password)
        fields.setdefault("port", dovecot.port(account_type))
        account = MailAccount.objects.create(
            type=account_type, host=dovecot.host, login=user.login, **fields
        )
        return account, user

    return create
