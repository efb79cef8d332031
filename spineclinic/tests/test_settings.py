"""Production settings refuse unsafe values; checked in a fresh interpreter each time."""

from __future__ import annotations

import os
import subprocess
import sys

STRONG_KEY = "k" * 20 + "3x!Qz" + "p" * 30


def load_settings(
    env: dict[str, str], code: str = "print('ok')"
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")
    }
    clean.update(env)
    script = "import spineclinic.settings as s\n" + code
    return subprocess.run(
        [sys.executable, "-c", script], env=clean, capture_output=True, text=True, check=False
    )


def test_it_refuses_production_without_a_secret_key() -> None:
    result = load_settings({"ALLOWED_HOSTS": "clinic.example"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_refuses_a_weak_secret_key() -> None:
    result = load_settings({"SECRET_KEY": "secret", "ALLOWED_HOSTS": "clinic.example"})
    assert "too weak" in result.stderr


def test_it_refuses_production_without_allowed_hosts() -> None:
    for hosts in ("", "*"):
        result = load_settings({"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": hosts})
        assert "ALLOWED_HOSTS must list" in result.stderr


def test_it_refuses_a_debug_value_it_cannot_read() -> None:
    result = load_settings({"DEBUG": "maybe"})
    assert "DEBUG must be a boolean" in result.stderr


def test_it_turns_on_secure_cookies_hsts_and_argon2_in_production() -> None:
    code = (
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_SSL_REDIRECT, s.PASSWORD_HASHERS[0].rsplit('.', 1)[1], s.USE_TZ)"
    )
    result = load_settings({"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "clinic.example"}, code)
    assert result.stdout.split() == [
        "True",
        "True",
        "31536000",
        "True",
        "Argon2PasswordHasher",
        "True",
    ]


def test_it_configures_sqlite_for_durable_concurrent_writes() -> None:
    code = "o = s.DATABASES['default']['OPTIONS']; print(o['transaction_mode'], o['init_command'])"
    result = load_settings({"DEBUG": "1", "DATABASE_URL": ""}, code)
    assert "IMMEDIATE" in result.stdout
    assert "journal_mode=WAL" in result.stdout and "synchronous=FULL" in result.stdout


def test_it_reads_postgresql_from_database_url() -> None:
    code = "d = s.DATABASES['default']; print(d['ENGINE'], d['NAME'], d['HOST'])"
    result = load_settings(
        {"DEBUG": "1", "DATABASE_URL": "postgres://u@db.example:5432/clinic"}, code
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "clinic", "db.example"]
