"""The pathway rule file: its format, and a loader that names the line of every mistake.

Rules are data, in a versioned YAML file that clinicians can read (docs/pathways.md has the
format with examples). The loader composes the YAML into nodes rather than plain Python
values, because nodes remember their line: a clinician who mistypes a fact name on line 40
is told "line 40", not "somewhere in rule 12". Every problem in the file is collected and
reported at once, sorted by line.

Conditions are a small declarative language (all / any / not, comparisons, present /
absent) interpreted by the engine; nothing in a rule file is ever executed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path

import yaml

from spineclinic.pathways.facts import FACTS, FactSpec, FactValue, suggest

# REFERENCE section 1. Kept here rather than read from the directory app's table so that
# the engine stays framework-free; directory/migrations/0002_disciplines.py holds the same
# codes, and a test keeps the two in step.
DISCIPLINES: Mapping[str, str] = {
    "spine_surgery_ortho": "orthopaedic spine surgery",
    "neurosurgery": "neurosurgery",
    "physiatry": "physiatry (physical medicine and rehabilitation)",
    "pain_medicine": "pain medicine",
    "neuroradiology": "neuroradiology",
    "chiropractic": "chiropractic",
    "physical_therapy": "physical therapy",
    "pain_psychology": "pain psychology",
    "primary_care": "primary care",
}
SURGICAL_DISCIPLINES = frozenset({"spine_surgery_ortho", "neurosurgery"})


class Urgency(StrEnum):
    EMERGENCY = "emergency"  # same day: emergency department or same-day evaluation
    URGENT = "urgent"  # within days
    SOON = "soon"  # within weeks
    ROUTINE = "routine"  # the ordinary waiting list

    @property
    def rank(self) -> int:
        return _URGENCY_ORDER.index(self)


_URGENCY_ORDER = (Urgency.ROUTINE, Urgency.SOON, Urgency.URGENT, Urgency.EMERGENCY)


def most_urgent(urgencies: Iterable[Urgency], default: Urgency = Urgency.ROUTINE) -> Urgency:
    return max(urgencies, key=lambda urgency: urgency.rank, default=default)


COMPOSITE_OPERATORS = ("all", "any", "not")
COMPARISON_OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "contains")
PRESENCE_OPERATORS = ("present", "absent")
OPERATORS = COMPOSITE_OPERATORS + COMPARISON_OPERATORS + PRESENCE_OPERATORS
NUMERIC_OPERATORS = frozenset({"lt", "le", "gt", "ge"})

# eq/ne against a list fact hold a frozenset (compared as sets); `in` holds a tuple of the
# accepted values; every other operator holds one value of the fact's type.
Operand = FactValue | frozenset[str] | tuple[FactValue, ...]


@dataclass(frozen=True)
class Comparison:
    """`fact` compared with `value` by `op`; false whenever the fact is not recorded."""

    fact: str
    op: str
    value: Operand
    line: int


@dataclass(frozen=True)
class Presence:
    fact: str
    present: bool
    line: int


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]
    line: int


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]
    line: int


@dataclass(frozen=True)
class Not:
    condition: Condition
    line: int


Condition = Comparison | Presence | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    priority: int
    conditions: Condition
    urgency: Urgency
    explanation: str
    source: str
    recommends: tuple[str, ...] = ()
    # Alternatives: exactly one option is needed; an option is one or more disciplines that
    # go together (e.g. physical therapy with pain psychology).
    recommends_any_of: tuple[tuple[str, ...], ...] = ()
    # Disciplines this rule forbids in the final recommendation, whichever rule proposed
    # them: the way a rule file states "never", e.g. no surgery for non-specific pain.
    excludes: tuple[str, ...] = ()
    stop: bool = False
    line: int = 0


DEFAULT_REVIEW_EXPLANATION = (
    "The pathway recommends no discipline for these facts: a clinician reviews the case and "
    "decides the next step."
)


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: tuple[Rule, ...]  # in evaluation order: priority, then position in the file
    description: str = ""
    clinician_review_urgency: Urgency = Urgency.SOON
    clinician_review_explanation: str = DEFAULT_REVIEW_EXPLANATION
    source: str = "<rules>"

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


class YamlFileError(ValueError):
    """A YAML file that cannot be used; `problems` are (line or None, reason), by line.

    `line` and `reason` are those of the first problem, the place to start looking.
    """

    def __init__(self, source: str, problems: Sequence[tuple[int | None, str]]) -> None:
        self.source = source
        self.problems = tuple(
            sorted(problems, key=lambda problem: (problem[0] is not None, problem[0] or 0))
        )
        self.line, self.reason = self.problems[0]
        super().__init__(
            "\n".join(
                f"{source}, line {line}: {reason}" if line is not None else f"{source}: {reason}"
                for line, reason in self.problems
            )
        )


class RuleFileError(YamlFileError):
    pass


class YamlReader:
    """Reads a YAML document node by node, collecting problems with their line numbers.

    Shared by the rule file and the harness's case file, which report errors alike.
    """

    def __init__(self, text: str, source: str, error: type[YamlFileError]) -> None:
        self.source = source
        self.error = error
        self.problems: list[tuple[int | None, str]] = []
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            reason = exc.problem or exc.context or "unreadable"
            if exc.problem and exc.context and exc.context_mark is not None:
                # The parser notices a problem late, e.g. an unclosed bracket lines later:
                # say where the construct it was reading began.
                reason += f" ({exc.context}, started on line {exc.context_mark.line + 1})"
            raise error(source, [(line, f"YAML syntax error: {reason}")]) from None
        except yaml.YAMLError as exc:
            raise error(source, [(None, f"YAML error: {exc}")]) from None
        if root is None:
            raise error(source, [(None, "the file is empty")])
        self.root: yaml.Node = root
        # Builds Python values from scalar nodes with YAML's own rules (true, 3, 4.5, ...).
        self._constructor = yaml.SafeLoader("")

    def line(self, node: yaml.Node) -> int:
        return int(node.start_mark.line) + 1

    def fail(self, node: yaml.Node | None, reason: str) -> None:
        self.problems.append((self.line(node) if node is not None else None, reason))

    def finish(self) -> None:
        if self.problems:
            raise self.error(self.source, self.problems)

    def value(self, node: yaml.Node) -> object:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.fail(node, f"cannot read this value: {exc}")
            return None

    def describe(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        # The text as written: constructing it again could repeat a reported problem.
        return repr(node.value)

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """Name -> (key node, value node), or None after reporting why it is not a mapping."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a mapping (name: value), got {self.describe(node)}")
            return None
        entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.fail(key_node, f"{what}: field names must be text")
            elif key in entries:
                first = self.line(entries[key][0])
                self.fail(key_node, f"{what}: '{key}' appears twice (first on line {first})")
            else:
                entries[key] = (key_node, value_node)
        return entries

    def fields(
        self, node: yaml.Node, what: str, required: Sequence[str], optional: Sequence[str]
    ) -> dict[str, yaml.Node] | None:
        """The known fields' value nodes; unknown and missing fields are reported."""
        entries = self.mapping(node, what)
        if entries is None:
            return None
        known = [*required, *optional]
        for key, (key_node, _) in entries.items():
            if key not in known:
                self.fail(key_node, f"unknown field '{key}' in {what}{suggest(key, known)}")
        for key in required:
            if key not in entries:
                self.fail(node, f"{what} is missing the field '{key}'")
        return {key: value_node for key, (_, value_node) in entries.items() if key in known}

    def peek(self, node: yaml.Node, key: str) -> str | None:
        """The text of `key` in a mapping, to name it in messages before it is checked."""
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if getattr(key_node, "value", None) == key and isinstance(
                    value_node, yaml.ScalarNode
                ):
                    return str(value_node.value)
        return None

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{what} must be a list, got {self.describe(node)}")
            return None
        return list(node.value)

    def text(self, node: yaml.Node, what: str) -> str | None:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not value.strip():
            self.fail(node, f"{what} must be non-empty text, got {self.describe(node)}")
            return None
        # Folded and literal blocks end with a newline and may wrap: one plain paragraph.
        return " ".join(value.split())

    def integer(self, node: yaml.Node, what: str) -> int | None:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(node, f"{what} must be a whole number, got {self.describe(node)}")
            return None
        return value

    def boolean(self, node: yaml.Node, what: str) -> bool | None:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, bool):
            self.fail(node, f"{what} must be true or false, got {self.describe(node)}")
            return None
        return value

    def discipline(self, node: yaml.Node, what: str) -> str | None:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if isinstance(value, str) and value in DISCIPLINES:
            return value
        hint = suggest(value, list(DISCIPLINES)) if isinstance(value, str) else ""
        self.fail(
            node,
            f"unknown discipline {self.describe(node)} in {what}{hint}; "
            f"disciplines: {', '.join(DISCIPLINES)}",
        )
        return None

    def disciplines(self, node: yaml.Node, what: str) -> tuple[str, ...] | None:
        items = self.sequence(node, what)
        if items is None:
            return None
        codes: list[str] = []
        ok = True
        for item in items:
            code = self.discipline(item, what)
            if code is None:
                ok = False
            elif code in codes:
                self.fail(item, f"'{code}' is listed twice in {what}")
                ok = False
            else:
                codes.append(code)
        return tuple(codes) if ok else None


