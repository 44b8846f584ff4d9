"""Time the kitchen headcount for a week: a 500-child school and two smaller ones.

Usage (from the project root):
    .venv/bin/python bench/bench_headcount.py [--runs 50]
    .venv/bin/python bench/bench_headcount.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

Builds a throwaway commune (SQLite in a temporary directory, or the database
``marelle_bench_headcount`` created on the given PostgreSQL server and dropped afterwards):
school year 2026-2027, the École Jean Moulin with 500 children and two schools of 150, every
child enrolled in its school's canteen with a week of bookings (Monday, Tuesday, Thursday,
Friday) made through ``request_bookings``, neutral diets, PAIs and packed meals, a few
absences awaiting a decision. Then an education agent requests the week's headcount page and
its CSV through Django's test client (middleware, queries, template) and the bench prints the
median and 95th percentile in milliseconds, plus the SQL queries per request.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_booking import setup_django

BENCH_DATABASE = "marelle_bench_headcount"  # its own name: other benches may run meanwhile
MONDAY = date(2027, 1, 11)  # a full school week (zone C) after the Christmas holidays
SCHOOLS = [("École élémentaire Jean Moulin", 500), ("École Jean Racine", 150)]
SCHOOLS += [("École maternelle Les Tilleuls", 150)]
TARGET_MS = 100


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL (else SQLite)")
    parser.add_argument("--runs", type=int, default=50, help="requests to time per page")
    return parser.parse_args()


def database_urls(server_url: str) -> tuple[str, str]:
    """Return the maintenance URL (to create and drop) and the throwaway database's URL."""
    parts = urlsplit(server_url)
    return (
        urlunsplit(parts._replace(path="/postgres")),
        urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}")),
    )


def recreate_database(server_url: str, *, drop_only: bool = False) -> None:
    """Drop the throwaway PostgreSQL database, then create it again unless told not to."""
    import psycopg

    maintenance, _bench = database_urls(server_url)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')


def build_commune() -> Any:
    """Create the schools, children, enrolments and a week of canteen bookings."""
    from accounts.models import User
    from bookings.models import Booking, BookingState, Enrolment
    from bookings.rules import PARIS
    from bookings.services import BookingRequest, request_bookings
    from catalog.models import Activity, Site
    from catalog.services import create_school_year
    from families.models import Child, ClassLevel, Diet, Family, Guardian

    year = create_school_year(
        label="2026-2027", starts_on=date(2026, 9, 1), ends_on=date(2027, 8, 31), zone="C", by=None
    )
    agent = User.objects.create_user(
        username="agent", password="bench-marelle-2026", role=User.Role.EDUCATION_AGENT
    )
    diets = [Diet.STANDARD] * 6 + [Diet.NO_PORK] * 2 + [Diet.NO_MEAT, Diet.VEGETARIAN]
    days = [MONDAY + timedelta(days=d) for d in (0, 1, 3, 4)]
    number = 0
    booked = 0
    for school_name, size in SCHOOLS:
        site = Site.objects.create(name=school_name, kind=Site.Kind.ELEMENTARY_SCHOOL)
        canteen = Activity.objects.create(
            name="Restauration scolaire",
            category=Activity.Category.CANTEEN,
            site=site,
            unit=Activity.Unit.MEAL,
            capacity=size,
            weekdays=[0, 1, 3, 4],
            day_kinds=["school_day"],
        )
        families = Family.objects.bulk_create(
            Family(identifier=f"78322-{number + i:05d}", name=f"FAMILLE{number + i}")
            for i in range(size // 2)
        )
        payers = Guardian.objects.bulk_create(
            Guardian(family=f, first_name="Parent", last_name=f.name, is_payer=True)
            for f in families
        )
        children = Child.objects.bulk_create(
            Child(
                family=families[i // 2],
                first_name=f"Enfant{i}",
                last_name=families[i // 2].name,
                birth_date=date(2018, 1 + i % 12, 1),
                school=site,
                class_level=ClassLevel.CE1,
                diet=diets[i % len(diets)],
                has_pai=i % 33 == 0,
                packed_meal=i % 99 == 0,
            )
            for i in range(size)
        )
        Enrolment.objects.bulk_create(
            Enrolment(child=c, activity=canteen, school_year=year, payer=payers[i // 2])
            for i, c in enumerate(children)
        )
        number += size // 2
        # Not everybody eats every day: one child in seven skips Friday.
        requests = [
            BookingRequest(child, canteen, day)
            for i, child in enumerate(children)
            for day in days
            if not (i % 7 == 0 and day.weekday() == 4)
        ]
        request_bookings(
            requests=requests,
            by=agent,
            source="staff",
            now=datetime(2026, 12, 1, 9, 0, tzinfo=PARIS),
        )
        booked += len(requests)
    # A few absences await the service's decision (bench data: state only, places unchanged).
    waiting = Booking.objects.filter(day_id=MONDAY + timedelta(days=1)).order_by("pk")[::40]
    Booking.objects.filter(pk__in=[b.pk for b in waiting]).update(
        state=BookingState.ABSENCE_REQUESTED
    )
    reserved = Booking.objects.filter(state=BookingState.RESERVED).count()
    print(f"{sum(s for _n, s in SCHOOLS)} children, {booked} bookings asked, {reserved} reserved")
    return agent


def time_page(client: Any, url: str, runs: int) -> tuple[float, float, int]:
    """Request `url` `runs` times; return the median and p95 in ms, and the SQL queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm up caches and connections
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _i in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings.sort()
    return statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)], len(queries)


def run(runs: int) -> None:
    """Migrate, build the commune, and time the week's headcount page and CSV."""
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    agent = build_commune()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(agent)
    monday = MONDAY.isoformat()
    pages = [
        ("weekly headcount page", f"/gestion/cuisine/semaine/{monday}/"),
        ("weekly headcount CSV", f"/gestion/cuisine/semaine/{monday}/export.csv"),
        ("daily headcount page", f"/gestion/cuisine/?jour={monday}"),
    ]
    print(f"Database: {connection.vendor}")
    for label, url in pages:
        median, p95, queries = time_page(client, url, runs)
        print(
            f"{label}, 3 schools (500 + 150 + 150 children), {runs} requests: "
            f"median {median:.1f} ms, p95 {p95:.1f} ms, {queries} SQL queries "
            f"(target ≤ {TARGET_MS} ms median)"
        )


def main() -> None:
    """Run the bench on SQLite or PostgreSQL."""
    args = parse_args()
    var_dir = tempfile.mkdtemp(prefix="marelle-bench-headcount-")
    database_url = database_urls(args.database_url)[1] if args.database_url else ""
    try:
        if args.database_url:
            recreate_database(args.database_url)
        setup_django(var_dir, database_url)
        run(args.runs)
    finally:
        if args.database_url:
            from django.db import connections

            connections.close_all()
            recreate_database(args.database_url, drop_only=True)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
