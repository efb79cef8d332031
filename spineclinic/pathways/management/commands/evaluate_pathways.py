"""`spineclinic evaluate-pathways CASES.yaml`: run a file of cases through the ACTIVE rules
(the shipped default when none is stored) with the same harness as the rule editor's
preview. Prints each recommendation, then one line of JSON with every result.

Exit status: 0 when every expectation holds, 1 when any fails, 2 when a file is unusable.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spineclinic.pathways.active import active_rules
from spineclinic.pathways.harness import format_report, load_cases, run_cases
from spineclinic.pathways.rules import DISCIPLINES, YamlFileError, load_rules


class Command(BaseCommand):
    help = "Evaluate pathway cases (YAML, see docs/pathways.md) against the active rules."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("cases", help="YAML file of cases, each with facts and an expectation")
        parser.add_argument(
            "--rules", help="a rule file to try instead of the active rules (nothing is stored)"
        )
        parser.add_argument(
            "--available",
            help="comma-separated discipline codes the clinic offers (default: all); a case "
            "may set its own",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        available = None
        if options["available"] is not None:
            available = frozenset(c.strip() for c in options["available"].split(",") if c.strip())
            unknown = sorted(available - DISCIPLINES.keys())
            if unknown:
                raise CommandError(
                    f"--available: unknown discipline(s) {', '.join(unknown)}; "
                    f"disciplines: {', '.join(DISCIPLINES)}",
                    returncode=2,
                )
        try:
            rules = load_rules(options["rules"]) if options["rules"] else active_rules()[1]
            cases = load_cases(options["cases"])
        except YamlFileError as error:
            raise CommandError(str(error), returncode=2) from error
        result = run_cases(rules, cases, available)
        self.stdout.write(format_report(result))
        if result.failed:
            raise CommandError(
                f"{result.failed} of {len(result.results)} case(s) did not meet their expectation.",
                returncode=1,
            )