_RULE_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_TOP_REQUIRED = ("version", "rules")
_TOP_OPTIONAL = ("description", "clinician_review")
_RULE_REQUIRED = ("id", "title", "priority", "conditions", "urgency", "explanation", "source")
_RULE_OPTIONAL = ("recommends", "recommends_any_of", "excludes", "stop")


class _RuleFileParser:
    def __init__(self, reader: YamlReader) -> None:
        self.reader = reader

    def parse(self) -> RuleSet | None:
        reader = self.reader
        top = reader.fields(reader.root, "the rule file", _TOP_REQUIRED, _TOP_OPTIONAL)
        if top is None:
            return None
        version = self._version(top["version"]) if "version" in top else None
        description = ""
        if "description" in top:
            description = reader.text(top["description"], "description") or ""
        review_urgency, review_explanation = Urgency.SOON, DEFAULT_REVIEW_EXPLANATION
        if "clinician_review" in top:
            review = reader.fields(
                top["clinician_review"], "clinician_review", (), ("urgency", "explanation")
            )
            if review is not None and "urgency" in review:
                review_urgency = self._urgency(review["urgency"]) or review_urgency
            if review is not None and "explanation" in review:
                text = reader.text(review["explanation"], "clinician_review explanation")
                review_explanation = text or review_explanation
        rules = self._rules(top["rules"]) if "rules" in top else None
        if version is None or rules is None:
            return None
        return RuleSet(
            version=version,
            rules=rules,
            description=description,
            clinician_review_urgency=review_urgency,
            clinician_review_explanation=review_explanation,
            source=reader.source,
        )

    def _version(self, node: yaml.Node) -> str | None:
        value = self.reader.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not value.strip():
            # An unquoted 2026.11 is read as a number and would lose its trailing zeros.
            self.reader.fail(
                node,
                'version must be quoted text, e.g. version: "2026.11-1"; '
                f"got {self.reader.describe(node)}",
            )
            return None
        return value.strip()

    def _rules(self, node: yaml.Node) -> tuple[Rule, ...] | None:
        items = self.reader.sequence(node, "rules")
        if items is None:
            return None
        if not items:
            self.reader.fail(node, "rules: the file has no rules")
            return None
        parsed: list[tuple[int, int, Rule]] = []
        first_line_of: dict[str, int] = {}
        for position, item in enumerate(items):
            rule = self._rule(item, position + 1)
            if rule is None:
                continue
            if rule.id in first_line_of:
                self.reader.fail(
                    item,
                    f"duplicate rule id '{rule.id}' (first defined on line "
                    f"{first_line_of[rule.id]})",
                )
                continue
            first_line_of[rule.id] = rule.line
            parsed.append((rule.priority, position, rule))
        if self.reader.problems:
            return None
        # Equal priorities keep their order in the file, so evaluation is always the same.
        return tuple(rule for _, _, rule in sorted(parsed, key=lambda entry: entry[:2]))

    def _rule(self, node: yaml.Node, position: int) -> Rule | None:
        reader = self.reader
        peeked = reader.peek(node, "id")
        what = f"rule '{peeked}'" if peeked else f"rule number {position}"
        problems_before = len(reader.problems)
        fields = reader.fields(node, what, _RULE_REQUIRED, _RULE_OPTIONAL)
        if fields is None:
            return None
        rule_id = self._rule_id(fields["id"]) if "id" in fields else None
        title = reader.text(fields["title"], f"the title of {what}") if "title" in fields else None
        priority = None
        if "priority" in fields:
            priority = reader.integer(fields["priority"], f"the priority of {what}")
        conditions = self._condition(fields["conditions"]) if "conditions" in fields else None
        urgency = self._urgency(fields["urgency"]) if "urgency" in fields else None
        explanation = None
        if "explanation" in fields:
            explanation = reader.text(fields["explanation"], f"the explanation of {what}")
        source = (
            reader.text(fields["source"], f"the source of {what}") if "source" in fields else None
        )
        recommends: tuple[str, ...] | None = ()
        if "recommends" in fields:
            recommends = reader.disciplines(fields["recommends"], f"recommends of {what}")
        any_of: tuple[tuple[str, ...], ...] | None = ()
        if "recommends_any_of" in fields:
            any_of = self._any_of(fields["recommends_any_of"], what)
        excludes: tuple[str, ...] | None = ()
        if "excludes" in fields:
            excludes = reader.disciplines(fields["excludes"], f"excludes of {what}")
        stop: bool | None = False
        if "stop" in fields:
            stop = reader.boolean(fields["stop"], f"stop of {what}")
        if recommends is not None and any_of is not None and excludes is not None:
            self._check_overlaps(fields, what, recommends, any_of, excludes)
        if len(reader.problems) > problems_before:
            return None
        # Every field was read without a problem, so none of these is None.
        assert rule_id is not None and title is not None and priority is not None
        assert conditions is not None and urgency is not None and explanation is not None
        assert source is not None and recommends is not None and any_of is not None
        assert excludes is not None and stop is not None
        return Rule(
            id=rule_id,
            title=title,
            priority=priority,
            conditions=conditions,
            urgency=urgency,
            explanation=explanation,
            source=source,
            recommends=recommends,
            recommends_any_of=any_of,
            excludes=excludes,
            stop=stop,
            line=reader.line(node),
        )

    def _rule_id(self, node: yaml.Node) -> str | None:
        value = self.reader.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not _RULE_ID.fullmatch(value):
            self.reader.fail(
                node,
                "a rule id is lowercase letters, digits, '-' and '_', e.g. "
                f"red-flag-cauda-equina; got {self.reader.describe(node)}",
            )
            return None
        return value

    def _urgency(self, node: yaml.Node) -> Urgency | None:
        value = self.reader.value(node) if isinstance(node, yaml.ScalarNode) else None
        urgencies = [urgency.value for urgency in Urgency]
        if isinstance(value, str) and value in urgencies:
            return Urgency(value)
        hint = suggest(value, urgencies) if isinstance(value, str) else ""
        self.reader.fail(
            node,
            f"unknown urgency {self.reader.describe(node)}{hint}; "
            f"urgencies: {', '.join(urgencies)}",
        )
        return None

    def _any_of(self, node: yaml.Node, what: str) -> tuple[tuple[str, ...], ...] | None:
        reader = self.reader
        where = f"recommends_any_of of {what}"
        items = reader.sequence(node, where)
        if items is None:
            return None
        if len(items) < 2:
            reader.fail(node, f"{where} needs at least two options; use recommends for one")
            return None
        options: list[tuple[str, ...]] = []
        ok = True
        for item in items:
            if isinstance(item, yaml.SequenceNode):
                codes = reader.disciplines(item, where)
                if codes is not None and not codes:
                    reader.fail(item, f"an option of {where} is an empty list")
                    codes = None
            else:
                code = reader.discipline(item, where)
                codes = (code,) if code is not None else None
            if codes is None:
                ok = False
            elif any(set(codes) == set(option) for option in options):
                reader.fail(item, f"the option {list(codes)} appears twice in {where}")
                ok = False
            else:
                options.append(codes)
        return tuple(options) if ok else None

    def _check_overlaps(
        self,
        fields: Mapping[str, yaml.Node],
        what: str,
        recommends: tuple[str, ...],
        any_of: tuple[tuple[str, ...], ...],
        excludes: tuple[str, ...],
    ) -> None:
        offered = {code for option in any_of for code in option}
        for code in recommends:
            if code in offered:
                self.reader.fail(
                    fields["recommends_any_of"],
                    f"'{code}' is both in recommends and in recommends_any_of of {what}",
                )
        for code in excludes:
            if code in recommends or code in offered:
                self.reader.fail(
                    fields["excludes"], f"{what} both recommends and excludes '{code}'"
                )

    def _fact(self, node: yaml.Node) -> FactSpec | None:
        value = self.reader.value(node) if isinstance(node, yaml.ScalarNode) else None
        if isinstance(value, str) and value in FACTS:
            return FACTS[value]
        hint = suggest(value, list(FACTS)) if isinstance(value, str) else ""
        self.reader.fail(node, f"unknown fact {self.reader.describe(node)}{hint}")
        return None

    def _condition(self, node: yaml.Node) -> Condition | None:
        reader = self.reader
        entries = reader.mapping(node, "a condition")
        if entries is None:
            return None
        line = reader.line(node)
        names = list(entries)
        if not names:
            reader.fail(node, "a condition is empty; write all, any, not, a comparison, ...")
            return None
        structural = [
            name for name in names if name in COMPOSITE_OPERATORS or name in PRESENCE_OPERATORS
        ]
        if structural:
            if len(names) > 1:
                reader.fail(
                    node,
                    f"'{structural[0]}' stands alone in its condition; found beside it: "
                    + ", ".join(name for name in names if name != structural[0]),
                )
                return None
            return self._structural(structural[0], entries[structural[0]][1], line)
        unknown = [name for name in names if name != "fact" and name not in COMPARISON_OPERATORS]
        for name in unknown:
            reader.fail(
                entries[name][0],
                f"unknown operator '{name}'{suggest(name, OPERATORS)}; "
                f"operators: {', '.join(OPERATORS)}",
            )
        if unknown:
            return None
        operators = [name for name in names if name != "fact"]
        if "fact" not in entries:
            reader.fail(node, f"the comparison '{operators[0]}' needs 'fact: <name>'")
            return None
        spec = self._fact(entries["fact"][1])
        if not operators:
            reader.fail(
                node,
                "a comparison needs one operator: " + ", ".join(COMPARISON_OPERATORS),
            )
            return None
        if len(operators) > 1:
            reader.fail(
                entries[operators[1]][0],
                f"one operator per comparison (found {', '.join(operators)}); "
                "combine comparisons with all",
            )
            return None
        if spec is None:
            return None
        op = operators[0]
        operand = self._operand(spec, op, entries[op][1])
        if operand is None:
            return None
        return Comparison(fact=spec.name, op=op, value=operand, line=line)

    def _structural(self, name: str, node: yaml.Node, line: int) -> Condition | None:
        if name in ("all", "any"):
            items = self.reader.sequence(node, f"'{name}'")
            if items is None:
                return None
            if not items:
                self.reader.fail(node, f"'{name}' needs at least one condition")
                return None
            parsed = [self._condition(item) for item in items]
            conditions = tuple(condition for condition in parsed if condition is not None)
            if len(conditions) != len(parsed):
                return None
            return AllOf(conditions, line) if name == "all" else AnyOf(conditions, line)
        if name == "not":
            inner = self._condition(node)
            return Not(inner, line) if inner is not None else None
        spec = self._fact(node)
        return Presence(spec.name, name == "present", line) if spec is not None else None

    def _operand(self, spec: FactSpec, op: str, node: yaml.Node) -> Operand | None:
        reader = self.reader
        if op in NUMERIC_OPERATORS and not spec.is_numeric:
            reader.fail(node, f"'{op}' compares numbers; '{spec.name}' is {spec.describe_type()}")
            return None
        if op == "contains":
            if not spec.is_list:
                reader.fail(
                    node,
                    f"'contains' tests a list fact; '{spec.name}' is {spec.describe_type()} "
                    "(use eq or in)",
                )
                return None
            value = reader.value(node)
            if not isinstance(value, str) or value not in spec.allowed:
                reader.fail(
                    node,
                    f"'{spec.name}' never contains {value!r}; its values are "
                    + ", ".join(spec.allowed),
                )
                return None
            return value
        if op == "in":
            if spec.is_list:
                reader.fail(node, f"'in' tests one value; '{spec.name}' is a list (use contains)")
                return None
            items = reader.sequence(node, f"the values of 'in' for '{spec.name}'")
            if items is None:
                return None
            if not items:
                reader.fail(node, f"the values of 'in' for '{spec.name}' are an empty list")
                return None
            values = [self._checked(spec, item) for item in items]
            if any(value is None for value in values):
                return None
            return tuple(value for value in values if value is not None)
        checked = self._checked(spec, node)
        if checked is None:
            return None
        return frozenset(checked) if isinstance(checked, tuple) else checked

    def _checked(self, spec: FactSpec, node: yaml.Node) -> FactValue | None:
        raw = self.reader.value(node)
        try:
            return spec.check(raw)
        except ValueError as error:
            self.reader.fail(node, str(error))
            return None


def parse_rules(text: str, source: str = "<rules>") -> RuleSet:
    """The rule set in `text`, or RuleFileError naming the line and reason of each problem."""
    reader = YamlReader(text, source, RuleFileError)
    ruleset = _RuleFileParser(reader).parse()
    reader.finish()
    assert ruleset is not None  # the parser reports a problem whenever it gives up
    return ruleset


def load_rules(path: str | Path) -> RuleSet:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RuleFileError(str(path), [(None, f"cannot read the file: {error}")]) from None
    return parse_rules(text, source=str(path))


@functools.cache
def default_rules() -> RuleSet:
    """The shipped default_rules.yaml, parsed once per process (a RuleSet is immutable)."""
    text = (
        resources.files("spineclinic.pathways")
        .joinpath("default_rules.yaml")
        .read_text(encoding="utf-8")
    )
    return parse_rules(text, source="default_rules.yaml")
