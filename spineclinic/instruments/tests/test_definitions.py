"""Instrument definitions: the bundled files, their licences, and refusing bad files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spineclinic.instruments.definitions import (
    BUNDLED_DIR,
    ODI_DEMO_FILE,
    DefinitionError,
    Instrument,
    load_bundled,
    load_definition,
    load_licensed_odi,
)
from spineclinic.instruments.scoring import (
    NDI_SECTIONS,
    NRS_ITEMS,
    ODI_SECTIONS,
    PHQ9_ITEMS,
    RED_FLAG_CAUSES,
    RED_FLAG_ITEMS,
    SBST_ITEMS,
    SCORERS,
)

# REFERENCE section 3, verbatim.
SBST_WORDING = [
    "My back pain has spread down my leg(s) at some time in the last 2 weeks",
    "I have had pain in the shoulder or neck at some time in the last 2 weeks",
    "I have only walked short distances because of my back pain",
    "In the last 2 weeks, I have dressed more slowly than usual because of back pain",
    "It's not really safe for a person with a condition like mine to be physically active",
    "Worrying thoughts have been going through my mind a lot of the time",
    "I feel that my back pain is terrible and it's never going to get any better",
    "In general I have not enjoyed all the things I used to enjoy",
    "Overall, how bothersome has your back pain been in the last 2 weeks?",
]

VALID = """\
format: 1
code: demo
version: "1"
title: A demo
licence: ""
recall_period: ""
items:
  - code: q1
    text: First
    options:
      - {value: 0, label: "No"}
      - {value: 1, label: "Yes"}
"""

LICENSED_ODI_SECTION = """\
  - code: {code}
    text: Licensed wording of {code}, as supplied under the clinic's licence
    options:
      - {{value: 0, label: Level zero statement}}
      - {{value: 1, label: Level one statement}}
      - {{value: 2, label: Level two statement}}
      - {{value: 3, label: Level three statement}}
      - {{value: 4, label: Level four statement}}
      - {{value: 5, label: Level five statement}}
