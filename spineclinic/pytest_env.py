"""Loaded by pytest before Django (see addopts in pyproject.toml): tests run as a
development machine unless the environment says otherwise (CI sets DATABASE_URL)."""

import os
import tempfile

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SPINECLINIC_MFA_REQUIRED", "0")
os.environ.setdefault("DB_CONN_MAX_AGE", "0")
# The SQLite test database is a file, not shared memory: shared-cache memory databases
# fail concurrent writers at once ("database table is locked") instead of letting them
# wait, so the tests of concurrent registration could not run as the clinic would.
os.environ.setdefault(
    "SPINECLINIC_TEST_SQLITE",
    os.path.join(tempfile.gettempdir(), f"spineclinic-test-{os.getpid()}.sqlite3"),
)


def pytest_unconfigure(config: object) -> None:
    # Django removes the test database file but not SQLite's WAL companions.
    for suffix in ("-wal", "-shm"):
        path = os.environ["SPINECLINIC_TEST_SQLITE"] + suffix
        if os.path.exists(path):
            os.remove(path)
