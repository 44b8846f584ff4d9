"""Standing personas and a small commune shared by every test.

Dates sit in the 2025-2026 school year (zone C) so the messages match design examples:
Tuesday 14 April 2026 is a school day whose canteen deadline is Thursday 9 April at 12:00.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from typing import Any

import pytest
from django.db import connection

from accounts.models import User
from bookings.models import AbsenceReason, Booking, ContractDay, Enrolment
from bookings.rules import PARIS
from bookings.services import DayResult
from catalog.models import Activity, DeadlineRule, SchoolYear, Site
from catalog.services import create_school_year
from families.models import Child, ClassLevel, Family, Guardian

pytest_plugins = ["core.browser_fixtures"]


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Return an aware Paris datetime (tests write wall-clock times)."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests whose real component is missing, except where CI demands it (then they fail).

    PostgreSQL-only tests need DATABASE_URL; browser tests (any `tests/browser/` folder) need
    Debian's Chromium.
    """
    _mark_browser_tests(items)
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    if os.environ.get("MARELLE_REQUIRE_POSTGRESQL") == "1":
        return  # they will run and fail loudly on the wrong database
    skip = pytest.mark.skip(reason="PostgreSQL only: set DATABASE_URL (CI runs them)")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


def _mark_browser_tests(items: list[pytest.Item]) -> None:
    chromium = os.environ.get("MARELLE_CHROMIUM", "/usr/bin/chromium")
    available = shutil.which(chromium) is not None
    required = os.environ.get("MARELLE_REQUIRE_BROWSER") == "1"
    for item in items:
        if "/tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not available and not required:
                item.add_marker(pytest.mark.skip(reason=f"{chromium} absent (CI installs it)"))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def school_year(db: None) -> SchoolYear:
    return create_school_year(
        label="2025-2026", starts_on=date(2025, 9, 1), ends_on=date(2026, 8, 31), zone="C", by=None
    )


@pytest.fixture
def school(db: None) -> Site:
    return Site.objects.create(
        name="École élémentaire Jean Moulin", kind=Site.Kind.ELEMENTARY_SCHOOL
    )


@pytest.fixture
def leisure_centre(db: None) -> Site:
    return Site.objects.create(
        name="Accueil de loisirs Le Bois du Fay", kind=Site.Kind.LEISURE_CENTRE
    )


@pytest.fixture
def creche_site(db: None) -> Site:
    return Site.objects.create(name="Multi-accueil Les Petits Pas", kind=Site.Kind.CRECHE)


@pytest.fixture
def canteen_rules(db: None) -> tuple[DeadlineRule, DeadlineRule]:
    booking = DeadlineRule.objects.create(
        name="Cantine : 3 jours ouvrés avant 12h00",
        kind="working_days_before",
        days=3,
        at=time(12, 0),
    )
    cancel = DeadlineRule.objects.create(
        name="Cantine : la veille avant 12h00",
        kind="working_days_before",
        days=1,
        at=time(12, 0),
    )
    return booking, cancel


@pytest.fixture
def canteen(school: Site, canteen_rules: tuple[DeadlineRule, DeadlineRule]) -> Activity:
    booking, cancel = canteen_rules
    return Activity.objects.create(
        name="Restauration scolaire",
        category=Activity.Category.CANTEEN,
        site=school,
        unit=Activity.Unit.MEAL,
        capacity=120,
        booking_rule=booking,
        cancellation_rule=cancel,
        late_policy=Activity.LatePolicy.REFUSE,
        carence_days=1,
        absence_validation_mode=Activity.ValidationMode.AUTOMATIC,
        weekdays=[0, 1, 3, 4],
        day_kinds=["school_day"],
    )


@pytest.fixture
def wednesday_alsh(leisure_centre: Site) -> Activity:
    rule = DeadlineRule.objects.create(
        name="ALSH : 7 jours avant", kind="calendar_days_before", days=7, at=time(0, 0)
    )
    return Activity.objects.create(
        name="ALSH Mercredi après-midi",
        category=Activity.Category.WEDNESDAY_AFTERNOON,
        site=leisure_centre,
        unit=Activity.Unit.HALF_DAY,
        capacity=2,
        booking_rule=rule,
        cancellation_rule=rule,
        late_policy=Activity.LatePolicy.REQUEST,
        weekdays=[2],
        day_kinds=["no_school"],
    )


@pytest.fixture
def creche(creche_site: Site) -> Activity:
    rule = DeadlineRule.objects.create(
        name="Crèche : la veille avant 17h00", kind="calendar_days_before", days=1, at=time(17, 0)
    )
    return Activity.objects.create(
        name="Multi-accueil",
        category=Activity.Category.CRECHE,
        site=creche_site,
        unit=Activity.Unit.HOUR,
        capacity=20,
        booking_rule=rule,
        cancellation_rule=rule,
        validation_mode=Activity.ValidationMode.STAFF,
        min_age_months=2,
        max_age_months=36,
        weekdays=[0, 1, 2, 3, 4],
        day_kinds=["school_day", "no_school", "school_holiday"],
    )


