"""Load the demo commune: Le Mesnil-Saint-Denis (INSEE 78322, holiday zone C) and its families.

What it writes, and how:

- Seeding path (ORM and ``bulk_create``, no audit events): staff accounts and their groups,
  sites, deadline rules, activities, booking windows, absence reasons, then families,
  guardians, children, authorised persons, quotients familiaux, enrolments and crèche contracts.
  These are the commune's starting data, not use cases, and bulk inserts keep
  ``--families 20000`` within a few minutes on SQLite.
- School years go through ``catalog.services.create_school_year``: the year holding today, the
  next one from 1 June, and the previous one during the first five weeks of a year (so that
  the demo always has a few past weeks to show).
- Every booking, decision, absence, leave, presence, walk-in and closure goes through
  ``bookings.services`` with ``now=`` set to a plausible moment (before the booking deadline or
  inside the booking window for reservations, after the cancellation deadline for billed or
  excused absences, the evening of the day for attendance), so the demo holds exactly what
  the services would have written.

Bounds: bookings are made only for the first ``booked_families`` families (300 by default),
from about four weeks before today to five weeks after; the other families are enrolled and
have no booking. ALSH capacities are sized on the booked families so that waiting lists are
real. The family DUPONT JEAN (78322-00001) shows every legend status of the seed letter over
the current and next month (from the previous month when the current one has no past day).
The same ``seed`` on the same day gives the same commune.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from bookings import rules, services
from bookings.exceptions import BookingError
from bookings.models import (
    AbsenceReason,
    Booking,
    BookingSource,
    BookingState,
    ContractDay,
    Enrolment,
    Presence,
)
from catalog.models import (
    Activity,
    BookingWindow,
    CalendarDay,
    Closure,
    DayKind,
    DeadlineRule,
    SchoolYear,
    Site,
)
from catalog.queries import CalendarSpan, calendar_span
from catalog.services import create_school_year
from demo.contacts import create_contacts
from families.models import (
    AuthorisedPerson,
    Child,
    ClassLevel,
    Diet,
    Family,
    FamilyQuotient,
    Guardian,
)

COMMUNE_INSEE = "78322"
COMMUNE = ("78320", "Le Mesnil-Saint-Denis")
ZONE = "C"
DUPONT_IDENTIFIER = f"{COMMUNE_INSEE}-00001"
DEMO_PASSWORD = "demo-marelle-2026"
BOOKED_FAMILIES = 300

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
S = BookingState

# username, first name, last name, role, group (None: superuser)
STAFF = (
    ("agent", "Claire", "MARCHETTI", User.Role.EDUCATION_AGENT, "Service Éducation"),
    ("petiteenfance", "Nadia", "LEROUX", User.Role.EARLY_CHILDHOOD_AGENT, "Petite enfance"),
    ("animateur", "Karim", "BENSAÏD", User.Role.SITE_STAFF, "Animateurs"),
    ("finance", "Isabelle", "RONDEAU", User.Role.FINANCE, "Finances (régie)"),
    ("admin", "Paul", "VERDIER", User.Role.ADMINISTRATOR, None),
)
# Group → view permissions: a whole app (model None) or one model.
GROUP_VIEWS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "Service Éducation": (("families", None), ("catalog", None), ("bookings", None)),
    "Petite enfance": (("families", None), ("catalog", None), ("bookings", None)),
    "Animateurs": (
        ("families", "child"),
        ("families", "authorisedperson"),
        ("bookings", "booking"),
        ("catalog", "site"),
        ("catalog", "activity"),
        ("catalog", "closure"),
        ("catalog", "calendarday"),
    ),
    "Finances (régie)": (
        ("families", "family"),
        ("families", "guardian"),
        ("families", "familyquotient"),
        ("bookings", "enrolment"),
        ("bookings", "booking"),
        ("catalog", "site"),
        ("catalog", "activity"),
        ("catalog", "schoolyear"),
    ),
}

SITES = {
    "jean_moulin": (
        "École élémentaire Jean Moulin",
        Site.Kind.ELEMENTARY_SCHOOL,
        "rue Jean Moulin",
    ),
    "ormeaux": ("École élémentaire Les Ormeaux", Site.Kind.ELEMENTARY_SCHOOL, "allée des Ormeaux"),
    "hirondelles": ("École maternelle Les Hirondelles", Site.Kind.NURSERY_SCHOOL, "rue des Écoles"),
    "bois_du_fay": ("Accueil de loisirs Le Bois du Fay", Site.Kind.LEISURE_CENTRE, "chemin du Fay"),
    "petits_pas": ("Multi-accueil Les Petits Pas", Site.Kind.CRECHE, "place de la Mairie"),
}
K = rules.DeadlineKind
RULES: dict[str, dict] = {
    "canteen": {
        "name": "Cantine : jusqu'au mardi 23h59 pour la semaine suivante",
        "kind": K.WEEKDAY_OF_PREVIOUS_WEEK,
        "weekday": 1,
        "at": time(23, 59),
    },
    "canteen_nursery": {
        "name": "Cantine maternelle : vendredi 9h00 pour lundi et mardi, mardi 9h00 pour jeudi "
        "et vendredi",
        "kind": K.PER_WEEKDAY,
        "per_weekday": [
            {"booked_weekday": b, "cutoff_weekday": c, "at": "09:00"}
            for b, c in ((0, 4), (1, 4), (3, 1), (4, 1))
        ],
    },
    "canteen_cancel": {
        "name": "Cantine : annulation 1 jour ouvré avant 12h00",
        "kind": K.WORKING_DAYS_BEFORE,
        "days": 1,
        "at": time(12, 0),
    },
    "care": {
        "name": "Garderie : la veille 18h00",
        "kind": K.CALENDAR_DAYS_BEFORE,
        "days": 1,
        "at": time(18, 0),
    },
    "study": {
        "name": "Étude : 2 jours ouvrés avant 12h00 (week-end non compté)",
        "kind": K.WORKING_DAYS_BEFORE,
        "days": 2,
        "at": time(12, 0),
    },
    "wednesday": {
        "name": "ALSH mercredi : le 7 du mois précédent",
        "kind": K.DAY_OF_PREVIOUS_MONTH,
        "days": 7,
        "at": time(23, 59),
    },
    "wednesday_cancel": {
        "name": "ALSH mercredi : annulation 7 jours avant",
        "kind": K.CALENDAR_DAYS_BEFORE,
        "days": 7,
        "at": time(23, 59),
    },
    "holiday_cancel": {
        "name": "ALSH vacances : annulation 15 jours avant",
        "kind": K.CALENDAR_DAYS_BEFORE,
        "days": 15,
        "at": time(23, 59),
    },
    "creche": {
        "name": "Crèche : heures en plus la veille 17h00, ensuite sur validation de la directrice",
        "kind": K.CALENDAR_DAYS_BEFORE,
        "days": 1,
        "at": time(17, 0),
    },
    "creche_cancel": {
        "name": "Crèche : congés et absences 7 jours avant",
        "kind": K.CALENDAR_DAYS_BEFORE,
        "days": 7,
        "at": time(23, 59),
    },
}
ABSENCE_REASONS = (
    # label, justified, proof, carence
    ("Maladie (certificat médical)", True, True, True),
    ("Grève", True, False, False),
    ("Enseignant absent non remplacé", True, False, False),
    ("Enfant renvoyé de l'école", True, False, False),
    ("Convenance personnelle", False, False, False),
)
SCHOOL_LEVELS = ["PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2"]
ELEMENTARY_LEVELS = ["CP", "CE1", "CE2", "CM1", "CM2"]
SCHOOL_WEEKDAYS = [0, 1, 3, 4]
WEEKDAYS = [0, 1, 2, 3, 4]
C = Activity.Category
PRESENCE_TIME: dict[str, tuple[int, int]] = {
    C.CANTEEN: (12, 30),
    C.MORNING_CARE: (8, 30),
    C.EVENING_CARE: (18, 0),
    C.STUDY: (17, 45),
}


def _words(text: str) -> list[str]:
    """Split a list of names written on a few lines (« _ » stands for a space in a name)."""
    return [word.replace("_", " ") for word in text.split()]


SURNAMES = _words(
    "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND LEROY MOREAU SIMON LAURENT LEFEBVRE "
    "MICHEL GARCIA DAVID BERTRAND ROUX VINCENT FOURNIER MOREL GIRARD ANDRÉ MERCIER BLANC "
    "GUÉRIN BOYER GARNIER CHEVALIER FRANÇOIS LEGRAND GAUTHIER PERRIN ROBIN CLÉMENT MORIN "
    "NICOLAS HENRY ROUSSEL MATHIEU MASSON MARCHAND DUVAL DENIS LEMAIRE DUMONT NOËL MEYER "
    "DUFOUR MEUNIER BRUN BLANCHARD GIRAUD JOLY RIVIÈRE BRUNET GAILLARD BARBIER ARNAUD "
    "MARTINEZ ROCHE RENARD SCHMITT LEROUX COLIN VIDAL CARON PICARD FABRE AUBERT LEMOINE "
    "RENAUD DUMAS LACROIX OLIVIER BOURGEOIS BENOÎT LECLERC ROLLAND GUILLAUME LECOMTE LOPEZ "
    "NGUYEN BENALI DIALLO HADDAD TRAORÉ OLIVEIRA KOWALSKI CHEN LE_GALL DA_SILVA"
)
MEN = _words(
    "Nicolas Julien Sébastien Thomas Mathieu Guillaume Stéphane Romain Alexandre David "
    "Olivier Jérôme Vincent François Laurent Karim Mehdi Antoine Pierre Benoît Cédric "
    "Fabien Yann Arnaud"
)
WOMEN = _words(
    "Julie Aurélie Céline Émilie Sandrine Caroline Nathalie Stéphanie Élodie Sophie Camille "
    "Laure Hélène Audrey Claire Sarah Amandine Virginie Fatima Nadia Anne Isabelle Charlotte "
    "Mélanie"
)
BOYS = _words(
    "Lucas Gabriel Léo Raphaël Louis Arthur Jules Adam Maël Hugo Noah Paul Nathan Sacha Tom "
    "Théo Ethan Mohamed Aaron Noé Timéo Martin Victor Axel Nolan Rayan Samuel Clément Eliott "
    "Baptiste"
)
GIRLS = _words(
    "Léa Jade Louise Emma Alice Ambre Lina Rose Chloé Mia Anna Inès Julia Léna Zoé Juliette "
    "Manon Lou Camille Agathe Charlotte Nina Sarah Eva Romane Margaux Iris Adèle Clara Yasmine"
)
STREETS = (
    "rue des Tilleuls",
    "avenue de la Mairie",
    "rue de Versailles",
    "rue du Général Leclerc",
    "allée des Charmes",
    "chemin du Bois du Fay",
    "rue des Ormeaux",
    "place de l'Église",
    "rue Jean Moulin",
    "rue des Lilas",
    "impasse des Acacias",
    "avenue du Parc",
    "rue Pasteur",
    "rue Victor Hugo",
    "allée des Peupliers",
    "rue des Écoles",
    "rue de la Fontaine",
    "sentier des Prés",
)
NEIGHBOURS = (
    ("78337", "78320", "Lévis-Saint-Nom"),
    ("78208", "78990", "Élancourt"),
    ("78168", "78310", "Coignières"),
    ("78383", "78310", "Maurepas"),
    ("78644", "78320", "La Verrière"),
    ("78486", "78610", "Le Perray-en-Yvelines"),
    ("78193", "78720", "Dampierre-en-Yvelines"),
    ("78575", "78470", "Saint-Rémy-lès-Chevreuse"),
)
PICK_UP = (
    ("grand-mère", WOMEN),
    ("grand-père", MEN),
    ("assistante maternelle", WOMEN),
    ("voisine", WOMEN),
    ("oncle", MEN),
    ("tante", WOMEN),
)

# Legend items the Dupont family must show, with the cells (role:when) that may carry each,
# most wanted first. Roles: Lucas's activities (school, ALSH) or Léa's crèche ("creche" = a
# contract day, "creche_free" = a weekday outside her contract). When: "past", "future",
# "later" (from three days on), "any", "late_absence" (cancellation deadline passed).
DUPONT_ITEMS = {
    "closure": "canteen:later canteen:future creche:later creche:future",
    "error": "gm:past gs:past creche:past",
    "walk_in": "gs:past gm:past creche_free:past merc_a:past vac_a:past",
    "present": "canteen:past creche:past gm:past merc_m:past vac_m:past",
    "absent_billed": "canteen:late_absence creche:late_absence",
    "absence_requested": "canteen:late_absence creche:late_absence",
    "absent_excused": "canteen:late_absence creche:late_absence",
    "leave": "creche:later creche:any",
    "extra_hours": "creche:later creche:any",
    "waiting_list": "merc_j:future merc_j:any vac_m:future vac_a:future vac_m:any vac_a:any",
    "requested": "vac_j:future vac_j:any",
    "refused": "vac_j:future vac_j:any",
    "reserved": "gm:future gs:future merc_m:future creche_free:future vac_m:future gm:any "
    "creche_free:any",
}
PATTERN_ROLES = ("canteen", "creche")
ABSENCE_ITEMS = {
    "absent_billed": "Convenance personnelle",
    "absence_requested": "Enseignant absent non remplacé",
    "absent_excused": "Grève",
}
REQUEST_ITEMS = frozenset({"reserved", "waiting_list", "requested", "refused"})


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """Return the instant, in UTC, of a Paris wall-clock time on a day."""
    return datetime.combine(day, time(hour, minute), tzinfo=rules.PARIS).astimezone(UTC)


def _month_start(day: date, shift: int = 0) -> date:
    """Return the first day of the month `shift` months after the month of `day`."""
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class DemoSummary:
    """What `generate` found or loaded, for the command's output and the tests."""

    created: bool
    families: int
    children: int
    bookings: int
    window: tuple[date, date] | None = None
    missing: tuple[str, ...] = ()


