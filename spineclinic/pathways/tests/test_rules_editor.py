"""The clinic admin edits the pathway rules: every problem refused with its line and
reason while the active rules stay; a preview on the sample cases; then activation, after
which new intakes use the new version."""

from __future__ import annotations

from django.urls import reverse

from spineclinic.audit.models import AuditEvent
from spineclinic.pathways.actions import default_rules_text
from spineclinic.pathways.models import RuleSet
from spineclinic.pathways.tests.intake_answers import submit_intake
from spineclinic.test import Clinic

DEFAULT = default_rules_text()
# Medium STarT Back risk sent to chiropractic instead of physical therapy.
EDITED = DEFAULT.replace('version: "2026.11-1"', 'version: "2026.11-clinic-1"').replace(
    "recommends: [physical_therapy]\n    urgency: routine\n    explanation: >\n      Medium risk",
    "recommends: [chiropractic]\n    urgency: routine\n    explanation: >\n      Medium risk",
)


def edit(clinic: Clinic, text: str, button: str) -> object:
    return clinic.client(clinic.ada).post(
        reverse("pathways:rules_edit"), {"yaml_text": text, button: ""}
    )


def test_it_lists_the_shipped_default_as_active(clinic: Clinic) -> None:
    response = clinic.client(clinic.ada).get(reverse("pathways:rules"))
    assert response.status_code == 200
    assert b"2026.11-1" in response.content and b"active" in response.content


def test_it_opens_the_editor_on_a_copy_of_the_active_rules(clinic: Clinic) -> None:
    response = clinic.client(clinic.ada).get(reverse("pathways:rules_edit"))
    assert response.status_code == 200
    assert b"sbst-medium-risk" in response.content


def test_it_refuses_an_invalid_rule_file_with_the_line_and_reason(clinic: Clinic) -> None:
    broken = EDITED.replace("fact: nrs_back\n", "fact: nrs_bak\n", 1)
    line = broken.splitlines().index("            - fact: nrs_bak") + 1
    for button in ("preview", "save"):
        response = edit(clinic, broken, button)
        assert response.status_code == 400  # type: ignore[attr-defined]
        content = response.content.decode()  # type: ignore[attr-defined]
        assert f"line {line}: unknown fact &#x27;nrs_bak&#x27;" in content
        assert "did you mean &#x27;nrs_back&#x27;?" in content
        assert "the active rules are unchanged" in content
    assert RuleSet.objects.count() == 1
    assert RuleSet.objects.get(active=True).version == "2026.11-1"


def test_it_refuses_yaml_that_does_not_parse_with_its_line(clinic: Clinic) -> None:
    response = edit(clinic, 'version: "x"\nrules:\n  - id: [unclosed\n', "save")
    assert b"line 4: YAML syntax error" in response.content  # type: ignore[attr-defined]
    assert RuleSet.objects.count() == 1


def test_it_refuses_a_version_that_already_exists(clinic: Clinic) -> None:
    response = edit(clinic, DEFAULT, "save")
    assert b"already exists" in response.content  # type: ignore[attr-defined]
    assert RuleSet.objects.count() == 1


def test_it_previews_the_effect_on_the_sample_cases_without_saving(clinic: Clinic) -> None:
    response = edit(clinic, EDITED, "preview")
    content = response.content.decode()  # type: ignore[attr-defined]
    assert 'id="preview"' in content
    assert "Rules 2026.11-clinic-1 against the active rules 2026.11-1" in content
    assert "chiropractic · routine" in content
    assert "not met" in content  # the vignettes expect physical therapy for medium risk
    assert RuleSet.objects.count() == 1


def test_it_saves_a_draft_then_activates_it_for_new_intakes(clinic: Clinic) -> None:
    response = edit(clinic, EDITED, "save")
    draft = RuleSet.objects.get(version="2026.11-clinic-1")
    assert response["Location"] == reverse("pathways:rules_detail", args=[draft.pk])  # type: ignore[index]
    assert draft.active is False and draft.created_by == clinic.ada
    detail = clinic.client(clinic.ada).get(reverse("pathways:rules_detail", args=[draft.pk]))
    assert b'id="preview"' in detail.content
    assert submit_intake(clinic).rules_version == "2026.11-1"  # not active yet

    clinic.client(clinic.ada).post(reverse("pathways:rules_activate", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.active and draft.activated_by == clinic.ada
    assert RuleSet.objects.filter(active=True).count() == 1
    recommendation = submit_intake(clinic)
    assert recommendation.rules_version == "2026.11-clinic-1"
    assert [a["code"] for a in recommendation.disciplines] == ["chiropractic"]
    audit = AuditEvent.objects.get(object_id=str(draft.pk), action="update")
    assert audit.detail["replaces"] == ["2026.11-1"] and audit.username == "ada"


def test_it_refuses_the_editor_to_everyone_but_the_clinic_admin(clinic: Clinic) -> None:
    active = RuleSet.objects.get(active=True)
    for user in (clinic.alice, clinic.frank, clinic.pat):
        client = clinic.client(user)
        assert client.get(reverse("pathways:rules")).status_code == 403
        assert client.get(reverse("pathways:rules_edit")).status_code == 403
        assert (
            client.post(
                reverse("pathways:rules_edit"), {"yaml_text": EDITED, "save": ""}
            ).status_code
            == 403
        )
        assert client.post(reverse("pathways:rules_activate", args=[active.pk])).status_code == 403
    assert RuleSet.objects.count() == 1
