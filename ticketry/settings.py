"""Django settings: infrastructure only, read from TICKETRY_* environment variables.

Every value has a safe default for the embedded set-up (SQLite in a data directory).
Business configuration lives in the database.
"""

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"TICKETRY_{name}", default)


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name, "1" if default else "0").strip().lower()
    return raw in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in _env(name, default).split(",") if item.strip()]


DATA_DIR = Path(_env("DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use TICKETRY_SECRET_KEY, or generate one on first start and keep it in the data directory."""
    given = _env("SECRET_KEY")
    if given:
        return given
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
PRODUCTION = _env_bool("PRODUCTION", False)
# Off unless asked for: Django's debug pages show settings, code and every URL pattern.
DEBUG = _env_bool("DEBUG", False)

FQDN = _env("FQDN", "localhost")
# Where agents reach the web interface: links in notification mails start with it.
BASE_URL = _env("BASE_URL", f"https://{FQDN}" if PRODUCTION else f"http://{FQDN}:8000").rstrip("/")
SYSTEM_ID = _env("SYSTEM_ID", "10")
if not SYSTEM_ID.isdigit():
    raise ImproperlyConfigured("TICKETRY_SYSTEM_ID must consist of digits only.")
TICKET_NUMBER_GENERATOR = _env("TICKET_NUMBER_GENERATOR", "DateChecksum")
if TICKET_NUMBER_GENERATOR not in {"DateChecksum", "Date", "AutoIncrement"}:
    raise ImproperlyConfigured(
        "TICKETRY_TICKET_NUMBER_GENERATOR must be DateChecksum, Date or AutoIncrement."
    )
TICKET_HOOK = _env("TICKET_HOOK", "Ticket#")
TICKET_HOOK_DIVIDER = _env("TICKET_HOOK_DIVIDER", "")
TICKET_NUMBER_CHECK_SYSTEM_ID = _env_bool("TICKET_NUMBER_CHECK_SYSTEM_ID", True)
TICKET_NUMBER_MIN_COUNTER_SIZE = int(_env("TICKET_NUMBER_MIN_COUNTER_SIZE", "5"))
TICKET_NUMBER_DATE_FORMATTED_COUNTER = _env_bool("TICKET_NUMBER_DATE_FORMATTED_COUNTER", False)

# Where outgoing mail goes: smtp://, smtps://, smtp+starttls:// (user:password@host:port),
# sendmail:///usr/sbin/sendmail, or file:///dir (one .eml file per message, the embedded default).
MAIL_TRANSPORT_URL = _env("MAIL_TRANSPORT", f"file://{DATA_DIR / 'outbox'}")

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", f"{FQDN},localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")
# Reverse proxies (addresses or networks) whose X-Forwarded-Proto and X-Forwarded-For count.
TRUSTED_PROXIES = _env_list("TRUSTED_PROXIES", "")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as error:
        raise ImproperlyConfigured(f"TICKETRY_TRUSTED_PROXIES: {error}") from None
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    # Admin modules are found when the URLs load (ticketry.urls), not by every command.
    "ticketry.agent.admin_config.TicketryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "ticketry.core",
    "ticketry.accounts",
    "ticketry.customers",
    "ticketry.tickets",
    "ticketry.mail",
    "ticketry.agent",
    "ticketry.console",
]

MIDDLEWARE = [
    # First: everything after it sees only the forwarded headers of trusted proxies.
    "ticketry.core.proxies.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ticketry.core.security_headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ticketry.agent.middleware.AgentSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

# Django's default, spelled out: no address of a ticket leaves for other sites.
SECURE_REFERRER_POLICY = "same-origin"

ROOT_URLCONF = "ticketry.urls"
WSGI_APPLICATION = "ticketry.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    url = _env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'ticketry.sqlite3'}")
    config = dj_database_url.parse(url, conn_max_age=0 if url.startswith("sqlite") else 60)
    engine = config["ENGINE"]
    options = config.setdefault("OPTIONS", {})
    if engine == "django.db.backends.sqlite3":
        # WAL lets readers and one writer work at once; IMMEDIATE avoids lock upgrades failing.
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)
        options.setdefault(
            "init_command",
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        )
    elif engine == "django.db.backends.postgresql":
        # Bind parameters on the server and prepare repeated statements: the services send
        # the same few statements for every ticket. (PgBouncer in transaction mode: 1.21+.)
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", 5)
        # JIT compilation costs ~100 ms on a query over many rows and saves nothing on the
        # short queries of a helpdesk.
        options.setdefault("options", "-c jit=off")
    elif engine == "django.db.backends.mysql":
        options.setdefault("charset", "utf8mb4")
        options.setdefault("isolation_level", "read committed")
        options.setdefault("init_command", "SET sql_mode='STRICT_TRANS_TABLES'")
    config.setdefault("TEST", {})
    if _env("TEST_DATABASE_NAME"):
        config["TEST"]["NAME"] = _env("TEST_DATABASE_NAME")
    if engine == "django.db.backends.mysql":
        config["TEST"].setdefault("CHARSET", "utf8mb4")
        config["TEST"].setdefault("COLLATION", "utf8mb4_unicode_ci")
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.Agent"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "agent:login"
LOGIN_REDIRECT_URL = "agent:dashboard"
# Failed logins: five per login name and address, then an hour's pause.
AXES_FAILURE_LIMIT = int(_env("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(_env("LOGIN_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "agent/locked_out.html"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Ticketry"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = _env("LANGUAGE", "en")
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = _env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = Path(_env("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

TASKS = {
    "default": {
        "BACKEND": _env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

SESSION_COOKIE_AGE = 57600  # OTRS SessionMaxTime: 16 hours
SESSION_IDLE_SECONDS = int(_env("SESSION_IDLE_SECONDS", "7200"))  # OTRS SessionMaxIdleTime

if PRODUCTION:
    SECURE_SSL_REDIRECT = _env_bool("SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(_env("HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _env("LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; failures and lockouts stay visible at WARNING.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
