"""Test settings: fast hashing, in-memory cache and mail, private per-run folders.

The database comes from DATABASE_URL like everywhere else (SQLite by default,
PostgreSQL in CI); Celery is eager unless CELERY_BROKER_URL is set.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
# DEBUG stays off (production behaviour), yet SITE_URL, CACHE_URL and CELERY_BROKER_URL may be
# left out: tests use the development defaults, an in-process cache and eager Celery.
os.environ["IMHCPD_TESTING"] = "1"
# Production security settings stay on, except the ones that need HTTPS.
os.environ["SECURE_SSL_REDIRECT"] = "0"
# A worker started by the tests inherits this, so both processes share one media folder.
_RUN_DIR = os.environ.get("IMHCPD_TEST_RUN_DIR") or tempfile.mkdtemp(prefix="imhcpd-tests-")
os.environ["IMHCPD_TEST_RUN_DIR"] = _RUN_DIR
os.environ.setdefault("VAR_DIR", _RUN_DIR)

from imhcpd.settings import *  # noqa: E402,F403
from imhcpd.settings import DATABASES, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The nodes the multi-node test starts share one Redis cache, as production nodes do.
if os.environ.get("IMHCPD_TEST_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "imhcpd.cache.FailOpenRedisCache",
            "LOCATION": os.environ["IMHCPD_TEST_CACHE_URL"],
        }
    }
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The outbox (imhcpd.outbox) sends with this: mail.outbox in-process; a worker started by a
# test may be given a file backend to count what it sent.
MAILER_EMAIL_BACKEND = os.environ.get(
    "IMHCPD_TEST_MAILER_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A media folder that outlived its test database would give stored files random suffixes.
MEDIA_ROOT = os.path.join(_RUN_DIR, "media")
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# A real Celery worker must find the test database by a name known in advance; two runs on
# one PostgreSQL server at once (a developer beside CI) each set their own.
DATABASES["default"].setdefault("TEST", {})["NAME"] = (
    None
    if DATABASES["default"]["ENGINE"].endswith("sqlite3")
    else os.environ.get("IMHCPD_TEST_DB_NAME", "test_imhcpd")
)
DATABASES["default"]["CONN_MAX_AGE"] = 0
# WhiteNoise serves from the finders in tests, as in development; it still wants a root.
STATIC_ROOT = os.path.join(_RUN_DIR, "static")
os.makedirs(STATIC_ROOT, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
