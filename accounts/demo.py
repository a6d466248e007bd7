"""Demo data: two institutions (a school and a company), units, people, a user per role.

Idempotent: running it again updates the same rows instead of adding new ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction

from accounts.models import Institution, Membership, Person, Unit, User
from accounts.roles import Role
from accounts.tenancy import tenant_scope

DEMO_PASSWORD = "gaitportal-demo"

FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Isla",
    "Jonas",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Oscar",
    "Priya",
    "Quinn",
    "Rosa",
    "Samir",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Yusuf",
    "Zoe",
    "Aiden",
    "Bianca",
    "Carlos",
    "Dalia",
    "Emil",
]
LAST_NAMES = [
    "Adams",
    "Baker",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kim",
    "Larsen",
    "Moreau",
    "Novak",
    "Okafor",
    "Patel",
    "Quintero",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Walsh",
    "Xu",
    "Yilmaz",
    "Zielinski",
]


@dataclass(frozen=True)
class DemoInstitution:
    slug: str
    name: str
    kind: str
    time_zone: str
    units: tuple[tuple[str, str, str], ...]  # code, name, kind
    people: int
    person_prefix: str
    logins: tuple[tuple[str, str], ...]  # username, role
    instructor_units: tuple[str, ...]


DEMO_INSTITUTIONS = (
    DemoInstitution(
        slug="northfield-academy",
        name="Northfield Academy",
        kind=Institution.Kind.SCHOOL,
        time_zone="Europe/London",
        units=(
            ("7A", "Year 7 form A", Unit.Kind.CLASS),
            ("MATH-101", "Mathematics 101", Unit.Kind.COURSE_SECTION),
            ("PHYS-201", "Physics 201", Unit.Kind.COURSE_SECTION),
        ),
        people=24,
        person_prefix="NA",
        logins=(
            ("northfield-admin", Role.ADMIN),
            ("northfield-registrar", Role.REGISTRAR),
            ("northfield-instructor", Role.INSTRUCTOR),
            ("northfield-viewer", Role.VIEWER),
        ),
        instructor_units=("7A", "MATH-101"),
    ),
    DemoInstitution(
        slug="acme-logistics",
        name="Acme Logistics",
        kind=Institution.Kind.COMPANY,
        time_zone="America/New_York",
        units=(
            ("WH", "Warehouse", Unit.Kind.DEPARTMENT),
            ("OPS", "Operations", Unit.Kind.DEPARTMENT),
            ("NIGHT", "Night shift team", Unit.Kind.TEAM),
        ),
        people=16,
        person_prefix="AC",
        logins=(
            ("acme-admin", Role.ADMIN),
            ("acme-hr", Role.REGISTRAR),
            ("acme-manager", Role.INSTRUCTOR),
            ("acme-viewer", Role.VIEWER),
        ),
        instructor_units=("WH",),
    ),
)

# A member of both institutions, to show the switcher: registrar at the school, viewer at Acme.
MULTI_MEMBER = ("demo-multi", {"northfield-academy": Role.REGISTRAR, "acme-logistics": Role.VIEWER})
SUPERUSER = "demo-superuser"


def _user(username: str, *, superuser: bool = False) -> User:
    user, _ = User.objects.get_or_create(username=username)
    user.email = f"{username}@demo.gaitportal.test"
    user.is_superuser = user.is_staff = superuser
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _membership(institution: Institution, user: User, role: str) -> None:
    Membership.unscoped.update_or_create(
        institution=institution, user=user, defaults={"role": role}
    )


@transaction.atomic
def seed_accounts_demo() -> list[tuple[str, str, str]]:
    """Create or refresh the demo institutions; returns (username, institution, role) logins."""
    logins: list[tuple[str, str, str]] = []
    institutions: dict[str, Institution] = {}
    for spec in DEMO_INSTITUTIONS:
        institution, _ = Institution.objects.update_or_create(
            slug=spec.slug,
            defaults={"name": spec.name, "kind": spec.kind, "time_zone": spec.time_zone},
        )
        institutions[spec.slug] = institution
        with tenant_scope(institution):
            units = {}
            for code, name, kind in spec.units:
                units[code], _ = Unit.objects.update_or_create(
                    institution=institution, code=code, defaults={"name": name, "kind": kind}
                )
            rng = random.Random(spec.slug)  # the same people on every run
            person_kind = (
                Person.Kind.STUDENT
                if spec.kind == Institution.Kind.SCHOOL
                else Person.Kind.EMPLOYEE
            )
            unit_list = list(units.values())
            for number in range(1, spec.people + 1):
                person, _ = Person.objects.update_or_create(
                    institution=institution,
                    external_id=f"{spec.person_prefix}{number:04d}",
                    defaults={
                        "first_name": rng.choice(FIRST_NAMES),
                        "last_name": rng.choice(LAST_NAMES),
                        "kind": person_kind,
                        "consent_given": True,
                    },
                )
                if person.consent_recorded_at is None:
                    person.consent_recorded_at = person.created_at
                    person.save(update_fields=["consent_recorded_at"])
                person.units.set([unit_list[number % len(unit_list)]])
            for username, role in spec.logins:
                user = _user(username)
                _membership(institution, user, role)
                logins.append((username, spec.name, Role(role).label))
                if role == Role.INSTRUCTOR:
                    for code in spec.instructor_units:
                        units[code].instructors.add(user)
    multi_name, roles = MULTI_MEMBER
    multi = _user(multi_name)
    for slug, role in roles.items():
        _membership(institutions[slug], multi, role)
        logins.append((multi_name, institutions[slug].name, Role(role).label))
    _user(SUPERUSER, superuser=True)
    logins.append((SUPERUSER, "all institutions", "Superuser"))
    return logins
