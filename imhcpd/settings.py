"""Settings for IMH CPD, read from the environment.

With nothing set the app runs as `make run` expects: a SQLite file, Celery tasks run
eagerly in-process, email printed to the console. Production sets DEBUG off and
supplies SECRET_KEY, DATABASE_URL, CELERY_BROKER_URL, ALLOWED_HOSTS and SMTP.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from imhcpd.embedded import SQLITE_SHARED_OPTIONS, filesystem_broker_options
from imhcpd.schedule import beat_schedule
from imhcpd.storage import private_files_storage

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


DEBUG = env_bool("DEBUG")
# Tests run with DEBUG off, as production does, but in one process with in-memory services:
# tests/settings.py sets this before importing these settings. Never set it on a server.
TESTING = env_bool("IMHCPD_TESTING")


def env_required(name: str, default: str, why: str) -> str:
    """A variable production must set: with DEBUG off a missing one is an error naming it,
    never a development default that quietly half-works (fail closed)."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if DEBUG or TESTING:
        return default
    raise ImproperlyConfigured(f"{name} must be set when DEBUG is off: {why}")


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_required(
    "SITE_URL",
    "http://127.0.0.1:8000",
    "every emailed link and every PDF's verification QR code is built from it.",
).rstrip("/")
# Shown in page titles, emails and PDFs.
SITE_NAME = os.environ.get("SITE_NAME", "IMH CPD")
# Shown on the contact, privacy and accessibility pages.
CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "support@imhcpd.localhost")
# The date the accessibility statement was last checked against the site (ISO date).
ACCESSIBILITY_STATEMENT_REVIEWED = datetime.date.fromisoformat(
    os.environ.get("ACCESSIBILITY_STATEMENT_REVIEWED", "2026-12-02")
)

INSTALLED_APPS = [
    "imhcpd",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    # The email outbox table (imhcpd.mail writes it, imhcpd.outbox sends it).
    "mailer",
    "competencies",
    "portfolios",
    "portfolios.supervision",
    "portfolios.exports",
    "portfolios.teams",
    "register",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which is the first to read the body: refuses an oversized one with a page.
    "imhcpd.upload_limits.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "imhcpd.htmx.VaryOnHtmxMiddleware",
    "imhcpd.quotas.QuotaMiddleware",
    "imhcpd.middleware.RequireMFAMiddleware",
    # Opening the page a notification points at marks it read.
    "portfolios.supervision.middleware.NotificationSeenMiddleware",
    "imhcpd.storage.StoreUnavailableMiddleware",
]

ROOT_URLCONF = "imhcpd.urls"
WSGI_APPLICATION = "imhcpd.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "imhcpd.context_processors.navigation",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------

VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