@dataclass
class _Kid:
    """A child of a booked family, with the activities and weekly patterns the demo gives it."""

    child: Child
    user: User | None
    resident: bool
    roles: dict[str, Activity] = field(default_factory=dict)
    enrolments: dict[str, list[Enrolment]] = field(default_factory=lambda: defaultdict(list))
    patterns: dict[str, list[int]] = field(default_factory=dict)
    contract: dict[int, tuple[time, time]] = field(default_factory=dict)


def demo_loaded() -> bool:
    """Tell whether the demo commune is already in the database."""
    return Family.objects.filter(identifier=DUPONT_IDENTIFIER).exists()


def generate(
    *, families: int = 300, seed: int = 2026, booked_families: int = BOOKED_FAMILIES
) -> DemoSummary:
    """Load the demo commune unless it is there already; return what the database holds."""
    create_contacts()  # idempotent: also fills a commune loaded before contacts existed
    if demo_loaded():
        return DemoSummary(
            created=False,
            families=Family.objects.count(),
            children=Child.objects.count(),
            bookings=Booking.objects.count(),
        )
    if families < 1:
        raise ValueError("families must be at least 1")
    return _Demo(families=families, seed=seed, booked_families=booked_families).run()


class _Demo:
    """One load of the demo commune, relative to the current day."""

    def __init__(self, *, families: int, seed: int, booked_families: int) -> None:
        self.rng = random.Random(seed)
        self.n_families = families
        self.n_booked = max(1, min(booked_families, families))
        self.now = timezone.now().astimezone(UTC)
        self.today = timezone.localdate(self.now)
        monday = self.today - timedelta(days=28)
        self.range_first = monday - timedelta(days=monday.weekday())
        sunday = self.today + timedelta(days=35)
        self.range_last = sunday + timedelta(days=6 - sunday.weekday())
        self.kids: list[_Kid] = []
        self.dupont: dict[str, _Kid] = {}
        self.moments: dict[int, datetime] = {}  # booking id → when it was requested/declared
        self.missing: list[str] = []
        self.plan: dict[str, tuple[str, date]] = {}
        self.window = (self.today, self.today)
        self.pattern_moments: dict[str, datetime | None] = {}
        self.keen_pupils = 3

    # -----------------------------------------------------------------------------------------
    # Staff, calendar, catalogue

    def run(self) -> DemoSummary:
        """Write the whole demo and return its summary."""
        self._create_staff()
        self._create_school_years()
        with transaction.atomic():
            self._create_catalogue()
            self.staff["animateur"].sites.add(self.sites["jean_moulin"])
            self._create_families()
            self._size_capacities()
        self._plan_dupont()
        self._book()
        return DemoSummary(
            created=True,
            families=Family.objects.count(),
            children=Child.objects.count(),
            bookings=Booking.objects.count(),
            window=self.window,
            missing=tuple(self.missing),
        )

    def _create_staff(self) -> None:
        groups: dict[str, Group] = {}
        for name, views in GROUP_VIEWS.items():
            group, _created = Group.objects.get_or_create(name=name)
            query = Q(pk__in=[])
            for app_label, model in views:
                part = Q(content_type__app_label=app_label, codename__startswith="view_")
                query |= (part & Q(content_type__model=model)) if model else part
            group.permissions.set(Permission.objects.filter(query))
            groups[name] = group
        self.staff: dict[str, User] = {}
        for username, first_name, last_name, role, group_name in STAFF:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    first_name=first_name,
                    last_name=last_name,
                    role=role,
                    email=f"{username}@mairie-demo.example.org",
                    is_staff=True,
                    is_superuser=group_name is None,
                )
                user.set_password(DEMO_PASSWORD)
                user.save()
            if group_name:
                user.groups.add(groups[group_name])
            self.staff[username] = user

    def _create_school_years(self) -> None:
        start = self.today.year if self.today.month >= 9 else self.today.year - 1
        years = [start]
        if self.today.month in (6, 7, 8):
            years.append(start + 1)
        if self.range_first < date(start, 9, 1):
            years.insert(0, start - 1)
        self.years: list[SchoolYear] = []
        for year in years:
            label = f"{year}-{year + 1}"
            existing = SchoolYear.objects.filter(label=label).first()
            self.years.append(
                existing
                or create_school_year(
                    label=label,
                    starts_on=date(year, 9, 1),
                    ends_on=date(year + 1, 8, 31),
                    zone=ZONE,
                    by=self.staff["admin"],
                )
            )
        self.current_year = next(y for y in self.years if y.starts_on <= self.today <= y.ends_on)
        rows = CalendarDay.objects.values_list("date", "kind", "label", "school_year_id")
        self.kinds: dict[date, str] = {}
        self.labels: dict[date, tuple[int, str]] = {}
        for day, kind, label, year_id in rows:
            self.kinds[day] = kind
            self.labels[day] = (year_id, label)
        self.span: CalendarSpan = calendar_span(min(self.kinds), max(self.kinds))
        self.first_day, self.last_day = min(self.kinds), max(self.kinds)

    def _rule(self, key: str) -> DeadlineRule:
        values = dict(RULES[key])
        rule, _created = DeadlineRule.objects.get_or_create(
            name=values.pop("name"), defaults=values
        )
        return rule

    def _create_catalogue(self) -> None:
        city = f"{COMMUNE[0]} {COMMUNE[1]}"
        self.sites = {
            key: Site.objects.get_or_create(
                name=name, defaults={"kind": kind, "address": f"{street}, {city}"}
            )[0]
            for key, (name, kind, street) in SITES.items()
        }
        rule = {key: self._rule(key) for key in RULES}
        school = {"weekdays": SCHOOL_WEEKDAYS, "day_kinds": [DayKind.SCHOOL_DAY]}
        care = {
            "unit": Activity.Unit.SESSION,
            "booking_rule": rule["care"],
            "cancellation_rule": rule["care"],
            "late_policy": Activity.LatePolicy.SURCHARGE,
            "absence_validation_mode": Activity.ValidationMode.AUTOMATIC,
            **school,
        }
        specs: list[tuple[str, str, C, dict]] = []
        for key in ("jean_moulin", "ormeaux", "hirondelles"):
            nursery = key == "hirondelles"
            specs += [
                (
                    key,
                    "canteen",
                    C.CANTEEN,
                    {
                        "name": "Restauration scolaire",
                        "unit": Activity.Unit.MEAL,
                        "booking_rule": rule["canteen_nursery" if nursery else "canteen"],
                        "cancellation_rule": rule["canteen_cancel"],
                        "carence_days": 1,
                        "late_policy": Activity.LatePolicy.REFUSE,
                        **school,
                    },
                ),
                (
                    key,
                    "gm",
                    C.MORNING_CARE,
                    {"name": "Garderie matin", "capacity": 40 if nursery else 60, **care},
                ),
                (
                    key,
                    "gs",
                    C.EVENING_CARE,
                    {"name": "Garderie soir", "capacity": 40 if nursery else 60, **care},
                ),
            ]
            if not nursery:
                specs.append(
                    (
                        key,
                        "study",
                        C.STUDY,
                        {
                            "name": "Étude surveillée",
                            "unit": Activity.Unit.SESSION,
                            "capacity": 25,
                            "booking_rule": rule["study"],
                            "cancellation_rule": rule["study"],
                            "late_policy": Activity.LatePolicy.REQUEST,
                            "class_levels": ELEMENTARY_LEVELS,
                            **school,
                        },
                    )
                )
        wednesday = {
            "booking_rule": rule["wednesday"],
            "cancellation_rule": rule["wednesday_cancel"],
            "late_policy": Activity.LatePolicy.REFUSE,
            "class_levels": SCHOOL_LEVELS,
            "weekdays": [2],
            "day_kinds": [DayKind.NO_SCHOOL],
            "capacity": 24,
        }
        holiday = {
            "cancellation_rule": rule["holiday_cancel"],
            "class_levels": SCHOOL_LEVELS,
            "late_policy": Activity.LatePolicy.REFUSE,
            "weekdays": WEEKDAYS,
            "day_kinds": [DayKind.SCHOOL_HOLIDAY],
            "capacity": 24,
        }
        half, whole = Activity.Unit.HALF_DAY, Activity.Unit.DAY
        specs += [
            (
                "bois_du_fay",
                "merc_m",
                C.WEDNESDAY_MORNING,
                {"name": "ALSH mercredi matin", "unit": half, **wednesday},
            ),
            (
                "bois_du_fay",
                "merc_a",
                C.WEDNESDAY_AFTERNOON,
                {"name": "ALSH mercredi après-midi", "unit": half, **wednesday},
            ),
            (
                "bois_du_fay",
                "merc_j",
                C.WEDNESDAY_DAY,
                {"name": "ALSH mercredi journée", "unit": whole, **wednesday},
            ),
            (
                "bois_du_fay",
                "vac_m",
                C.HOLIDAY_MORNING,
                {"name": "ALSH vacances matin", "unit": half, **holiday},
            ),
            (
                "bois_du_fay",
                "vac_a",
                C.HOLIDAY_AFTERNOON,
                {"name": "ALSH vacances après-midi", "unit": half, **holiday},
            ),
            (
                "bois_du_fay",
                "vac_j",
                C.HOLIDAY_DAY,
                {
                    "name": "ALSH vacances journée",
                    "unit": whole,
                    "validation_mode": Activity.ValidationMode.STAFF,
                    **holiday,
                },
            ),
            (
                "petits_pas",
                "creche",
                C.CRECHE,
                {
                    "name": "Accueil régulier",
                    "unit": Activity.Unit.HOUR,
                    "capacity": 30,
                    "booking_rule": rule["creche"],
                    "cancellation_rule": rule["creche_cancel"],
                    "late_policy": Activity.LatePolicy.REQUEST,
                    "min_age_months": 2,
                    "max_age_months": 36,
                    "weekdays": WEEKDAYS,
                    "day_kinds": [DayKind.SCHOOL_DAY, DayKind.NO_SCHOOL, DayKind.SCHOOL_HOLIDAY],
                },
            ),
        ]
        self.acts: dict[tuple[str, str], Activity] = {}
        for site_key, role, category, values in specs:
            values = dict(values)
            activity, _created = Activity.objects.get_or_create(
                site=self.sites[site_key],
                name=values.pop("name"),
                defaults={"category": category, **values},
            )
            self.acts[(site_key, role)] = activity
        for position, (label, justified, proof, carence) in enumerate(ABSENCE_REASONS, 1):
            AbsenceReason.objects.get_or_create(
                label=label,
                defaults={
                    "is_justified": justified,
                    "requires_proof": proof,
                    "applies_carence": carence,
                    "position": position,
                },
            )
        self.reasons = {r.label: r for r in AbsenceReason.objects.all()}
        self._create_windows()

    def _create_windows(self) -> None:
        """Open holiday ALSH bookings seven weeks ahead (a Sunday 20:00), non-residents later."""
        periods: dict[tuple[int, str], list[date]] = defaultdict(list)
        for day, kind in self.kinds.items():
            if kind == DayKind.SCHOOL_HOLIDAY:
                periods[self.labels[day]].append(day)
        rows = []
        self.windows: dict[int, list[rules.BookingWindow]] = defaultdict(list)
        for days in periods.values():
            first, last = min(days), max(days)
            opening = first - timedelta(days=49)
            opening -= timedelta(days=(opening.weekday() + 1) % 7)
            opens = _at(opening, 20)
            for role in ("vac_m", "vac_a", "vac_j"):
                window = BookingWindow(
                    activity=self.acts[("bois_du_fay", role)],
                    first_day=first,
                    last_day=last,
                    opens_at=opens,
                    non_resident_opens_at=opens + 7 * DAY,
                    closes_at=_at(first - timedelta(days=15), 23, 59),
                )
                rows.append(window)
                self.windows[window.activity_id].append(window.as_window())
        if not BookingWindow.objects.exists():
            BookingWindow.objects.bulk_create(rows)

    # -----------------------------------------------------------------------------------------
    # Families

    def _create_families(self) -> None:
        rng = self.rng
        start = self.current_year.starts_on.year
        booked_years = [
            y
            for y in self.years
            if y.starts_on <= self.range_last and y.ends_on >= self.range_first
        ]
        coming_years = [y for y in self.years if y.ends_on >= self.today]
        families: list[Family] = []
        guardians: list[Guardian] = []
        children: list[tuple[Child, int]] = []  # child, family index
        users: list[User] = []
        for index in range(self.n_families):
            if index == 0:
                family, family_guardians, family_children = self._dupont_family(start)
            else:
                family, family_guardians, family_children = self._random_family(index + 1, start)
                if index < self.n_booked:
                    payer = next(g for g in family_guardians if g.is_payer)
                    payer.user = User(
                        username=family.identifier,
                        first_name=payer.first_name,
                        last_name=payer.last_name,
                        email=payer.email,
                        role=User.Role.FAMILY,
                        password=make_password(None),
                    )
                    users.append(payer.user)
            families.append(family)
            guardians += family_guardians
            children += [(child, index) for child in family_children]
        # Unsaved parents given to the children get their primary keys from bulk_create.
        Family.objects.bulk_create(families, batch_size=1000)
        User.objects.bulk_create(users, batch_size=1000)
        Guardian.objects.bulk_create(guardians, batch_size=1000)
        Child.objects.bulk_create([child for child, _index in children], batch_size=1000)
        payers = {g.family_id: g for g in guardians if g.is_payer}
        persons: list[AuthorisedPerson] = []
        enrolments: list[Enrolment] = []
        contract_days: list[ContractDay] = []
        for child, index in children:
            for _n in range(rng.choice((0, 1, 1, 2))):
                relationship, names = rng.choice(PICK_UP)
                persons.append(
                    AuthorisedPerson(
                        child=child,
                        name=f"{rng.choice(names)} {rng.choice(SURNAMES)}",
                        relationship=relationship,
                        phone=self._phone("06 39 98"),
                    )
                )
            payer = payers[child.family_id]
            kid = _Kid(child=child, user=payer.user, resident=child.family.is_resident)
            kid.roles = self._roles(child, dupont=index == 0, booked=index < self.n_booked)
            if "creche" in kid.roles:
                kid.contract = self._contract(dupont=index == 0)
            years = (
                self.years
                if index == 0
                else (booked_years if index < self.n_booked else coming_years)
            )
            for role, activity in kid.roles.items():
                for year in years:
                    enrolment = Enrolment(
                        child=child, activity=activity, school_year=year, payer=payer
                    )
                    enrolments.append(enrolment)
                    kid.enrolments[role].append(enrolment)
                    if role == "creche":
                        enrolment.weekly_contract_hours = _hours(kid.contract)
                        contract_days += [
                            ContractDay(enrolment=enrolment, weekday=w, arrival=a, departure=d)
                            for w, (a, d) in kid.contract.items()
                        ]
            if index == 0:
                self.dupont[child.first_name] = kid
            elif index < self.n_booked:
                kid.patterns = self._patterns(kid)
                self.kids.append(kid)
        quotients = [
            FamilyQuotient(
                family=family,
                value=1150 if number == 0 else int(rng.triangular(250, 2800, 900)),
                source=rng.choice(
                    (FamilyQuotient.Source.CAF,) * 8
                    + (FamilyQuotient.Source.MSA, FamilyQuotient.Source.TAX_NOTICE)
                ),
                valid_from=date(self.today.year, 1, 1),
                valid_to=date(self.today.year, 12, 31),
            )
            for number, family in enumerate(families)
            if number == 0 or rng.random() < 0.88  # no attestation: highest bracket
        ]
        AuthorisedPerson.objects.bulk_create(persons, batch_size=1000)
        FamilyQuotient.objects.bulk_create(quotients, batch_size=1000)
        Enrolment.objects.bulk_create(enrolments, batch_size=1000)
        ContractDay.objects.bulk_create(contract_days, batch_size=1000)

    def _phone(self, prefix: str) -> str:
        return f"{prefix} {self.rng.randint(0, 99):02d} {self.rng.randint(0, 99):02d}"

    def _dupont_family(self, start: int) -> tuple[Family, list[Guardian], list[Child]]:
        family = Family(
            identifier=DUPONT_IDENTIFIER,
            name="DUPONT",
            address_line="12 rue des Tilleuls",
            postal_code=COMMUNE[0],
            city=COMMUNE[1],
            residence_insee=COMMUNE_INSEE,
        )
        user = User(
            username=DUPONT_IDENTIFIER,
            first_name="Jean",
            last_name="DUPONT",
            email="jean.dupont@example.org",
            role=User.Role.FAMILY,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        guardians = [
            Guardian(
                family=family,
                first_name="Jean",
                last_name="DUPONT",
                is_payer=True,
                email="jean.dupont@example.org",
                mobile_phone="06 39 98 00 01",
                user=user,
            ),
            Guardian(
                family=family,
                first_name="Marie",
                last_name="DUPONT",
                email="marie.dupont@example.org",
                mobile_phone="06 39 98 00 02",
            ),
        ]
        toddler = self.today - timedelta(days=457)
        children = [
            Child(
                family=family,
                first_name="Lucas",
                last_name="DUPONT",
                birth_date=date(start - 7, 3, 14),
                school=self.sites["jean_moulin"],
                class_level=ClassLevel.CE1,
            ),
            Child(
                family=family,
                first_name="Léa",
                last_name="DUPONT",
                birth_date=toddler.replace(day=min(toddler.day, 28)),
            ),
        ]
        return family, guardians, children

    def _random_family(self, number: int, start: int) -> tuple[Family, list[Guardian], list[Child]]:
        rng = self.rng
        name = rng.choice(SURNAMES)
        if rng.random() < 0.88:
            insee, postal_code, city = COMMUNE_INSEE, *COMMUNE
        else:
            insee, postal_code, city = rng.choice(NEIGHBOURS)
        family = Family(
            identifier=f"{COMMUNE_INSEE}-{number:05d}",
            name=name,
            address_line=f"{rng.randint(1, 80)} {rng.choice(STREETS)}",
            postal_code=postal_code,
            city=city,
            residence_insee=insee,
        )
        firsts = [rng.choice(WOMEN), rng.choice(MEN)]
        rng.shuffle(firsts)
        count = 2 if rng.random() < 0.72 else 1
        surnames = [name, name if rng.random() < 0.8 else rng.choice(SURNAMES)]
        payer = 0 if rng.random() < 0.8 else count - 1
        guardians = []
        for position in range(count):
            first = firsts[position]
            guardians.append(
                Guardian(
                    family=family,
                    first_name=first,
                    last_name=surnames[position],
                    email=f"{_ascii(first)}.{_ascii(surnames[position])}.{number}@example.org",
                    mobile_phone=self._phone("06 39 98"),
                    home_phone=self._phone("01 99 00") if rng.random() < 0.3 else "",
                    is_payer=position == payer,
                )
            )
        children = []
        for _n in range(rng.choices((1, 2, 3), weights=(55, 35, 10))[0]):
            boy = rng.random() < 0.5
            child = Child(
                family=family,
                first_name=rng.choice(BOYS if boy else GIRLS),
                last_name=name,
                birth_date=date(start, 1, 1),
            )
            if rng.random() < 0.28:  # under three, born after the youngest pupils
                youngest = min(1000, (self.today - date(start - 2, 1, 1)).days)
                child.birth_date = self.today - timedelta(days=rng.randint(125, youngest))
            else:
                born = rng.randint(start - 10, start - 3)
                child.birth_date = date(born, 1, 1) + timedelta(days=rng.randint(0, 364))
                child.class_level = SCHOOL_LEVELS[start - 3 - born]
                child.school = self.sites[
                    "hirondelles"
                    if child.class_level in ("PS", "MS", "GS")
                    else rng.choice(("jean_moulin",) * 11 + ("ormeaux",) * 9)
                ]
            child.diet = rng.choices(list(Diet), weights=(80, 10, 5, 5))[0]
            if rng.random() < 0.04:
                child.has_pai = True
                child.pai_notes = rng.choice(
                    (
                        "Allergie à l'arachide : trousse d'urgence au bureau de la direction.",
                        "Asthme : ventoline dans le sac, prévenir la famille en cas de crise.",
                        "Intolérance au gluten : panier-repas fourni par la famille.",
                    )
                )
                child.packed_meal = "panier" in child.pai_notes
            children.append(child)
        return family, guardians, children

    def _roles(self, child: Child, *, dupont: bool, booked: bool) -> dict[str, Activity]:
        """Choose the activities a child is enrolled in."""
        rng = self.rng
        if dupont and child.school is None:
            return {"creche": self.acts[("petits_pas", "creche")]}
        if dupont:
            keys = ("canteen", "gm", "gs")
            alsh = ("merc_j", "merc_m", "merc_a", "vac_j", "vac_m", "vac_a")
            return {
                **{r: self.acts[("jean_moulin", r)] for r in keys},
                **{r: self.acts[("bois_du_fay", r)] for r in alsh},
            }
        if child.school is None:
            return {"creche": self.acts[("petits_pas", "creche")]} if rng.random() < 0.35 else {}
        site = next(k for k, v in self.sites.items() if v.pk == child.school.pk)
        roles = {}
        for role, share in (("canteen", 0.85), ("gm", 0.3), ("gs", 0.4), ("study", 0.3)):
            if (site, role) in self.acts and rng.random() < share:
                roles[role] = self.acts[(site, role)]
        # The first booked pupils go to the ALSH whatever the draw, so that even a small demo
        # has children ahead of Dupont on the waiting list.
        keen = booked and self.keen_pupils > 0
        self.keen_pupils -= keen
        for prefix, keen_role in (("merc", "merc_j"), ("vac", "vac_m")):
            if rng.random() < 0.35 or keen:
                role = keen_role if keen else f"{prefix}_{rng.choices('jma', (60, 20, 20))[0]}"
                roles[role] = self.acts[("bois_du_fay", role)]
        return roles

    def _contract(self, *, dupont: bool) -> dict[int, tuple[time, time]]:
        """Return a crèche contract: weekday → (arrival, departure)."""
        if dupont:
            return {w: (time(8, 30), time(17, 0)) for w in SCHOOL_WEEKDAYS}
        rng = self.rng
        days = sorted(rng.sample(WEEKDAYS, rng.choice((3, 4, 4, 5, 5))))
        arrival = time(rng.choice((7, 8, 8, 9)), rng.choice((0, 30)))
        departure = time(rng.choice((16, 17, 17, 18)), rng.choice((0, 30)))
        return {w: (arrival, departure) for w in days}

    def _patterns(self, kid: _Kid) -> dict[str, list[int]]:
        """Choose the weekly patterns (semaine type) of a booked child."""
        rng = self.rng
        patterns: dict[str, list[int]] = {}
        for role in kid.roles:
            if role == "creche":
                patterns[role] = sorted(kid.contract)
            elif role == "canteen" and rng.random() < 0.75:
                patterns[role] = (
                    SCHOOL_WEEKDAYS
                    if rng.random() < 0.7
                    else sorted(rng.sample(SCHOOL_WEEKDAYS, rng.randint(2, 3)))
                )
            elif role in ("gm", "gs", "study") and rng.random() < 0.5:
                patterns[role] = sorted(rng.sample(SCHOOL_WEEKDAYS, rng.randint(1, 4)))
            elif role.startswith("merc") and rng.random() < 0.5:
                patterns[role] = [2]
        return patterns

    def _size_capacities(self) -> None:
        """Size ALSH capacities on the booked children so that waiting lists appear."""
        for role in ("merc_m", "merc_a", "merc_j", "vac_m", "vac_a", "vac_j"):
            activity = self.acts[("bois_du_fay", role)]
            enrolled = sum(1 for kid in [*self.kids, *self.dupont.values()] if role in kid.roles)
            activity.capacity = min(40, max(1, round(enrolled * 0.6)))
            activity.save(update_fields=["capacity"])
        creche = self.acts[("petits_pas", "creche")]
        enrolled = sum(1 for kid in [*self.kids, *self.dupont.values()] if "creche" in kid.roles)
        creche.capacity = max(12, enrolled + 2)
        creche.save(update_fields=["capacity"])

    # -----------------------------------------------------------------------------------------
    # Moments: when a family or an agent would have done it

    def _deadline(self, rule: DeadlineRule | None, day: date) -> datetime | None:
        if rule is None:
            return None
        deadline = rules.deadline_for(rule.as_rule(), day, self.span)
        return None if deadline is None else deadline.astimezone(UTC)

    def _moment(
        self,
        pairs: Iterable[tuple[Activity, date]],
        *,
        resident: bool,
        spread: timedelta = 3 * DAY,
        early: bool = False,
        latest: datetime | None = None,
    ) -> datetime | None:
        """Return a moment before every deadline and inside every window, or None."""
        upper = latest or self.now - MINUTE
        lower: datetime | None = None
        for activity, day in pairs:
            deadline = self._deadline(activity.booking_rule, day)
            if deadline is not None:
                upper = min(upper, deadline - MINUTE)
            for window in self.windows.get(activity.pk, ()):
                if window.first_day <= day <= window.last_day:
                    opens = window.opens_for(is_resident=resident)
                    if opens is not None:
                        opens = opens.astimezone(UTC) + MINUTE
                        lower = opens if lower is None else max(lower, opens)
                    if window.closes_at is not None:
                        upper = min(upper, window.closes_at.astimezone(UTC) - MINUTE)
        if lower is not None and lower >= upper:
            return None
        if early and lower is not None:
            return min(upper, lower + spread * self.rng.random())
        moment = upper - spread * self.rng.random()
        return moment if lower is None else max(moment, lower)

    def _late_moment(self, activity: Activity, day: date) -> datetime | None:
        """Return a moment after the booking deadline, before the day starts, or None."""
        deadline = self._deadline(activity.booking_rule, day)
        if deadline is None:
            return None
        lower, upper = deadline + MINUTE, min(self.now - MINUTE, _at(day, 7))
        return None if lower >= upper else lower + (upper - lower) * self.rng.random()

    def _absence_moment(
        self,
        activity: Activity,
        day: date,
        booked_at: datetime,
        *,
        late: bool,
        latest: datetime | None = None,
    ) -> datetime | None:
        """Return when a family declares an absence, before or after the deadline, or None."""
        deadline = self._deadline(activity.cancellation_rule, day)
        upper = min(latest or self.now - MINUTE, _at(day, 9))
        lower = booked_at + MINUTE
        if late:
            if deadline is None:
                return None
            lower = max(lower, deadline + MINUTE)
        elif deadline is not None:
            upper = min(upper, deadline - MINUTE)
        return None if lower >= upper else lower + (upper - lower) * self.rng.random()

    def _after(self, moment: datetime, delay: timedelta) -> datetime | None:
        """Return `moment + delay`, or just before now if that is later; None if not after."""
        decided = min(moment + delay, self.now - MINUTE)
        return decided if decided > moment else None

    def _running(self, activity: Activity, first: date, last: date) -> list[date]:
        day, days = max(first, self.first_day), []
        while day <= min(last, self.last_day):
            if self.kinds[day] in activity.day_kinds and day.weekday() in activity.weekdays:
                days.append(day)
            day += DAY
        return days

    # -----------------------------------------------------------------------------------------
    # Dupont's plan: one booking per legend status of the seed

    def _plan_dupont(self) -> None:
        lucas, lea = self.dupont.get("Lucas"), self.dupont.get("Léa")
        assert lucas is not None and lea is not None
        self.dupont_roles: dict[str, tuple[_Kid, Activity]] = {
            **{role: (lucas, activity) for role, activity in lucas.roles.items()},
            "creche": (lea, lea.roles["creche"]),
            "creche_free": (lea, lea.roles["creche"]),
        }
        end = _month_start(self.today, 2) - DAY
        best: tuple[dict[str, tuple[str, date]], list[str], tuple[date, date], dict] | None = None
        for start in (_month_start(self.today), _month_start(self.today, -1)):
            if start < self.first_day:
                continue
            plan, missing = self._plan_in((start, end))
            if best is None or len(missing) < len(best[1]):
                best = (plan, missing, (start, end), self.pattern_moments)
            if not missing:
                break
        assert best is not None
        self.plan, self.missing, self.window, self.pattern_moments = best

    def _dupont_span(self, window: tuple[date, date]) -> tuple[date, date]:
        return min(window[0], self.range_first), max(window[1], self.range_last)

    def _plan_in(self, window: tuple[date, date]) -> tuple[dict[str, tuple[str, date]], list[str]]:
        first, last = self._dupont_span(window)
        self.pattern_moments = {
            role: self._moment(
                [(activity, d) for d in self._pattern_days(role, first, last)[:10]],
                resident=True,
                spread=5 * DAY,
            )
            for role, (_kid, activity) in self.dupont_roles.items()
            if role in PATTERN_ROLES
        }
        used: set[tuple[str, date]] = set()
        plan: dict[str, tuple[str, date]] = {}
        missing: list[str] = []
        for item, places in DUPONT_ITEMS.items():
            cell = next(
                (
                    c
                    for role, when in (place.split(":") for place in places.split())
                    for c in self._cells(role, when, window)
                    if c not in used and self._fits(item, *c)
                ),
                None,
            )
            if cell is None:
                missing.append(item)
                continue
            plan[item] = cell
            used.add(cell)
            role, day = cell
            if item == "closure" and role == "canteen":  # the whole school closes that day
                used.update({("gm", day), ("gs", day)})
        return plan, missing

    def _pattern_days(self, role: str, first: date, last: date) -> list[date]:
        kid, activity = self.dupont_roles[role]
        days = self._running(activity, first, last)
        if role == "creche":
            return [d for d in days if d.weekday() in kid.contract]
        if role == "creche_free":
            return [d for d in days if d.weekday() not in kid.contract]
        return days

    def _cells(self, role: str, when: str, window: tuple[date, date]) -> list[tuple[str, date]]:
        if role not in self.dupont_roles:
            return []
        days = self._pattern_days(role, *window)
        today = self.today
        future = [d for d in days if d > today]
        past = sorted((d for d in days if d < today), reverse=True)
        chosen = {
            "past": past,
            "future": future,
            "later": [d for d in future if d >= today + 3 * DAY],
            "any": future + past,
            "late_absence": past + [d for d in days if d >= today],
        }[when]
        return [(role, d) for d in chosen]

    def _fits(self, item: str, role: str, day: date) -> bool:
        """Tell whether a cell can carry a legend item, given deadlines and windows."""
        _kid, activity = self.dupont_roles[role]
        by_pattern = role in PATTERN_ROLES
        if item in ABSENCE_ITEMS:
            booked_at = self.pattern_moments.get(role)
            return (
                by_pattern
                and booked_at is not None
                and self._absence_moment(
                    activity, day, booked_at, late=True, latest=self.now - 2 * HOUR
                )
                is not None
            )
        if item in ("closure", "leave", "extra_hours"):
            return by_pattern
        if item == "walk_in":
            return not by_pattern
        if item in REQUEST_ITEMS and by_pattern:
            return False
        return (
            by_pattern
            or self._moment([(activity, day)], resident=True, latest=self.now - 3 * HOUR)
            is not None
        )

    # -----------------------------------------------------------------------------------------
    # Bookings, all through bookings.services

    def _book(self) -> None:
        self._dupont_bookings()
        self._population_patterns()
        self._population_one_offs()
        self._population_late_requests()
        self._population_holidays()
        self._waiting_list_day()
        self._dupont_requests()
        self._decide_requests()
        self._past_strike()
        self._population_absences()
        self._dupont_absences()
        self._leaves()
        self._presences()
        self._walk_ins()
        self._closures_after_the_fact()

    def _request(
        self,
        requests: Sequence[services.BookingRequest],
        *,
        by: User | None,
        now: datetime,
        source: str = BookingSource.FAMILY,
    ) -> list[services.DayResult]:
        results = services.request_bookings(requests=requests, by=by, source=source, now=now)
        for result in results:
            if result.booking_id is not None and result.outcome == services.Outcome.REQUESTED:
                self.moments[result.booking_id] = now
        return results

    def _dupont_booking(self, role: str, day: date) -> Booking:
        kid, activity = self.dupont_roles[role]
        return Booking.objects.select_related("activity", "child").get(
            child=kid.child, activity=activity, day_id=day
        )

    def _dupont_bookings(self) -> None:
        """Book Dupont's extra-hours day, weekly patterns and one-off days."""
        first, last = self._dupont_span(self.window)
        lea, creche = self.dupont_roles["creche"]
        user = lea.user
        if "extra_hours" in self.plan:
            day = self.plan["extra_hours"][1]
            moment = self.pattern_moments["creche"] or self._moment([(creche, day)], resident=True)
            assert moment is not None
            self._request(
                [
                    services.BookingRequest(
                        child=lea.child,
                        activity=creche,
                        day=day,
                        planned_arrival=time(8, 30),
                        planned_departure=time(18, 30),
                    )
                ],
                by=user,
                now=moment - HOUR,
            )
        for role in PATTERN_ROLES:
            kid, activity = self.dupont_roles[role]
            moment = self.pattern_moments[role]
            for enrolment in kid.enrolments[role]:
                if moment is None or not self._overlaps(enrolment.school_year, first, last):
                    continue
                services.apply_weekly_pattern(
                    enrolment=enrolment,
                    weekdays=sorted(kid.contract) if role == "creche" else SCHOOL_WEEKDAYS,
                    starts_on=first,
                    ends_on=last,
                    by=user,
                    now=moment,
                )
        one_offs = [
            self.plan[item]
            for item in ("reserved", "error", "present")
            if item in self.plan and self.plan[item][0] not in PATTERN_ROLES
        ]
        used = set(self.plan.values())
        free_wednesdays = [c for c in self._cells("merc_j", "any", self.window) if c not in used]
        one_offs += free_wednesdays[:1] + free_wednesdays[-1:]
        for role, day in one_offs:
            kid, activity = self.dupont_roles[role]
            moment = self._moment([(activity, day)], resident=True)
            if moment is not None:
                self._request(
                    [services.BookingRequest(child=kid.child, activity=activity, day=day)],
                    by=kid.user,
                    now=moment,
                )

    @staticmethod
    def _overlaps(year: SchoolYear, first: date, last: date) -> bool:
        return year.starts_on <= last and year.ends_on >= first

    def _population_patterns(self) -> None:
        for kid in self.kids:
            for role, weekdays in kid.patterns.items():
                activity = kid.roles[role]
                days = [
                    d
                    for d in self._running(activity, self.range_first, self.range_last)
                    if d.weekday() in weekdays
                ]
                moment = self._moment(
                    [(activity, d) for d in days[:10]], resident=kid.resident, spread=6 * DAY
                )
                if not days or moment is None:
                    continue
                for enrolment in kid.enrolments[role]:
                    if self._overlaps(enrolment.school_year, days[0], days[-1]):
                        services.apply_weekly_pattern(
                            enrolment=enrolment,
                            weekdays=weekdays,
                            starts_on=self.range_first,
                            ends_on=self.range_last,
                            by=kid.user,
                            now=moment,
                        )

    def _population_one_offs(self) -> None:
        """Book occasional days: each family fills its planning once, before the deadlines."""
        rates = {"canteen": 0.3, "gm": 0.25, "gs": 0.3, "study": 0.3}
        rates |= dict.fromkeys(("merc_m", "merc_a", "merc_j"), 0.4)
        wishes: dict[int, list[tuple[_Kid, Activity, date]]] = defaultdict(list)
        for kid in self.kids:
            for role, activity in kid.roles.items():
                pattern = kid.patterns.get(role, [])
                rate = 0.05 if pattern else rates.get(role, 0)
                for day in self._running(activity, self.range_first, self.range_last):
                    if day.weekday() not in pattern and self.rng.random() < rate:
                        wishes[kid.child.family_id].append((kid, activity, day))
        for wanted in wishes.values():
            kid = wanted[0][0]
            moment = self._moment([(a, d) for _k, a, d in wanted], resident=kid.resident)
            if moment is not None:
                requests = [
                    services.BookingRequest(child=k.child, activity=a, day=d) for k, a, d in wanted
                ]
                self._request(requests, by=kid.user, now=moment)

    def _population_late_requests(self) -> None:
        """Book a few days after the deadline: surcharged (garderie) or sent to staff (étude)."""
        for kid in self.kids:
            roles = [r for r in ("gm", "gs", "study") if r in kid.roles]
            if not roles or self.rng.random() > 0.3:
                continue
            activity = kid.roles[self.rng.choice(roles)]
            days = self._running(activity, self.range_first, self.range_last)
            self.rng.shuffle(days)
            for day in days[:3]:
                moment = self._late_moment(activity, day)
                if moment is not None:
                    self._request(
                        [services.BookingRequest(child=kid.child, activity=activity, day=day)],
                        by=kid.user,
                        now=moment,
                    )
                    break

    def _holiday_periods(self, activity: Activity) -> list[list[date]]:
        periods: dict[tuple[int, str], list[date]] = defaultdict(list)
        for day in self._running(activity, self.range_first, self.range_last):
            periods[self.labels[day]].append(day)
        return list(periods.values())

    def _population_holidays(self) -> None:
        """Ask for holiday ALSH weeks as soon as the window opens (« le rush de l'ouverture »)."""
        for kid in self.kids:
            for role in ("vac_m", "vac_a", "vac_j"):
                activity = kid.roles.get(role)
                if activity is None:
                    continue
                for days in self._holiday_periods(activity):
                    if self.rng.random() > 0.6:
                        continue
                    start = self.rng.randrange(len(days))
                    block = days[start : start + self.rng.randint(3, 5)]
                    pairs = [(activity, d) for d in block]
                    moment = self._moment(pairs, resident=kid.resident, early=True)
                    if moment is not None:
                        self._request(
                            [
                                services.BookingRequest(child=kid.child, activity=a, day=d)
                                for a, d in pairs
                            ],
                            by=kid.user,
                            now=moment,
                        )

    def _waiting_list_day(self) -> None:
        """Fill the day where Dupont lands on the waiting list (an outing every child wants)."""
        if "waiting_list" not in self.plan:
            return
        role, day = self.plan["waiting_list"]
        _lucas, activity = self.dupont_roles[role]
        last = self._moment(
            [(activity, day)], resident=True, spread=timedelta(0), latest=self.now - 3 * HOUR
        )
        assert last is not None
        self.waiting_moment = last
        for position, kid in enumerate(k for k in self.kids if role in k.roles):
            moment = self._moment(
                [(activity, day)],
                resident=kid.resident,
                spread=timedelta(0),
                latest=last - 3 * HOUR + position * timedelta(seconds=20),
            )
            if moment is not None and moment < last:
                self._request(
                    [services.BookingRequest(child=kid.child, activity=activity, day=day)],
                    by=kid.user,
                    now=moment,
                )

    def _dupont_requests(self) -> None:
        """Ask for Dupont's waiting-list day and holiday days (one pending, one to refuse)."""
        if "waiting_list" in self.plan:
            role, day = self.plan["waiting_list"]
            kid, activity = self.dupont_roles[role]
            self._request(
                [services.BookingRequest(child=kid.child, activity=activity, day=day)],
                by=kid.user,
                now=self.waiting_moment,
            )
        lucas, holiday = self.dupont_roles["vac_j"]
        used = set(self.plan.values())
        periods: dict[tuple[int, str], list[date]] = defaultdict(list)
        for item in ("requested", "refused"):
            if item in self.plan:
                periods[self.labels[self.plan[item][1]]].append(self.plan[item][1])
        for position, (label, days) in enumerate(periods.items()):
            # The first period also gets a few days the service accepts, as families ask.
            extra = [
                d
                for _r, d in self._cells("vac_j", "any", self.window)
                if ("vac_j", d) not in used and self.labels[d] == label
            ][:3]
            for wanted in ([*days, *extra], days) if position == 0 else (days,):
                pairs = [(holiday, d) for d in sorted(wanted)]
                moment = self._moment(pairs, resident=True, early=True, latest=self.now - 3 * HOUR)
                if moment is not None:
                    self._request(
                        [
                            services.BookingRequest(child=lucas.child, activity=a, day=d)
                            for a, d in pairs
                        ],
                        by=lucas.user,
                        now=moment,
                    )
                    break

    def _decide_requests(self) -> None:
        """Let the service validate or refuse requests a few days after they came."""
        agent = self.staff["agent"]
        keep = {self.plan[item] for item in ("requested",) if item in self.plan}
        refuse = {self.plan[item] for item in ("refused",) if item in self.plan}
        pending = list(
            Booking.objects.filter(pk__in=self.moments, state=S.REQUESTED).select_related(
                "activity", "child"
            )
        )
        for booking in sorted(pending, key=lambda b: self.moments[b.pk]):
            cell = self._dupont_cell(booking)
            if cell in keep:
                continue
            decided = self._after(
                self.moments[booking.pk], timedelta(hours=self.rng.randint(20, 100))
            )
            if decided is None:
                continue
            recent = decided > self.now - 3 * DAY and booking.day_id > self.today
            if cell is None and recent and self.rng.random() < 0.5:
                continue  # not looked at yet
            reason = ""
            if cell in refuse:
                reason = "Complet : priorité aux enfants inscrits sur toute la semaine."
            elif cell is None and self.rng.random() < 0.07:
                reason = "Dossier incomplet : attestation d'assurance extrascolaire manquante."
            if not reason:
                try:
                    services.approve_request(booking=booking, by=agent, now=decided)
                    continue
                except BookingError:
                    reason = "Complet ce jour-là : plus aucune place disponible."
            services.refuse_request(booking=booking, by=agent, reason=reason, now=decided)

    def _dupont_cell(self, booking: Booking) -> tuple[str, date] | None:
        for role, (kid, activity) in self.dupont_roles.items():
            if booking.child_id == kid.child.pk and booking.activity_id == activity.pk:
                return (role, booking.day_id)
        return None

    def _past_strike(self) -> None:
        """Close two schools for a strike about twelve days ago, announced two days before."""
        past = [d for d in self.kinds if self.range_first <= d < self.today]
        target = self.today - timedelta(days=12)
        school = sorted(
            (d for d in past if self.kinds[d] == DayKind.SCHOOL_DAY),
            key=lambda d: abs((d - target).days),
        )
        used_days = {d for r, d in self.plan.values() if r.startswith(("merc", "vac"))}
        leisure = sorted(
            (
                d
                for d in past
                if self.kinds[d] in (DayKind.NO_SCHOOL, DayKind.SCHOOL_HOLIDAY)
                and d.weekday() < 5
                and d not in used_days
            ),
            key=lambda d: abs((d - target).days),
        )
        if school:
            sites: tuple[str, ...] = ("ormeaux", "hirondelles")
            day = school[0]
            note = "Grève des agents municipaux : ni restauration ni accueil périscolaire"
        elif leisure:
            sites, day = ("bois_du_fay",), leisure[0]
            note = "Grève des animateurs"
        else:
            return
        for key in sites:
            services.close_days(
                starts_on=day,
                ends_on=day,
                reason=Closure.Reason.STRIKE,
                site=self.sites[key],
                note=note,
                by=self.staff["agent"],
                now=min(_at(day - 2 * DAY, 16), self.now - HOUR),
            )

    def _population_absences(self) -> None:
        """Declare absences on about 4 % of booked days, in time or too late."""
        rng = self.rng
        skip = {self.plan["waiting_list"][1]} if "waiting_list" in self.plan else set()
        dupont = {kid.child.pk for kid in self.dupont.values()}
        users = {kid.child.pk: kid.user for kid in self.kids}
        reserved = list(
            Booking.objects.filter(
                state=S.RESERVED, day_id__gte=self.range_first, day_id__lte=self.today + 10 * DAY
            )
            .exclude(child_id__in=dupont)
            .select_related("activity__cancellation_rule", "child")
            .order_by("child_id", "activity_id", "day_id")
        )
        following: dict[int, Booking] = {}
        for booking, after in itertools.pairwise(reserved):
            if (booking.child_id, booking.activity_id) == (after.child_id, after.activity_id):
                following[booking.pk] = after
        done: set[int] = set()
        weights = {
            "Maladie (certificat médical)": 40,
            "Convenance personnelle": 40,
            "Grève": 6,
            "Enseignant absent non remplacé": 10,
            "Enfant renvoyé de l'école": 4,
        }
        for booking in rng.sample(reserved, k=len(reserved) // 40):
            if booking.pk in done or booking.day_id in skip or booking.decided_at is None:
                continue
            label = rng.choices(list(weights), weights=list(weights.values()))[0]
            episode = [booking]
            while label.startswith("Maladie") and len(episode) < rng.randint(1, 3):
                nxt = following.get(episode[-1].pk)
                if nxt is None or nxt.pk in done or (nxt.day_id - episode[-1].day_id).days > 4:
                    break
                episode.append(nxt)
            late = rng.random() < (0.35 if label == "Convenance personnelle" else 0.8)
            moment = self._absence_moment(
                booking.activity, booking.day_id, booking.decided_at, late=late
            ) or self._absence_moment(
                booking.activity, booking.day_id, booking.decided_at, late=not late
            )
            if moment is None:
                continue
            done.update(b.pk for b in episode)
            results = services.declare_absence(
                bookings=episode,
                reason=self.reasons[label],
                by=users.get(booking.child_id),
                now=moment,
            )
            for result in results:
                if result.outcome == services.Outcome.ABSENCE_REQUESTED and result.booking_id:
                    self.moments[result.booking_id] = moment
        self._decide_absences()

    def _decide_absences(self) -> None:
        """Validate most justified absences (the certificate came), refuse a few."""
        agent = self.staff["agent"]
        pending = list(
            Booking.objects.filter(
                pk__in=self.moments, state=S.ABSENCE_REQUESTED, day_id__lt=self.today - DAY
            ).select_related("activity", "child")
        )
        dupont = {kid.child.pk for kid in self.dupont.values()}
        for booking in pending:
            decided = self._after(
                self.moments[booking.pk], timedelta(hours=self.rng.randint(24, 72))
            )
            draw = self.rng.random()
            if booking.child_id in dupont or decided is None or draw > 0.85:
                continue
            if draw < 0.7:
                services.approve_request(booking=booking, by=agent, now=decided)
            else:
                services.refuse_request(
                    booking=booking,
                    by=agent,
                    now=decided,
                    reason="Certificat médical non reçu dans les 48 heures.",
                )

    def _dupont_absences(self) -> None:
        for item, label in ABSENCE_ITEMS.items():
            if item not in self.plan:
                continue
            booking = self._dupont_booking(*self.plan[item])
            assert booking.decided_at is not None
            moment = self._absence_moment(
                booking.activity,
                booking.day_id,
                booking.decided_at,
                late=True,
                latest=self.now - 2 * HOUR,
            )
            assert moment is not None
            kid, _activity = self.dupont_roles[self.plan[item][0]]
            services.declare_absence(
                bookings=[booking], reason=self.reasons[label], by=kid.user, now=moment
            )
            if item == "absent_excused":
                decided = self._after(moment, DAY)
                assert decided is not None
                services.approve_request(
                    booking=booking,
                    by=self.staff["agent"],
                    now=decided,
                    note="Grève confirmée par l'école.",
                )

    def _leaves(self) -> None:
        """Declare crèche leave (« congés ») ahead of time, for Dupont and a quarter of others."""
        creche = self.acts[("petits_pas", "creche")]
        batches: list[tuple[list[Booking], User | None]] = []
        if "leave" in self.plan:
            batches.append(([self._dupont_booking(*self.plan["leave"])], self.dupont["Léa"].user))
        for kid in self.kids:
            if "creche" not in kid.roles or self.rng.random() > 0.25:
                continue
            rows = list(
                Booking.objects.filter(child=kid.child, activity=creche, state=S.RESERVED)
                .select_related("activity", "child")
                .order_by("day_id")
            )
            if rows:
                start = self.rng.randrange(len(rows))
                batches.append((rows[start : start + self.rng.randint(2, 5)], kid.user))
        for rows, user in batches:
            first = rows[0]
            moment = min(_at(first.day_id - 10 * DAY, 19), self.now - HOUR)
            if first.decided_at is not None:
                moment = max(moment, min(first.decided_at + DAY, self.now - HOUR))
            services.declare_leave(bookings=rows, by=user, now=moment)

    def _staff_for(self, activity: Activity) -> User:
        return self.staff[
            "animateur" if activity.site_id == self.sites["jean_moulin"].pk else "agent"
        ]

    def _presences(self) -> None:
        """Take attendance on past booked days: most children there, a few missing."""
        dupont = {kid.child.pk for kid in self.dupont.values()}
        past = list(
            Booking.objects.filter(
                state=S.RESERVED,
                day_id__gte=min(self.range_first, self.window[0]),
                day_id__lt=self.today,
            )
            .select_related("activity", "child")
            .order_by("day_id", "pk")
        )
        for booking in past:
            is_dupont = booking.child_id in dupont
            if not is_dupont and booking.day_id < self.range_first:
                continue
            present = is_dupont or self.rng.random() < 0.94
            hour, minute = PRESENCE_TIME.get(booking.activity.category, (17, 0))
            services.record_presence(
                booking=booking,
                presence=Presence.PRESENT if present else Presence.ABSENT,
                by=self._staff_for(booking.activity),
                now=_at(booking.day_id, hour, minute),
            )

    def _walk_ins(self) -> None:
        """Record children present without booking: Dupont's, and one per school and day."""
        if "walk_in" in self.plan:
            role, day = self.plan["walk_in"]
            kid, activity = self.dupont_roles[role]
            services.record_walk_in(
                child=kid.child,
                activity=activity,
                day=day,
                by=self._staff_for(activity),
                now=_at(day, 17, 30),
            )
        closed = {
            (c.site_id, d)
            for c in Closure.objects.filter(site__isnull=False)
            for d in self._dates(c.starts_on, c.ends_on)
        }
        for site_key in ("jean_moulin", "ormeaux", "hirondelles"):
            activity = self.acts[(site_key, "gs")]
            kids = [k for k in self.kids if k.roles.get("gs") == activity]
            booked = set(
                Booking.objects.filter(activity=activity).values_list("child_id", "day_id")
            )
            for day in self._running(activity, self.range_first, self.today - DAY):
                choices = [k for k in kids if (k.child.pk, day) not in booked]
                if not choices or (activity.site_id, day) in closed or self.rng.random() < 0.4:
                    continue
                try:
                    services.record_walk_in(
                        child=self.rng.choice(choices).child,
                        activity=activity,
                        day=day,
                        by=self._staff_for(activity),
                        now=_at(day, 17, 30),
                    )
                except BookingError:
                    continue

    @staticmethod
    def _dates(first: date, last: date) -> list[date]:
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def _closures_after_the_fact(self) -> None:
        """Close a day whose attendance was taken (the « Erreur »), then a strike to come."""
        agent = self.staff["agent"]
        if "error" in self.plan:
            role, day = self.plan["error"]
            _kid, activity = self.dupont_roles[role]
            services.close_days(
                starts_on=day,
                ends_on=day,
                reason=Closure.Reason.OTHER,
                activity=activity,
                note="Fermeture exceptionnelle (panne de chauffage), saisie après coup",
                by=agent,
                now=min(_at(day + DAY, 9), self.now - MINUTE),
            )
        if "closure" in self.plan:
            role, day = self.plan["closure"]
            if role == "canteen":
                services.close_days(
                    starts_on=day,
                    ends_on=day,
                    reason=Closure.Reason.STRIKE,
                    site=self.sites["jean_moulin"],
                    by=agent,
                    now=self.now - 30 * MINUTE,
                    note="Grève des agents municipaux : ni restauration ni accueil périscolaire",
                )
            else:
                services.close_days(
                    starts_on=day,
                    ends_on=day,
                    reason=Closure.Reason.OTHER,
                    activity=self.dupont_roles[role][1],
                    by=agent,
                    now=self.now - 30 * MINUTE,
                    note="Journée pédagogique de l'équipe",
                )


def _hours(contract: dict[int, tuple[time, time]]) -> Decimal:
    """Return the weekly hours of a crèche contract."""
    minutes = sum((d.hour - a.hour) * 60 + d.minute - a.minute for a, d in contract.values())
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def _ascii(text: str) -> str:
    """Return a lower-case ASCII form of a name, for e-mail addresses."""
    table = str.maketrans("àâäéèêëîïôöùûüçÿ", "aaaeeeeiioouuucy")
    return "".join(c for c in text.lower().translate(table) if c.isalnum())
