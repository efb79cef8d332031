"""Questionnaire definitions: the wording, answer options and licence notice of an
instrument, kept in versioned YAML files so that wording can change (or a licensed
clinic can load wording we may not ship) without touching the scoring code.

File format (``format: 1``)::

    format: 1
    code: sbst                 # the scoring function's instrument code
    version: "2007-08"         # version of this wording, quoted (1.10 must not become 1.1)
    title: Keele STarT Back Screening Tool
    licence: "..."             # copyright / funding notice shown with the items; "" if none
    recall_period: the last 2 weeks     # "" if the instrument has none
    source: Hill JC et al., Arthritis Rheum 2008   # optional citation
    items:
      - code: q1
        text: My back pain has spread down my leg(s) ...
        required: true         # optional, default true: the form refuses to submit without it
        tags: [cauda_equina]   # optional: what the item stands for (red flags: the cause)
        options:
          - {value: 0, label: Disagree}
          - {value: 1, label: Agree}

YAML anchors (``options: &agree [...]`` then ``options: *agree``) share option lists.
Unknown keys and duplicate keys are refused, so a typo such as ``requried: false`` fails
loudly instead of silently making an item mandatory.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FORMAT = 1
BUNDLED_DIR = Path(__file__).parent / "instrument_files"
ODI_DEMO_FILE = BUNDLED_DIR / "odi_demo.yaml"

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
TOP_KEYS = {"format", "code", "version", "title", "licence", "recall_period", "source", "items"}
REQUIRED_TOP_KEYS = TOP_KEYS - {"source"}
ITEM_KEYS = {"code", "text", "required", "tags", "options"}
OPTION_KEYS = {"value", "label"}


class DefinitionError(ValueError):
    """A definition file that cannot be used; the message names the file and the fault."""


@dataclass(frozen=True)
class AnswerOption:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    options: tuple[AnswerOption, ...]
    required: bool = True
    tags: tuple[str, ...] = ()

    @property
    def values(self) -> frozenset[int]:
        return frozenset(option.value for option in self.options)


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    title: str
    licence: str
    recall_period: str
    items: tuple[Item, ...]
    source: str = ""

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(f"{self.code} has no item {code!r}")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys: PyYAML keeps the last one silently,
    which would let a second ``text:`` replace an item's wording unnoticed."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Hashable, Any]:
    loader.flatten_mapping(node)  # resolve YAML merge keys (<<) before checking
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise DefinitionError(f"duplicate key {key!r} (line {key_node.start_mark.line + 1})")
        seen.add(key)
    return dict(loader.construct_pairs(node))


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _fail(path: Path, where: str, problem: str) -> DefinitionError:
    return DefinitionError(f"{path}: {where}: {problem}" if where else f"{path}: {problem}")


def _check_keys(
    path: Path, where: str, data: Mapping[Any, Any], allowed: set[str], required: set[str]
) -> None:
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise _fail(path, where, f"unknown key(s) {', '.join(unknown)}")
    missing = sorted(required - set(data))
    if missing:
        raise _fail(path, where, f"missing key(s) {', '.join(missing)}")


def _text(path: Path, where: str, value: Any, *, empty_ok: bool = False) -> str:
    if not isinstance(value, str):
        hint = " (quote it in the YAML)" if isinstance(value, int | float) else ""
        raise _fail(path, where, f"must be text, got {value!r}{hint}")
    if not empty_ok and not value.strip():
        raise _fail(path, where, "must not be empty")
    return value.strip()


def _code(path: Path, where: str, value: Any) -> str:
    code = _text(path, where, value)
    if not CODE_PATTERN.match(code):
        raise _fail(path, where, f"{code!r} is not a code (lower case letters, digits, _)")
    return code


def _option(path: Path, where: str, data: Any) -> AnswerOption:
    if not isinstance(data, Mapping):
        raise _fail(path, where, "must be a mapping with value and label")
    _check_keys(path, where, data, OPTION_KEYS, OPTION_KEYS)
    value = data["value"]
    # bool is an int subclass: "value: yes" in YAML must not become the answer 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(path, f"{where}.value", f"must be an integer, got {value!r}")
    return AnswerOption(value=value, label=_text(path, f"{where}.label", data["label"]))


def _item(path: Path, where: str, data: Any) -> Item:
    if not isinstance(data, Mapping):
        raise _fail(path, where, "must be a mapping")
    _check_keys(path, where, data, ITEM_KEYS, {"code", "text", "options"})
    code = _code(path, f"{where}.code", data["code"])
    where = f"{where} ({code})"
    required = data.get("required", True)
    if not isinstance(required, bool):
        raise _fail(path, f"{where}.required", f"must be true or false, got {required!r}")
    tags = data.get("tags", [])
    if not isinstance(tags, list):
        raise _fail(path, f"{where}.tags", "must be a list")
    raw_options = data["options"]
    if not isinstance(raw_options, list) or not raw_options:
        raise _fail(path, f"{where}.options", "must be a non-empty list")
    options = tuple(
        _option(path, f"{where}.options[{i}]", option) for i, option in enumerate(raw_options)
    )
    values = [option.value for option in options]
    if len(set(values)) != len(values):
        raise _fail(path, f"{where}.options", f"duplicate values in {values}")
    return Item(
        code=code,
        text=_text(path, f"{where}.text", data["text"]),
        options=options,
        required=required,
        tags=tuple(_code(path, f"{where}.tags[{i}]", tag) for i, tag in enumerate(tags)),
    )


def parse_definition(data: Any, path: Path) -> Instrument:
    """Validate already-parsed YAML; ``path`` is only used to name the file in errors."""
    if not isinstance(data, Mapping):
        raise _fail(path, "", "the file must hold a mapping (code, version, title, ...)")
    _check_keys(path, "", data, TOP_KEYS, REQUIRED_TOP_KEYS)
    if data["format"] != FORMAT:
        raise _fail(path, "format", f"unsupported format {data['format']!r}, expected {FORMAT}")
    raw_items = data["items"]
    if not isinstance(raw_items, list) or not raw_items:
        raise _fail(path, "items", "must be a non-empty list")
    items = tuple(_item(path, f"items[{i}]", item) for i, item in enumerate(raw_items))
    codes = [item.code for item in items]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise _fail(path, "items", f"duplicate item code(s) {', '.join(duplicates)}")
    return Instrument(
        code=_code(path, "code", data["code"]),
        version=_text(path, "version", data["version"]),
        title=_text(path, "title", data["title"]),
        licence=_text(path, "licence", data["licence"], empty_ok=True),
        recall_period=_text(path, "recall_period", data["recall_period"], empty_ok=True),
        items=items,
        source=_text(path, "source", data.get("source", ""), empty_ok=True),
    )


def load_definition(path: str | Path) -> Instrument:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, "", f"cannot be read ({exc})") from exc
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except DefinitionError as exc:
        raise _fail(path, "", str(exc)) from exc
    except yaml.YAMLError as exc:
        raise _fail(path, "", f"is not valid YAML ({exc})") from exc
    return parse_definition(data, path)


def load_bundled(directory: Path = BUNDLED_DIR) -> dict[str, Instrument]:
    """Every definition shipped with spineclinic, by instrument code."""
    instruments: dict[str, Instrument] = {}
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    for path in files:
        instrument = load_definition(path)
        if instrument.code in instruments:
            raise _fail(path, "code", f"{instrument.code!r} is already defined by another file")
        instruments[instrument.code] = instrument
    return instruments


def load_licensed_odi(path: str | Path) -> Instrument:
    """The Oswestry wording a clinic holds under its own Mapi Research Trust licence.

    spineclinic ships only section names (REFERENCE section 4), so the licensed file must
    fit the same scoring: code ``odi``, the demo's ten section codes in the same order,
    each with levels 0-5, and a licence notice to show with the items.
    """
    path = Path(path)
    licensed = load_definition(path)
    demo = load_definition(ODI_DEMO_FILE)
    if licensed.code != demo.code:
        raise _fail(path, "code", f"must be {demo.code!r} for the Oswestry, got {licensed.code!r}")
    if licensed.item_codes != demo.item_codes:
        raise _fail(
            path,
            "items",
            f"section codes must be {', '.join(demo.item_codes)} in that order, "
            f"got {', '.join(licensed.item_codes)}",
        )
    for item, demo_item in zip(licensed.items, demo.items, strict=True):
        if item.values != demo_item.values:
            raise _fail(
                path,
                f"items ({item.code}).options",
                f"values must be {sorted(demo_item.values)}, got {sorted(item.values)}",
            )
    if not licensed.licence:
        raise _fail(path, "licence", "a licensed definition must carry its licence notice")
    return licensed
