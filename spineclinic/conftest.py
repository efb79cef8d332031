from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from spineclinic.test import Clinic


@pytest.fixture(autouse=True)
def fast_password_hashing(request: pytest.FixtureRequest) -> None:
    # Argon2 is deliberately slow; tests that are not about hashing use a fast hasher.
    if not request.config.pluginmanager.hasplugin("django"):
        return  # pure tests run with -p no:django
    if "real_password_hashing" not in request.keywords:
        settings = request.getfixturevalue("settings")
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinic(db: None) -> "Clinic":
    # Imported here so that pure tests can run with Django switched off (-p no:django).
    from spineclinic.test import make_clinic

    return make_clinic()


@pytest.fixture
def page(live_server, django_db_serialized_rollback, transactional_db):  # type: ignore[no-untyped-def]
    """A Chromium page for browser tests (Debian's chromium where installed).

    Serialized rollback restores what data migrations loaded (the disciplines), which a
    transactional test would otherwise leave flushed for the next one.
    """
    import os
    import shutil

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    executable = shutil.which("chromium") or None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
