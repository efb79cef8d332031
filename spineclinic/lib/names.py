"""Comparable forms of people's names, for search and duplicate detection."""

from __future__ import annotations

import re
import unicodedata


def name_key(*parts: str) -> str:
    """Lower case, accents and punctuation removed, one space between words."""
    text = unicodedata.normalize("NFKD", " ".join(parts))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z ]+", " ", text).split())
