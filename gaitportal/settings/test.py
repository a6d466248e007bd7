"""Tests: the database from DATABASE_URL (CI sets PostgreSQL), tasks run in-process."""

from .base import *  # noqa: F403
from .base import Q_CLUSTER, REST_FRAMEWORK

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A real django-q2 worker in sync mode: async_task runs the task in the calling process.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "1000/min", "user": "100000/min", "auth": "1000/min"},
}
SIGN_IN_RATE_PER_ADDRESS = "1000/min"
SIGN_IN_FAILURES_PER_ACCOUNT = "1000/min"