"""


def write(tmp_path: Path, text: str, name: str = "instrument.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def licensed_odi(codes: tuple[str, ...] = ODI_SECTIONS, licence: str = "Licensed") -> str:
    head = (
        f'format: 1\ncode: odi\nversion: "2.1a"\ntitle: Oswestry\nlicence: "{licence}"\n'
        'recall_period: ""\nitems:\n'
    )
    return head + "".join(LICENSED_ODI_SECTION.format(code=code) for code in codes)


# The bundled definitions


@pytest.fixture(scope="module")
def bundled() -> dict[str, Instrument]:
    return load_bundled()


def test_it_loads_every_bundled_definition(bundled: dict[str, Instrument]) -> None:
    assert set(bundled) == {"red_flags", "sbst", "odi", "ndi", "nrs", "phq9"}
    assert len(list(BUNDLED_DIR.glob("*.yaml"))) == len(bundled)


def test_it_has_a_scorer_for_every_bundled_definition(bundled: dict[str, Instrument]) -> None:
    assert set(bundled) == set(SCORERS)


@pytest.mark.parametrize(
    ("code", "items"),
    [
        ("red_flags", tuple(RED_FLAG_ITEMS)),
        ("sbst", SBST_ITEMS),
        ("odi", ODI_SECTIONS),
        ("ndi", NDI_SECTIONS),
        ("nrs", NRS_ITEMS),
        ("phq9", PHQ9_ITEMS),
    ],
)
def test_it_defines_exactly_the_items_the_scorer_reads(
    bundled: dict[str, Instrument], code: str, items: tuple[str, ...]
) -> None:
    assert bundled[code].item_codes == items


def test_it_offers_only_answers_the_scorer_accepts(bundled: dict[str, Instrument]) -> None:
    # Every option a form can show must score, or a patient could submit an unscorable form.
    for code, instrument in bundled.items():
        for item in instrument.items:
            for option in item.options:
                SCORERS[code]({item.code: option.value})
        SCORERS[code]({item.code: max(item.values) for item in instrument.items})


def test_it_carries_keeles_notice_with_the_sbst(bundled: dict[str, Instrument]) -> None:
    licence = bundled["sbst"].licence
    assert "© Keele University 01/08/07" in licence
    assert "Funded by Arthritis Research UK" in licence
    assert "non-commercial" in licence
    assert "commercial use requires permission from Keele University" in licence


def test_it_ships_the_sbst_wording_verbatim(bundled: dict[str, Instrument]) -> None:
    sbst = bundled["sbst"]
    assert [item.text for item in sbst.items] == SBST_WORDING
    assert sbst.recall_period == "the last 2 weeks"
    assert [o.label for o in sbst.item("q9").options] == [
        "Not at all",
        "Slightly",
        "Moderately",
        "Very much",
        "Extremely",
    ]
    assert all([o.label for o in item.options] == ["Disagree", "Agree"] for item in sbst.items[:8])


def test_it_ships_no_licensed_odi_wording(bundled: dict[str, Instrument]) -> None:
    odi = bundled["odi"]
    assert odi.version.startswith("demo")
    assert [item.text for item in odi.items] == [
        "Pain intensity",
        "Personal care",
        "Lifting",
        "Walking",
        "Sitting",
        "Standing",
        "Sleeping",
        "Sex life",
        "Social life",
        "Travelling",
    ]
    for item in odi.items:
        assert [option.label for option in item.options] == ["0", "1", "2", "3", "4", "5"]
    raw = ODI_DEMO_FILE.read_text(encoding="utf-8").lower()
    for phrase in ("pain killers", "painkillers", "i can ", "without extra pain", "prevents me"):
        assert phrase not in raw


def test_it_tags_every_red_flag_with_its_suspected_cause(bundled: dict[str, Instrument]) -> None:
    red_flags = bundled["red_flags"]
    assert {item.code: item.tags for item in red_flags.items} == {
        code: (cause,) for code, cause in RED_FLAG_ITEMS.items()
    }
    assert {item.tags[0] for item in red_flags.items} == set(RED_FLAG_CAUSES)
    assert all(item.values == {0, 1} and item.required for item in red_flags.items)


def test_it_notes_the_ndi_authors_encouragement(bundled: dict[str, Instrument]) -> None:
    assert "encourages duplication and use" in bundled["ndi"].licence
    assert not bundled["ndi"].item("driving").required  # non-drivers leave it blank


def test_it_offers_nrs_0_to_10_and_phq9_0_to_3(bundled: dict[str, Instrument]) -> None:
    assert all(item.values == set(range(11)) for item in bundled["nrs"].items)
    assert all(item.values == set(range(4)) for item in bundled["phq9"].items)
    assert "Pfizer" in bundled["phq9"].licence


# Refusing malformed files, naming the file and the fault


def test_it_loads_a_minimal_valid_definition(tmp_path: Path) -> None:
    instrument = load_definition(write(tmp_path, VALID))
    assert instrument.code == "demo"
    assert instrument.items[0].required
    assert instrument.items[0].tags == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("title: A demo\n", ""), r"missing key\(s\) title"),
        (('licence: ""\n', ""), r"missing key\(s\) licence"),
        (("    text: First\n", "    text: First\n    requried: false\n"), "unknown key.*requried"),
        (('version: "1"', "version: 1.10"), "version: must be text.*quote it"),
        (("format: 1", "format: 2"), "unsupported format 2"),
        (("code: demo", "code: Demo Code"), "code: 'Demo Code' is not a code"),
        (
            ("value: 1,", 'value: "1",'),
            r"items\[0\] \(q1\)\.options\[1\]\.value: must be an integer",
        ),
        (("value: 1,", "value: yes,"), r"options\[1\]\.value: must be an integer, got True"),
        (("value: 1,", "value: 0,"), "duplicate values"),
        (("text: First", "text: ''"), r"text: must not be empty"),
        (("    text: First\n", "    text: First\n    required: maybe\n"), "must be true or false"),
        (("title: A demo", "title: A demo\ntitle: Again"), "duplicate key 'title'"),
        ((VALID[VALID.index("    options:") :], "    options: []\n"), "must be a non-empty list"),
    ],
)
def test_it_refuses_a_malformed_definition_naming_the_file_and_fault(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(DefinitionError, match=message) as caught:
        load_definition(path)
    assert str(caught.value).startswith(str(path))


def test_it_refuses_duplicate_item_codes(tmp_path: Path) -> None:
    item = VALID[VALID.index("  - code: q1") :]
    with pytest.raises(DefinitionError, match=r"duplicate item code\(s\) q1"):
        load_definition(write(tmp_path, VALID + item))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "must hold a mapping"),
        ("- just\n- a list\n", "must hold a mapping"),
        ("code: [unclosed\n", "not valid YAML"),
        (VALID.replace("items:", "items: {}\nold_items:"), "unknown key"),
    ],
)
def test_it_refuses_a_file_that_is_not_a_definition(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(DefinitionError, match=message):
        load_definition(write(tmp_path, text))


def test_it_refuses_a_missing_file_naming_it(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match=re.escape(str(tmp_path / "nope.yaml"))):
        load_definition(tmp_path / "nope.yaml")


def test_it_refuses_two_bundled_files_with_one_code(tmp_path: Path) -> None:
    write(tmp_path, VALID, "a.yaml")
    write(tmp_path, VALID, "b.yml")
    with pytest.raises(DefinitionError, match=r"b\.yml: code: 'demo' is already defined"):
        load_bundled(tmp_path)


# A clinic's licensed Oswestry


def test_it_loads_a_licensed_odi_in_the_same_format(tmp_path: Path) -> None:
    odi = load_licensed_odi(write(tmp_path, licensed_odi()))
    assert odi.code == "odi"
    assert odi.item_codes == ODI_SECTIONS
    assert odi.item("lifting").options[5].label == "Level five statement"
    assert SCORERS["odi"]({code: 1 for code in odi.item_codes}).percent == 20


def test_it_refuses_a_licensed_odi_with_other_sections(tmp_path: Path) -> None:
    path = write(tmp_path, licensed_odi(ODI_SECTIONS[:9]))
    with pytest.raises(DefinitionError, match="section codes must be pain_intensity"):
        load_licensed_odi(path)


def test_it_refuses_a_licensed_odi_with_other_levels(tmp_path: Path) -> None:
    text = licensed_odi().replace(
        "{value: 5, label: Level five statement}", "{value: 6, label: Six}"
    )
    with pytest.raises(DefinitionError, match=r"values must be \[0, 1, 2, 3, 4, 5\]"):
        load_licensed_odi(write(tmp_path, text))


def test_it_refuses_a_licensed_odi_without_its_notice(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="licence notice"):
        load_licensed_odi(write(tmp_path, licensed_odi(licence="")))


def test_it_refuses_another_instrument_as_the_licensed_odi(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="must be 'odi'"):
        load_licensed_odi(write(tmp_path, licensed_odi().replace("code: odi", "code: ndi")))
