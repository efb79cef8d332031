"""The demo clinic: an integrated spine center with two locations, its clinicians and
patients. Loading is idempotent: a second run finds every row and creates nothing."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from spineclinic.accounts.actions import do_create_user
from spineclinic.accounts.models import Role, User
from spineclinic.directory.index import sync_clinic_directory
from spineclinic.directory.models import (
    Discipline,
    Location,
    Organization,
    Practitioner,
    PractitionerRole,
)
from spineclinic.instruments.models import Intake
from spineclinic.instruments.scoring import NDI_SECTIONS, ODI_SECTIONS, RED_FLAG_ITEMS
from spineclinic.lib.npi import npi_check_digit
from spineclinic.pathways.actions import (
    IntakeDetails,
    do_accept_recommendation,
    do_submit_intake,
)
from spineclinic.patients.actions import do_add_care_team_member, do_register_patient
from spineclinic.patients.models import CareTeamMember, Patient

DEMO_PASSWORD = "spine-demo-2026"  # noqa: S105 - the demo clinic's published password
CLINIC_NAME = "Riverside Integrated Spine Center"

LOCATIONS = [
    (
        "Riverside Spine Center - Hartford",
        "85 Seymour St",
        "Suite 500",
        "Hartford",
        "CT",
        "06106",
        41.7543,
        -72.6870,
        "(860) 555-0100",
    ),
    (
        "Riverside Spine Center - West Hartford",
        "1000 Farmington Ave",
        "",
        "West Hartford",
        "CT",
        "06107",
        41.7621,
        -72.7420,
        "(860) 555-0200",
    ),
]

# (given, family, credentials, sex, discipline, location index, username or "")
PRACTITIONERS = [
    ("Maya", "Chen", "MD", "F", "spine_surgery_ortho", 0, "dr.chen"),
    ("Daniel", "Okafor", "MD", "M", "spine_surgery_ortho", 1, ""),
    ("Priya", "Raman", "MD", "F", "neurosurgery", 0, "dr.raman"),
    ("Thomas", "Keller", "MD", "M", "neurosurgery", 1, ""),
    ("Elena", "Vasquez", "DO", "F", "physiatry", 0, "dr.vasquez"),
    ("Marcus", "Bell", "MD", "M", "physiatry", 1, ""),
    ("Hannah", "Lindqvist", "MD", "F", "pain_medicine", 0, "dr.lindqvist"),
    ("Samuel", "Adeyemi", "MD", "M", "pain_medicine", 1, ""),
    ("Grace", "Whitfield", "MD", "F", "neuroradiology", 0, ""),
    ("Omar", "Haddad", "MD", "M", "neuroradiology", 1, ""),
    ("Lucas", "Moreau", "DC", "M", "chiropractic", 0, "dc.moreau"),
    ("Aisha", "Brooks", "DC", "F", "chiropractic", 1, ""),
    ("Jonah", "Reyes", "DPT", "M", "physical_therapy", 0, "pt.reyes"),
    ("Sofia", "Novak", "DPT", "F", "physical_therapy", 0, ""),
    ("Kevin", "Tran", "DPT", "M", "physical_therapy", 1, ""),
    ("Rachel", "Goldberg", "PT", "F", "physical_therapy", 1, ""),
    ("Nadia", "Petrova", "PhD", "F", "pain_psychology", 0, "psy.petrova"),
    ("Ben", "Carver", "PsyD", "M", "pain_psychology", 1, ""),
    ("Irene", "Walsh", "MD", "F", "primary_care", 0, ""),
    ("Victor", "Osei", "MD", "M", "primary_care", 1, ""),
    ("Laura", "Fischer", "DPT", "F", "physical_therapy", 0, ""),
    ("Paul", "Nakamura", "MD", "M", "pain_medicine", 0, ""),
]

STAFF = [
    ("admin", Role.CLINIC_ADMIN, "Ada", "Morgan"),
    ("frontdesk", Role.FRONT_DESK, "Frank", "Delgado"),
]

GIVEN_F = [
    "Emma",
    "Olivia",
    "Ava",
    "Sophia",
    "Isabella",
    "Mia",
    "Charlotte",
    "Amelia",
    "Harper",
    "Evelyn",
    "Abigail",
    "Emily",
    "Elizabeth",
    "Sofia",
    "Madison",
    "Avery",
    "Ella",
    "Scarlett",
    "Grace",
    "Chloe",
    "Victoria",
    "Riley",
    "Aria",
    "Lily",
    "Aubrey",
    "Zoey",
    "Penelope",
    "Layla",
    "Nora",
    "Camila",
    "Hannah",
    "Addison",
    "Eleanor",
    "Stella",
    "Natalie",
    "Maria",
    "Linda",
    "Patricia",
    "Barbara",
    "Susan",
    "Margaret",
    "Dorothy",
    "Karen",
    "Nancy",
    "Betty",
]
GIVEN_M = [
    "Liam",
    "Noah",
    "William",
    "James",
    "Oliver",
    "Benjamin",
    "Elijah",
    "Lucas",
    "Mason",
    "Logan",
    "Alexander",
    "Ethan",
    "Jacob",
    "Michael",
    "Daniel",
    "Henry",
    "Jackson",
    "Sebastian",
    "Aiden",
    "Matthew",
    "Samuel",
    "David",
    "Joseph",
    "Carter",
    "Owen",
    "Wyatt",
    "John",
    "Jack",
    "Luke",
    "Jayden",
    "Robert",
    "Richard",
    "Charles",
    "Thomas",
    "Christopher",
    "George",
    "Kenneth",
    "Steven",
    "Edward",
    "Brian",
    "Ronald",
    "Anthony",
    "Kevin",
    "Jason",
]
FAMILY = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "O'Brien",
    "Kowalski",
    "Fitzgerald",
    "Dubois",
    "Rossi",
]
STREETS = [
    "Main St",
    "Asylum Ave",
    "Farmington Ave",
    "Park St",
    "Albany Ave",
    "Prospect Ave",
    "Boulevard",
    "New Britain Ave",
    "Maple Ave",
    "Wethersfield Ave",
    "Washington St",
    "Elm St",
]
TOWNS = [
    ("Hartford", "06105"),
    ("West Hartford", "06107"),
    ("Wethersfield", "06109"),
    ("Newington", "06111"),
    ("Glastonbury", "06033"),
    ("Manchester", "06040"),
    ("Bloomfield", "06002"),
    ("Windsor", "06095"),
    ("East Hartford", "06108"),
]
PAYERS = [
    "Aetna",
    "Anthem Blue Cross",
    "Cigna",
    "ConnectiCare",
    "Medicare",
    "Medicaid (HUSKY)",
    "UnitedHealthcare",
    "",
]

N_PATIENTS = 210


@dataclass
class DemoSummary:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1

    def describe(self) -> str:
        if not self.created:
            return "Demo clinic already loaded: nothing new was created."
        parts = ", ".join(f"{n} {what}" for what, n in sorted(self.created.items()))
        return f"Demo clinic loaded: created {parts}."


def demo_npi(serial: int) -> str:
    first9 = f"19{serial:07d}"
    return first9 + npi_check_digit(first9)


def _user(username: str, role: Role, first: str, last: str, summary: DemoSummary) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = do_create_user(
            username,
            DEMO_PASSWORD,
            role=role,
            first_name=first,
            last_name=last,
            email=f"{username}@riverside-spine.example",
        )
        summary.count("users", True)
    summary.logins.append((Role(role).label, username))
    return user


def _clinic(summary: DemoSummary) -> tuple[Organization, list[Location]]:
    org, created = Organization.objects.get_or_create(
        name=CLINIC_NAME,
        defaults={"npi": demo_npi(1), "taxonomy_code": "261QM1300X", "is_this_clinic": True},
    )
    summary.count("organizations", created)
    locations = []
    for name, line1, line2, city, state, zip5, lat, lon, phone in LOCATIONS:
        location, created = Location.objects.get_or_create(
            organization=org,
            name=name,
            defaults={
                "line1": line1,
                "line2": line2,
                "city": city,
                "state": state,
                "postal_code": zip5,
                "latitude": lat,
                "longitude": lon,
                "phone": phone,
                "time_zone": "America/New_York",
            },
        )
        summary.count("locations", created)
        locations.append(location)
    return org, locations


def _practitioners(locations: list[Location], summary: DemoSummary) -> list[Practitioner]:
    disciplines = {d.code: d for d in Discipline.objects.all()}
    result = []
    for serial, (given, family, cred, sex, code, loc, username) in enumerate(PRACTITIONERS, 10):
        practitioner, created = Practitioner.objects.get_or_create(
            npi=demo_npi(serial),
            defaults={"given_name": given, "family_name": family, "credentials": cred, "sex": sex},
        )
        summary.count("practitioners", created)
        if username and practitioner.user is None:
            practitioner.user = _user(username, Role.CLINICIAN, given, family, summary)
            practitioner.save(update_fields=["user"])
        elif username:
            summary.logins.append((Role.CLINICIAN.label, username))
        _, created = PractitionerRole.objects.get_or_create(
            practitioner=practitioner,
            location=locations[loc],
            discipline=disciplines[code],
            defaults={"accepting_new_patients": serial % 5 != 0},
        )
        summary.count("practitioner roles", created)
        result.append(practitioner)
    return result


def _patient_data(rng: random.Random, i: int) -> dict[str, Any]:
    sex = rng.choice(["female", "male"])
    given = rng.choice(GIVEN_F if sex == "female" else GIVEN_M)
    family = rng.choice(FAMILY)
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 63))
    town, zip5 = rng.choice(TOWNS)
    return {
        "given_name": given,
        "family_name": family,
        "date_of_birth": born,
        "sex": sex,
        "phone": f"(860) 555-{1000 + i:04d}",
        "email": f"{given}.{family}{i}@mail.example".lower().replace("'", ""),
        "line1": f"{rng.randrange(10, 2000)} {rng.choice(STREETS)}",
        "city": town,
        "state": "CT",
        "postal_code": zip5,
        "emergency_contact_name": f"{rng.choice(GIVEN_F + GIVEN_M)} {family}",
        "emergency_contact_relationship": rng.choice(["spouse", "parent", "child", "sibling"]),
        "emergency_contact_phone": f"(860) 555-{5000 + i:04d}",
        "insurance_payer": (payer := rng.choice(PAYERS)),
        "insurance_member_id": f"M{rng.randrange(10**8, 10**9)}" if payer else "",
        "consent_to_treat": True,
        "consent_to_share_in_clinic": rng.random() > 0.05,
    }


def _near_duplicate(data: dict[str, Any]) -> dict[str, Any]:
    """The same person typed differently: a nickname-like first name, no email, a new phone."""
    twin = dict(data)
    twin["given_name"] = str(data["given_name"])[:4]
    twin["email"] = ""
    twin["phone"] = "(860) 555-9" + str(data["phone"])[-3:]
    return twin


def _patients(clinicians: list[Practitioner], by: User, summary: DemoSummary) -> None:
    staffed = [p for p in clinicians if p.user_id]
    for i in range(N_PATIENTS):
        # A fixed seed per patient: the same demo clinic on every machine and every run.
        rng = random.Random(2026_000 + i)
        data = _patient_data(rng, i)
        rows = [data, _near_duplicate(data)] if i % 25 == 7 else [data]
        for n, row in enumerate(rows):
            existing = Patient.objects.filter(
                given_name=row["given_name"],
                family_name=row["family_name"],
                date_of_birth=row["date_of_birth"],
            ).first()
            if existing is None:
                existing = do_register_patient(
                    row,
                    by=by,
                    override_reason="Demo data: a near-duplicate left for the front desk to merge."
                    if n
                    else "Demo data: distinct person with a shared birthday.",
                )
                summary.count("patients", True)
            if n == 0 and not CareTeamMember.objects.filter(patient=existing).exists():
                team = rng.sample(staffed, k=1 + i % 3)
                for lead, practitioner in enumerate(team):
                    do_add_care_team_member(
                        existing,
                        practitioner,
                        by=by,
                        is_lead=lead == 0,
                        discipline=practitioner.roles.first().discipline,  # type: ignore[union-attr]
                    )


def load_directory(summary: DemoSummary, synthetic_rows: int = 20_000) -> None:
    """Fill the public directory: the NUCC names and the real NPPES samples when
    ../shared/data is beside the project, and synthetic providers across the country."""
    from pathlib import Path
    from tempfile import TemporaryDirectory

    from spineclinic.directory.nppes_import import import_nppes, import_nucc
    from spineclinic.directory.synthetic import write_synthetic_nppes

    data = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if (data / "nucc" / "nucc_taxonomy_251.csv").exists():
        import_nucc(data / "nucc" / "nucc_taxonomy_251.csv")
    created = 0
    for sample in sorted((data / "nppes").glob("npidata_sample_*.csv")):
        created += import_nppes(sample).created
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.csv"
        write_synthetic_nppes(path, synthetic_rows, seed=2026)
        created += import_nppes(path).created
    if created:
        summary.created["directory providers"] = created


# --- intakes: a few patients screened, so the chart, the recommendation and escalation
# show something on a first visit. Each profile is (details, answers, decision).
_NO_RED_FLAGS = dict.fromkeys(RED_FLAG_ITEMS, 0)
_SBST = {
    "low": {**{f"q{n}": 0 for n in range(1, 9)}, "q9": 1},
    "medium": {**{f"q{n}": int(n <= 4) for n in range(1, 9)}, "q9": 2},
    "high": {**{f"q{n}": int(n >= 5) for n in range(1, 9)}, "q9": 4},
}


def _demo_answers(
    region: str, odi: int, sbst: str, back: int, leg: int, phq: int = 1, item9: int = 0
) -> dict[str, dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = {
        "red_flags": dict(_NO_RED_FLAGS),
        "nrs": {"back_pain": back, "leg_pain": leg},
        "sbst": _SBST[sbst],
        "phq9": {**{f"q{n}": phq for n in range(1, 9)}, "q9": item9},
    }
    if region in ("low_back", "both"):
        answers["odi"] = dict.fromkeys(ODI_SECTIONS, odi)
    if region in ("neck", "both"):
        answers["ndi"] = dict.fromkeys(NDI_SECTIONS, odi)
    return answers


def _conservative(weeks: int, response: str) -> list[dict[str, Any]]:
    return [{"treatment": "physical_therapy", "weeks": weeks, "response": response}]


DEMO_INTAKES: list[tuple[IntakeDetails, dict[str, dict[str, Any]], str]] = [
    (IntakeDetails("low_back", 3), _demo_answers("low_back", 2, "medium", 6, 2), "pending"),
    (IntakeDetails("low_back", 5), _demo_answers("low_back", 3, "high", 7, 3, phq=2), "accept"),
    (IntakeDetails("neck", 2), _demo_answers("neck", 1, "low", 4, 0), "accept"),
    (
        IntakeDetails("low_back", 1, leg_dominant=True, radicular_pain=True),
        {
            **_demo_answers("low_back", 4, "high", 5, 8),
            "red_flags": {**_NO_RED_FLAGS, "ces_saddle_anaesthesia": 1, "ces_bladder": 1},
        },
        "pending",
    ),
    (
        IntakeDetails(
            "low_back",
            14,
            leg_dominant=True,
            radicular_pain=True,
            imaging_concordant="yes",
            prior_treatments=_conservative(10, "no_important_change"),
        ),
        _demo_answers("low_back", 3, "medium", 4, 7),
        "pending",
    ),
    (IntakeDetails("both", 8), _demo_answers("both", 2, "medium", 5, 1, phq=2, item9=1), "pending"),
]
# A follow-up after 6 weeks of physical therapy with no important change (ODI 40% -> 38%):
# the rules escalate to physiatry or pain medicine (REFERENCE section 7).
DEMO_FOLLOW_UP = (
    IntakeDetails(
        "low_back", 10, prior_treatments=_conservative(6, "no_important_change"), follow_up=True
    ),
    {
        **_demo_answers("low_back", 2, "medium", 6, 2),
        "odi": {**dict.fromkeys(ODI_SECTIONS, 2), "sitting": 1},
    },
)


def _intakes(summary: DemoSummary) -> None:
    leads = (
        CareTeamMember.objects.filter(is_lead=True, practitioner__user__isnull=False)
        .select_related("patient", "practitioner__user")
        .order_by("patient__mrn")
    )
    for n, member in enumerate(leads[: len(DEMO_INTAKES)]):
        patient, clinician = member.patient, member.practitioner.user
        if Intake.objects.filter(patient=patient).exists():
            continue  # loaded on an earlier run
        details, answers, decision = DEMO_INTAKES[n]
        recommendation = do_submit_intake(patient, details, answers, by=clinician)
        summary.count("intakes", True)
        if decision == "accept":
            # The first option of each choice (e.g. physical therapy, not chiropractic).
            choices = [0] * len(recommendation.choices)
            do_accept_recommendation(recommendation, by=clinician, choices=choices)
        if n == 0:
            follow_details, follow_answers = DEMO_FOLLOW_UP
            do_submit_intake(patient, follow_details, follow_answers, by=clinician)
            summary.count("intakes", True)


def load_demo_clinic(synthetic_providers: int = 20_000) -> DemoSummary:
    summary = DemoSummary()
    with transaction.atomic():
        _, locations = _clinic(summary)
        for username, role, first, last in STAFF:
            _user(username, role, first, last, summary)
        clinicians = _practitioners(locations, summary)
        sync_clinic_directory()
        front_desk = User.objects.get(username="frontdesk")
        _patients(clinicians, front_desk, summary)
        _intakes(summary)
        patient_user = _user("patient", Role.PATIENT, "Pat", "Demo", summary)
        own = Patient.objects.order_by("registered_at", "mrn").first()
        if own is not None and own.user_id is None and not hasattr(patient_user, "patient"):
            own.user = patient_user
            own.save(update_fields=["user"])
    load_directory(summary, synthetic_providers)
    return summary