@pytest.fixture
def absence_reasons(db: None) -> dict[str, AbsenceReason]:
    return {
        "sick": AbsenceReason.objects.create(
            label="Maladie (certificat médical)",
            is_justified=True,
            requires_proof=True,
            applies_carence=True,
        ),
        "strike": AbsenceReason.objects.create(label="Grève", is_justified=True),
        "personal": AbsenceReason.objects.create(label="Convenance personnelle"),
    }


def _family(identifier: str, name: str, first_name: str, email: str) -> tuple[Family, Guardian]:
    family = Family.objects.create(
        identifier=identifier, name=name, residence_insee="78322", city="Le Mesnil-Saint-Denis"
    )
    guardian = Guardian.objects.create(
        family=family, first_name=first_name, last_name=name, email=email, is_payer=True
    )
    user = User.objects.create_user(
        username=identifier, password="demo-marelle-2026", role=User.Role.FAMILY
    )
    guardian.user = user
    guardian.save()
    return family, guardian


@pytest.fixture
def family(db: None) -> Family:
    family, _guardian = _family("78322-00001", "DUPONT", "Jean", "jean.dupont@example.org")
    Guardian.objects.create(family=family, first_name="Marie", last_name="DUPONT")
    return family


@pytest.fixture
def guardian(family: Family) -> Guardian:
    return family.guardians.get(is_payer=True)


@pytest.fixture
def parent(guardian: Guardian) -> User:
    assert guardian.user is not None
    return guardian.user


@pytest.fixture
def child(family: Family, school: Site) -> Child:
    return Child.objects.create(
        family=family,
        first_name="Léa",
        last_name="DUPONT",
        birth_date=date(2017, 3, 2),
        school=school,
        class_level=ClassLevel.CE2,
    )


@pytest.fixture
def sibling(family: Family, school: Site) -> Child:
    return Child.objects.create(
        family=family,
        first_name="Hugo",
        last_name="DUPONT",
        birth_date=date(2019, 6, 20),
        school=school,
        class_level=ClassLevel.CP,
    )


@pytest.fixture
def toddler(family: Family) -> Child:
    return Child.objects.create(
        family=family, first_name="Zoé", last_name="DUPONT", birth_date=date(2024, 10, 1)
    )


@pytest.fixture
def other_family(db: None) -> Family:
    family, _guardian = _family("78322-00002", "MARTIN", "Sophie", "sophie.martin@example.org")
    return family


@pytest.fixture
def agent(db: None) -> User:
    return User.objects.create_user(
        username="agent",
        password="demo-marelle-2026",
        role=User.Role.EDUCATION_AGENT,
        is_staff=True,
    )


@pytest.fixture
def animateur(school: Site) -> User:
    user = User.objects.create_user(
        username="animateur", password="demo-marelle-2026", role=User.Role.SITE_STAFF
    )
    user.sites.add(school)
    return user


@pytest.fixture
def finance(db: None) -> User:
    return User.objects.create_user(
        username="finance", password="demo-marelle-2026", role=User.Role.FINANCE
    )


def enrol(child: Child, activity: Activity, school_year: SchoolYear) -> Enrolment:
    """Enrol a child with the family's payer (test helper, as the back-office will)."""
    payer = child.family.guardians.get(is_payer=True)
    return Enrolment.objects.create(
        child=child, activity=activity, school_year=school_year, payer=payer
    )


@pytest.fixture
def enrolled(child: Child, canteen: Activity, school_year: SchoolYear) -> Enrolment:
    return enrol(child, canteen, school_year)


@pytest.fixture
def creche_enrolment(toddler: Child, creche: Activity, school_year: SchoolYear) -> Enrolment:
    enrolment = enrol(toddler, creche, school_year)
    enrolment.weekly_contract_hours = Decimal("32.00")
    enrolment.save()
    for weekday in range(4):
        ContractDay.objects.create(
            enrolment=enrolment, weekday=weekday, arrival=time(8, 30), departure=time(16, 30)
        )
    return enrolment


def assert_counters_match_bookings() -> None:
    """Assert every capacity counter equals the bookings that hold a place (invariant 2)."""
    from bookings.models import Slot
    from bookings.states import HOLDS_PLACE

    for slot in Slot.objects.all():
        holding = Booking.objects.filter(
            activity_id=slot.activity_id, day_id=slot.day_id, state__in=HOLDS_PLACE
        ).count()
        assert slot.taken == holding, (slot, holding)
        assert slot.capacity is None or slot.taken <= slot.capacity


def booking_of(result: DayResult) -> Booking:
    """Return the stored booking a DayResult points to."""
    booking_id = getattr(result, "booking_id", None)
    assert booking_id is not None, result
    return Booking.objects.get(pk=booking_id)


class Mailbox:
    """The messages a real SMTP server received during a test (see the `smtp` fixture)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=email_policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """Return the messages delivered to `address`."""
        return [m for m in self.messages if address in str(m["To"])]

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())


@pytest.fixture
def smtp(settings: Any) -> Iterator[Mailbox]:
    """Run a real SMTP server on a free local port and point Django's SMTP backend at it."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield mailbox
    finally:
        controller.stop()
