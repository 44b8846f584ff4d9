"""Time the attendance sheet of a 500-child school and 500 taps on it.

Usage (from the project root):
    .venv/bin/python bench/bench_attendance.py [--children 500] [--runs 20]
    .venv/bin/python bench/bench_attendance.py --database-url postgresql://postgres@127.0.0.1:5432/marelle_bench_attendance

Without --database-url (or DATABASE_URL) the bench runs on SQLite in a temporary directory.
With it, the URL names the throwaway PostgreSQL database itself: the bench drops and creates
it (its name must contain « bench »; the user needs CREATEDB), runs, then drops it.

It builds one school with its canteen, N children booked on one canteen day (some with a
PAI, a diet, a packed meal, pick-up persons), then through Django's test client (the whole
stack: middleware, queries, template) times the sheet page, one htmx tap per child, the
sheet again once every child is marked, and the completion; it prints the median and 95th
percentile in milliseconds and the SQL queries per request.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_booking import setup_django

CANTEEN_WEEKDAYS = [0, 1, 3, 4]


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="throwaway PostgreSQL database URL (else SQLite)",
    )
    parser.add_argument("--children", type=int, default=500, help="children on the sheet")
    parser.add_argument("--runs", type=int, default=20, help="sheet requests to time")
    return parser.parse_args()


def recreate_database(database_url: str, *, drop_only: bool = False) -> None:
    """Drop the throwaway PostgreSQL database named in the URL, then create it again."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop « {name} »: the bench database name contains bench")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def canteen_day(today: date) -> date:
    """Return the latest canteen day up to today (marks are refused on days to come)."""
    from catalog.models import CalendarDay, DayKind

    day = (
        CalendarDay.objects.filter(date__lte=today, kind=DayKind.SCHOOL_DAY)
        .filter(date__week_day__in=[2, 3, 5, 6])  # Django: 2 = Monday … 6 = Friday
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    assert day is not None, "no canteen day before today in the bench school year"
    return day


def build_school(children: int) -> tuple[Any, Any, date, list[int]]:
    """Create a school year, a school, its canteen and `children` children booked one day."""
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import Booking, Enrolment
    from bookings.rules import PARIS
    from bookings.services import BookingRequest, request_bookings
    from catalog.models import Activity, CalendarDay, Site
    from catalog.services import create_school_year
    from families.models import AuthorisedPerson, Child, ClassLevel, Diet, Family, Guardian

    today = timezone.localdate()
    first = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    create_school_year(
        label=f"{first.year}-{first.year + 1}",
        starts_on=first,
        ends_on=date(first.year + 1, 8, 31),
        zone="C",
        by=None,
    )
    day = canteen_day(today)
    school = Site.objects.create(name="École du Bench", kind=Site.Kind.ELEMENTARY_SCHOOL)
    canteen = Activity.objects.create(
        name="Restauration scolaire",
        category=Activity.Category.CANTEEN,
        site=school,
        unit=Activity.Unit.MEAL,
        capacity=children + 20,
        weekdays=CANTEEN_WEEKDAYS,
        day_kinds=["school_day"],
    )
    staff = User.objects.create_user(
        username="animateur-bench", password="x" * 16, role=User.Role.SITE_STAFF
    )
    staff.sites.add(school)

    families = Family.objects.bulk_create(
        Family(identifier=f"78322-{i:05d}", name=f"FAMILLE{i:04d}", residence_insee="78322")
        for i in range(1, (children + 1) // 2 + 1)
    )
    guardians = Guardian.objects.bulk_create(
        Guardian(family=f, first_name="Parent", last_name=f.name, is_payer=True) for f in families
    )
    levels = [level for level in ClassLevel.values if level]
    diets = list(Diet.values)
    kids = Child.objects.bulk_create(
        Child(
            family=families[i // 2],
            first_name=f"Enfant{i:03d}",
            last_name=families[i // 2].name,
            birth_date=date(2016 + i % 6, 1 + i % 12, 1 + i % 28),
            school=school,
            class_level=levels[i % len(levels)],
            diet=diets[0] if i % 4 else diets[i % len(diets)],
            has_pai=i % 12 == 0,
            pai_notes="Allergie arachide : trousse d'urgence au bureau." if i % 12 == 0 else "",
            packed_meal=i % 25 == 0,
        )
        for i in range(children)
    )
    AuthorisedPerson.objects.bulk_create(
        AuthorisedPerson(
            child=kid,
            name=f"Adulte {n} de {kid.first_name}",
            relationship="Grand-parent" if n == 0 else "Voisin",
            phone=f"06 00 00 {i % 100:02d} {n:02d}",
        )
        for i, kid in enumerate(kids)
        for n in range(i % 3)
    )
    year_id = CalendarDay.objects.get(date=day).school_year_id
    Enrolment.objects.bulk_create(
        Enrolment(child=kid, activity=canteen, school_year_id=year_id, payer=guardians[i // 2])
        for i, kid in enumerate(kids)
    )
    before = datetime.combine(day - timedelta(days=30), datetime.min.time(), tzinfo=PARIS)
    request_bookings(
        requests=[BookingRequest(kid, canteen, day) for kid in kids], by=None, now=before
    )
    booking_ids = list(
        Booking.objects.filter(activity=canteen, day_id=day).values_list("pk", flat=True)
    )
    assert len(booking_ids) == children, len(booking_ids)
    return staff, canteen, day, booking_ids


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def summary(timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    return f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms"


def run(children: int, runs: int) -> None:
    """Build the school, then time the sheet, the taps and the completion."""
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bookings.models import Booking, Presence

    print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    staff, canteen, day, booking_ids = build_school(children)
    print(f"built {children} children booked on {day}: {time.monotonic() - started:.1f} s")

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff)
    sheet_url = reverse("backoffice:attendance_sheet", args=[canteen.pk, day])
    mark_url = reverse("backoffice:attendance_mark", args=[canteen.pk, day])
    complete_url = reverse("backoffice:attendance_complete", args=[canteen.pk, day])

    def get_sheet() -> None:
        response = client.get(sheet_url)
        assert response.status_code == 200, response.status_code

    def queries_of(call: Callable[[], Any]) -> int:
        with CaptureQueriesContext(connection) as queries:
            call()
        return len(queries)

    for _warm_up in range(5):
        get_sheet()
    sheet_queries = queries_of(get_sheet)
    size_kb = len(client.get(sheet_url).content) / 1024
    before = [timed(get_sheet) for _run in range(runs)]
    print(
        f"sheet, {children} children not yet marked, {runs} requests: {summary(before)}, "
        f"{sheet_queries} SQL queries, {size_kb:.0f} KB of HTML"
    )

    def tap(booking_id: int, presence: str) -> Callable[[], None]:
        def call() -> None:
            response = client.post(
                mark_url, {"booking": booking_id, "presence": presence}, HTTP_HX_REQUEST="true"
            )
            assert response.status_code == 200, response.status_code

        return call

    marks = [(pk, "absent" if i % 20 == 0 else "present") for i, pk in enumerate(booking_ids)]
    tap_queries = queries_of(tap(*marks[0]))
    started = time.monotonic()
    taps = [timed(tap(pk, presence)) for pk, presence in marks]
    total = time.monotonic() - started
    print(
        f"{children} taps (htmx, one per child): {total:.1f} s in all, {summary(taps)} per tap, "
        f"{tap_queries} SQL queries per tap"
    )
    replays = [timed(tap(pk, presence)) for pk, presence in marks[:100]]
    print(f"100 replayed taps (nothing to change): {summary(replays)} per tap")
    unmarked = Booking.objects.filter(pk__in=booking_ids, presence=Presence.UNKNOWN).count()
    assert unmarked == 0, unmarked

    after = [timed(get_sheet) for _run in range(runs)]
    print(f"sheet, {children} children marked, {runs} requests: {summary(after)}")
    completion = timed(lambda: client.post(complete_url))
    print(f"complete the sheet: {completion:.1f} ms")
    connection.close()


def main() -> None:
    """Run the bench on SQLite or on a throwaway PostgreSQL database."""
    args = parse_args()
    var_dir = tempfile.mkdtemp(prefix="marelle-bench-attendance-")
    database_url = args.database_url
    try:
        if database_url:
            recreate_database(database_url)
        setup_django(var_dir, database_url)
        run(args.children, args.runs)
    finally:
        if database_url:
            from django.db import connections

            connections.close_all()
            recreate_database(database_url, drop_only=True)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
