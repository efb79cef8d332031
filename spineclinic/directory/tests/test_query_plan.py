"""The query plan matters more than the code: a radius-plus-discipline search must start
from the grid-square index, never from a scan of everyone with that discipline."""

from typing import Any

import pytest
from django.db import connection

from spineclinic.directory.search import SearchQuery, count_sql, discipline_bits, ranked_sql

pytestmark = pytest.mark.django_db

QUERY = SearchQuery(
    lat=41.7672,
    lon=-72.676,
    place="06103",
    radius=50.0,
    disciplines=("physical_therapy",),
    accepting=True,
)


def plan(sql: str, params: list[Any]) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # An empty test table would make any plan a sequential scan; what we check is
            # which index the planner picks when it must pick one.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row) for row in cursor.fetchall())


@pytest.mark.parametrize("build", [ranked_sql, count_sql])
def test_it_starts_the_search_from_the_grid_square_index(build) -> None:  # type: ignore[no-untyped-def]
    text = plan(*build(QUERY, discipline_bits()))
    assert "listing_cell" in text, text
    assert "practice_id" not in text and "provider_id" not in text, text
    if connection.vendor == "sqlite":
        assert "SCAN l\n" not in text + "\n" and "SCAN directory_listing" not in text, text