if not os.environ.get("DATABASE_URL"):  # the embedded SQLite file needs its folder
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # runserver + worker on one file
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_SHARED_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = env_required(
    "CACHE_URL",
    "",
    "rate limits and quotas are counted in the cache, and an in-process cache would give "
    "each web process its own count (e.g. redis://redis:6379/1).",
)
if CACHE_URL:
    CACHES = {
        "default": {
            # Fails open: a Redis outage must not answer 500 (imhcpd/cache.py says why).
            "BACKEND": "imhcpd.cache.FailOpenRedisCache",
            "LOCATION": CACHE_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Not cached_db: its fail-open cache could outlive a sign-out made during a Redis outage.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Accounts -------------------------------------------------------------

AUTH_USER_MODEL = "imhcpd.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
# "home" sends each person to their role's own page (imhcpd.navigation landing).
LOGIN_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# Confirming in the browser that signed up signs the person in (allauth keeps the pending
# sign-in in that session; a link opened elsewhere leads to the sign-in page instead).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_SIGNUP_FORM_CLASS = "imhcpd.forms.SignupForm"
# The site's wording on allauth's forms (sentence case, UK English, GOV.UK labels).
ACCOUNT_FORMS = {
    f: f"imhcpd.account_forms.{f.title().replace('_', '')}Form"
    for f in "login signup reset_password reset_password_from_key change_password"  # noqa: SIM905
    " set_password add_email reauthenticate".split()
}
ACCOUNT_ADAPTER = "imhcpd.adapters.AccountAdapter"
ACCOUNT_ALLOW_SIGNUP = env_bool("ACCOUNT_ALLOW_SIGNUP", default=True)
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# Login throttling: tight per account (the key is the email address, or the user for a
# two-factor code), generous per IP address. An NHS trust puts thousands of staff behind a
# few addresses, so the per-IP budget is sized for a shift change there and only stops a
# spray of guesses from one address; one person's mistakes lock out that account alone.
# Re-authentication by someone already signed in counts per user, never against the address
# (imhcpd.adapters). The address is the proxy's unless TRUSTED_PROXY_COUNT is set (below).
ACCOUNT_RATE_LIMITS = {
    "login": "300/m/ip",
    "login_failed": "100/m/ip,5/5m/key",
    "reauthenticate": "10/m/user",
    "reauthenticate_failed": "5/5m/user",
    "signup": "20/m/ip",
    # Account emails go to any address typed in (a reset for an unknown address still sends
    # one), so each address gets a few an hour or a day, not five a minute.
    "reset_password": "20/m/ip,5/h/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key,10/d/key",
    "manage_email": "10/h/user,20/d/user",
    "change_password": "5/m/user",
}
# The client's address: REMOTE_ADDR unless the operator says how many proxies of theirs sit in
# front (then the address that many entries from the right of X-Forwarded-For), or names a
# header their proxy sets to the client address. A client can write X-Forwarded-For itself,
# so it is never read by default.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("TRUSTED_CLIENT_IP_HEADER") or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "IMH CPD"
MFA_RECOVERY_CODE_COUNT = 10
# A wrong code on re-authentication counts per user, not against the address's login budget.
MFA_FORMS = {
    f: f"imhcpd.account_forms.MFA{f.title().replace('_', '')}Form"
    for f in ("authenticate", "reauthenticate", "activate_totp")
}
# Staff and register administrators need a second factor in the session for these paths
# (sent to enter a code, or to set up TOTP if they have none): path prefix → the role the
# pages under it are for (imhcpd.roles.has_role).
MFA_REQUIRED_PATHS = {"/admin/": "staff", "/register/admin/": "register_admin"}
# Supervisors read families' reflective accounts: always offered MFA on accepting an
# invitation; required on their pages when the operator sets SUPERVISOR_MFA_REQUIRED=1.
SUPERVISOR_MFA_REQUIRED = env_bool("SUPERVISOR_MFA_REQUIRED", default=False)
SUPERVISOR_MFA_PATH_PREFIXES = ["/supervision/", "/register/endorsements/"]
# Their own supervisors page, and invitations (so a new one can still be read and accepted).
SUPERVISOR_MFA_EXEMPT_PREFIXES = ["/supervision/invitations/", "/supervision/supervisors/"]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Locale: UK English, UK dates ---------------------------------------

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English (UK)")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["imhcpd.formats"]

# --- Static and private files ------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))


def _bootstrap_dir() -> str:
    import xstatic.pkg.bootstrap

    return xstatic.pkg.bootstrap.BASE_DIR


STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/bootstrap", _bootstrap_dir())]
# Private files: local disk or S3 (FILE_STORAGE, S3_*); served by checked views, no MEDIA_URL.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": private_files_storage(),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Request size limits -------------------------------------------------------
# Refused early, before the body is read or while it is read, never after it has all arrived.
# The proxy in front should refuse the same sizes first (README, "Production").
# Form fields other than files: the longest reflective account is far below this.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 5
# Uploads above this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# imhcpd.upload_limits stops reading an upload once its files pass the view's limit: an
# attachment is at most 10 MB (portfolios.uploads); the verify pages take a PDF we issued
# (at most 100 MB, portfolios.exports.forms). Every other view takes no file above 10 MB.
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
UPLOAD_MAX_BYTES_BY_VIEW = {
    "exports:verify": 100 * 1024 * 1024,
    "exports:verify_code": 100 * 1024 * 1024,
    # A new item takes up to DATA_UPLOAD_MAX_NUMBER_FILES attachments of 10 MB each.
    "portfolios:evidence_create": 5 * 10 * 1024 * 1024,
    "portfolios:import": 200 * 1024 * 1024,  # a moved portfolio (portfolios.portable.archive)
}
FILE_UPLOAD_HANDLERS = [
    "imhcpd.upload_limits.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Email ------------------------------------------------------------------

# Every email goes into the outbox table first (django-mailer's, imhcpd.mail), in the transaction
# of the change that causes it; the worker sends it with the real backend below and retries,
# so a broker or SMTP outage delays mail and never loses it (imhcpd.outbox).
EMAIL_BACKEND = "imhcpd.mail.OutboxBackend"
MAILER_EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "IMH CPD <no-reply@imhcpd.localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Row locks (select_for_update nowait, one message at a time), not a lock file in the working
# directory: two workers on two machines then share the queue and never send a message twice.
MAILER_USE_FILE_LOCK = False
# A failed message is tried again every OUTBOX_RETRY_MINUTES, this many times (a day), then
# kept deferred for an administrator to look at in the admin (Mailer › Messages).
MAILER_EMAIL_MAX_RETRIES = env_int("OUTBOX_MAX_RETRIES", 144)
OUTBOX_RETRY_MINUTES = env_int("OUTBOX_RETRY_MINUTES", 10)
MAILER_ERROR_HANDLER = "imhcpd.outbox.handle_delivery_error"
# The send log keeps Message-IDs and errors, not bodies (they hold names and evidence titles).
MAILER_EMAIL_LOG_MESSAGE_DATA = False

# --- Celery ------------------------------------------------------------------

CELERY_BROKER_URL = env_required(
    "CELERY_BROKER_URL",
    "",
    "without a broker, PDF rendering and email would run inside web requests "
    "(e.g. redis://redis:6379/0).",
)
# No broker in development or tests: run tasks in-process so `make run` needs no Redis.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
if CELERY_TASK_ALWAYS_EAGER and not (DEBUG or TESTING):
    raise ImproperlyConfigured(
        "CELERY_TASK_ALWAYS_EAGER is for development and tests only: with DEBUG off, tasks "
        "go to the worker through CELERY_BROKER_URL."
    )
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker `make run` uses: a real worker beside runserver, nothing to install.
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR)
CELERY_TIMEZONE = TIME_ZONE
# In development the console email backend prints from the worker: its output stays as is.
CELERY_WORKER_REDIRECT_STDOUTS = not DEBUG
CELERY_BEAT_SCHEDULE = beat_schedule(outbox_retry_minutes=OUTBOX_RETRY_MINUTES)
# One beat: compose runs RedBeat, whose Redis lock makes a second beat wait (README, "One beat").
_REDIS_BROKER = CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else ""
CELERY_REDBEAT_REDIS_URL = os.environ.get("REDBEAT_REDIS_URL") or _REDIS_BROKER
CELERY_REDBEAT_KEY_PREFIX = os.environ.get("REDBEAT_KEY_PREFIX", "imhcpd-beat")
CELERY_REDBEAT_LOCK_TIMEOUT = env_int("REDBEAT_LOCK_TIMEOUT", 300)
CELERY_BEAT_MAX_LOOP_INTERVAL = env_int("CELERY_BEAT_MAX_LOOP_INTERVAL", 60)
# A quick answer when Redis is down, so a request page never hangs on the broker.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}

# --- Exports -----------------------------------------------------------------

EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 30)
# Fonts embedded in PDFs come from Debian's fonts-dejavu-core, never from the network.
PDF_FONT_DIR = Path(os.environ.get("PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
# Each regulator's revalidation requirements are its published rules, not settings:
# portfolios/exports/revalidation/bodies.py.

# --- Quotas ------------------------------------------------------------------------------
# What one person (or one address) may ask the site to do, counted in the shared cache
# (imhcpd.quotas). Same syntax as ACCOUNT_RATE_LIMITS: amount/period/per, per one of `user`,
# `ip`, or `target` (the address an email would go to). Over a limit: a 429 page saying when.
QUOTAS = {
    # Invitation emails carry the sender's name: per practitioner, and per recipient address.
    "invitation": "20/d/user,3/d/target",
    # Every request sends an email, so withdraw-and-resend loops count each time.
    "reference_request": "10/d/user,3/d/target",
    "export_request": "10/h/user",
    # Anonymous: uploads hashed to check a PDF, per client address.
    "verify_upload": "60/h/ip",
}
# PDFs waiting or being rendered for one person at once; one account must not fill the queue.
EXPORT_MAX_ACTIVE_PER_USER = 2

# --- Register ------------------------------------------------------------------

REGISTER_REFERENCE_DAYS = env_int("REGISTER_REFERENCE_DAYS", 30)
# How long a confirmer's link (NMC revalidation) stays usable.
REVALIDATION_CONFIRMATION_DAYS = env_int("REVALIDATION_CONFIRMATION_DAYS", 30)
REGISTER_VALIDITY_MONTHS = 12
REGISTER_GRACE_DAYS = 30
REGISTER_REMINDER_DAYS = (60, 30, 7)
REGISTER_RENEWAL_WINDOW_DAYS = env_int("REGISTER_RENEWAL_WINDOW_DAYS", 60)  # days before expiry
REGISTER_DECISION_WEEKS = env_int("REGISTER_DECISION_WEEKS", 6)  # "we aim to decide within"
# Renewal: hours in the last 12 months, per level.
REGISTER_RENEWAL_HOURS = {
    1: {"cpd": 15, "supervision": 0},
    2: {"cpd": 15, "supervision": 12},
    3: {"cpd": 15, "supervision": 12},
}

# --- Register credentials (Open Badges 3.0; README, "The register credential") ------------

# Signing keys (a JWK set, the first signs) in a file outside the database; made on first use
# only in development and tests, so a lost production mount never silently replaces the key.
CREDENTIAL_SIGNING_KEYS = Path(
    os.environ.get("CREDENTIAL_SIGNING_KEYS", VAR_DIR / "credential-keys.json")
)
CREDENTIAL_KEYS_AUTOCREATE = env_bool("CREDENTIAL_KEYS_AUTOCREATE", default=DEBUG or TESTING)
CREDENTIAL_ISSUER_NAME = os.environ.get("CREDENTIAL_ISSUER_NAME", "IMH Recognition Register")
CREDENTIAL_ISSUER_URL = os.environ.get("CREDENTIAL_ISSUER_URL", SITE_URL)
CREDENTIAL_ISSUER_EMAIL = os.environ.get("CREDENTIAL_ISSUER_EMAIL", CONTACT_EMAIL)

# --- Security ----------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # The container health probe speaks plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Opt-in: once browsers ship the domain in their preload list, taking it off takes months,
    # and every subdomain must then speak HTTPS. Django's deploy check warns while it is off
    # (W021); that warning is the decision recorded here, so it is silenced.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if env_bool("BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # WeasyPrint logs every layout step at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
