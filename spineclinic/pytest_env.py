"""Loaded by pytest before Django (see addopts in pyproject.toml): tests run as a
development machine unless the environment says otherwise (CI sets DATABASE_URL)."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SPINECLINIC_MFA_REQUIRED", "0")
os.environ.setdefault("DB_CONN_MAX_AGE", "0")
