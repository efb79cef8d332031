"""A patient looking for a spine specialist: from the home page to a profile."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from spineclinic.directory.nppes_import import import_nppes
from spineclinic.directory.tests.nppes_files import provider_row, write_nppes

pytestmark = pytest.mark.browser


def test_it_finds_a_specialist_from_the_home_page(page: Page, tmp_path: Path) -> None:
    rows = [
        provider_row(
            "1000000012", last="VERTEBRA", first="NORA", taxonomy="225100000X", credentials="DPT"
        ),
        provider_row("1000000020", last="ADJUSTER", first="CARL", taxonomy="111N00000X"),
    ]
    import_nppes(write_nppes(tmp_path / "p.csv", rows))
    page.goto("/")
    expect(page.get_by_role("heading", name="Find the right spine specialist")).to_be_visible()
    page.get_by_label("Near").fill("Hartford, CT")
    page.get_by_label("Physical therapy").check()
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_contain_text("1 result within 25 mi")
    expect(page.get_by_text("Carl Adjuster")).to_have_count(0)
    page.get_by_role("link", name="Nora Vertebra").click()
    expect(page.get_by_role("heading", name="Nora Vertebra, DPT")).to_be_visible()
    expect(page.get_by_text("NPI 1000000012")).to_be_visible()
    expect(page.locator("footer")).to_contain_text("GeoNames")
