"""Production: PostgreSQL (DATABASE_URL), Redis broker and cache (REDIS_URL), HTTPS only.

Refuses to start with a missing, default or weak SECRET_KEY. HTTPS: HSTS (a year, subdomains,
preload), redirect to https, secure cookies; each can be turned down from the environment for a
deployment that really needs it (e.g. SECURE_SSL_REDIRECT=false when the proxy redirects).
`manage.py check --deploy` prints no warning with these settings and a proper environment
(tests/abuse/test_deploy_checks.py runs it).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL, SECRET_KEY, env

MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_CHARACTERS = 5

DEBUG = False
if (
    SECRET_KEY.startswith(("insecure", "django-insecure"))
    or len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH
    or len(set(SECRET_KEY)) < MIN_SECRET_KEY_CHARACTERS
):
    raise ImproperlyConfigured(
        f"Set SECRET_KEY in the environment for production: at least {MIN_SECRET_KEY_LENGTH} "
        "random characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production runs on PostgreSQL: set DATABASE_URL=postgres://...")
if not REDIS_URL:
    raise ImproperlyConfigured("Production uses Redis for django-q2 and the cache: set REDIS_URL.")

DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
