"""Time the planning page's server side for a family of 3 children × 8 activities.

Usage (from the project root):
    .venv/bin/python bench/bench_planning.py [--runs 50]
    .venv/bin/python bench/bench_planning.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

Loads a small demo commune on a throwaway database (SQLite in a temporary directory, or the
database ``marelle_bench`` created on the given PostgreSQL server and dropped afterwards),
gives one family three children each enrolled in eight activities with a month of bookings,
then requests the month page through Django's test client (the whole stack: middleware,
queries, template) and prints the median and 95th percentile in milliseconds, plus the
number of SQL queries per page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_booking import bench_url, recreate_database, setup_django

TARGET_MS = 50


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL (else SQLite)")
    parser.add_argument("--runs", type=int, default=50, help="page requests to time")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one page")
    return parser.parse_args()


def build_family() -> tuple[Any, list[Any]]:
    """Give family 78322-00001 three children with eight activities and a month of bookings."""
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import Enrolment
    from bookings.services import BookingRequest, request_bookings
    from catalog.models import Activity, CalendarDay
    from families.models import Child, ClassLevel, Family

    family = Family.objects.get(identifier="78322-00001")
    guardian = family.guardians.get(is_payer=True)
    today = timezone.localdate()
    year = CalendarDay.objects.get(date=today).school_year
    activities = list(Activity.objects.exclude(unit=Activity.Unit.HOUR).order_by("pk")[:8])
    school = family.children.exclude(school=None).first().school  # type: ignore[union-attr]
    children = list(family.children.exclude(school=None))
    while len(children) < 3:
        children.append(
            Child.objects.create(
                family=family,
                first_name=f"Bench{len(children)}",
                last_name=family.name,
                birth_date=today.replace(year=today.year - 8),
                school=school,
                class_level=ClassLevel.CE2,
            )
        )
    for child in children:
        for activity in activities:
            Enrolment.objects.get_or_create(
                child=child, activity=activity, school_year=year, defaults={"payer": guardian}
            )
    first = today.replace(day=1)
    days = [first + timedelta(days=i) for i in range(31)]
    days = [d for d in days if d.month == first.month]
    requests = [BookingRequest(c, a, d) for c in children for a in activities for d in days]
    staff = User.objects.filter(is_superuser=True).first()
    request_bookings(requests=requests, by=staff, source="staff", deadline_override="bench")
    return guardian.user, children


def run(runs: int, profile: bool = False) -> None:
    """Load a small demo, build the family, and time the month page."""
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from demo.generator import generate

    call_command("migrate", verbosity=0)
    generate(families=60, seed=1)
    user, children = build_family()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    today = timezone.localdate()
    urls = [f"/enfants/{c.pk}/planning/{today.year}/{today.month}/" for c in children]
    for url in urls:  # warm up caches and connections
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    timings = []
    for i in range(runs):
        started = time.perf_counter()
        response = client.get(urls[i % len(urls)])
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(urls[0])
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for url in urls:
            client.get(url)
        profiler.disable()
        order = os.environ.get("BENCH_SORT", "cumulative")
        pstats.Stats(profiler).sort_stats(order).print_stats(35)
    timings.sort()
    median = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"Database: {connection.vendor}")
    print(
        f"Planning page, 3 children × 8 activities, {runs} requests: "
        f"median {median:.1f} ms, p95 {p95:.1f} ms, {len(queries)} SQL queries per page "
        f"(target ≤ {TARGET_MS} ms median)"
    )


def main() -> None:
    """Run the bench on SQLite or PostgreSQL."""
    args = parse_args()
    var_dir = tempfile.mkdtemp(prefix="marelle-bench-")
    database_url = bench_url(args.database_url) if args.database_url else ""
    try:
        if args.database_url:
            recreate_database(args.database_url)
        setup_django(var_dir, database_url)
        run(args.runs, args.profile)
    finally:
        if args.database_url:
            from django.db import connections

            connections.close_all()
            recreate_database(args.database_url, drop_only=True)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
