"""Production settings: `check --deploy` is clean, weak secrets are refused (issue 24, F6).

Runs manage.py in a subprocess with the production settings module and a proper environment (no
database or Redis is contacted: the checks only read settings).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        # the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; no deployment has it
        if key
        not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "gaitportal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "postgres://gaitportal:secret@db.internal:5432/gaitportal",
        "REDIS_URL": "redis://redis.internal:6379/0",
        "ALLOWED_HOSTS": "portal.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://portal.example.org",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_prints_no_warning() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "key",
    ["", "insecure-dev-key-change-me", "short-but-random-" + "x" * 20, "a" * 64],
    ids=["missing", "default", "short", "one-character"],
)
def test_production_refuses_a_weak_secret_key(key: str) -> None:
    result = _manage("check", SECRET_KEY=key)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_headers() -> None:
    """HSTS, https redirect, secure cookies and the CSP, as the settings module resolves them."""
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "DEBUG",
        "CONTENT_SECURITY_POLICY",
    ]
    script = (
        "from django.conf import settings; import json; "
        f"print('RESOLVED', json.dumps([getattr(settings, n) for n in {names!r}]))"
    )
    result = _manage("shell", "-c", script)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESOLVED"))
    values = dict(zip(names, json.loads(line.removeprefix("RESOLVED ")), strict=True))
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_SSL_REDIRECT"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["DEBUG"] is False
    assert "script-src 'self'" in values["CONTENT_SECURITY_POLICY"]
