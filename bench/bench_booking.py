"""Time the demo load and a whole-year weekly canteen pattern on a throwaway database.

Usage (from the project root):
    .venv/bin/python bench/bench_booking.py [--families 20000] [--children 1000]
    .venv/bin/python bench/bench_booking.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

Without --database-url the bench runs on SQLite in a temporary directory. With it, the URL names
a PostgreSQL server (any database the user may connect to): the bench creates the database
``marelle_bench`` there, runs, then drops it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "marelle_bench"
CANTEEN_WEEKDAYS = [0, 1, 3, 4]


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL (else SQLite)")
    parser.add_argument("--families", type=int, default=20000, help="families in the demo")
    parser.add_argument("--children", type=int, default=1000, help="children given a pattern")
    return parser.parse_args()


def bench_url(server_url: str) -> str:
    """Return the URL of the throwaway database on the server of `server_url`."""
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))


def recreate_database(server_url: str, *, drop_only: bool = False) -> None:
    """Drop the throwaway PostgreSQL database, then create it again unless told not to."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')


def setup_django(var_dir: str, database_url: str) -> None:
    """Point the settings at the throwaway database, then start Django."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "marelle.settings"
    os.environ["MARELLE_VAR_DIR"] = var_dir
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def run(families: int, children: int) -> None:
    """Migrate, load the demo, then apply a whole-year canteen pattern to `children` children."""
    from django.core.management import call_command
    from django.db import connection

    from bookings.models import Booking, Enrolment
    from bookings.rules import PARIS
    from bookings.services import Outcome, apply_weekly_pattern
    from catalog.models import Activity, SchoolYear
    from demo.generator import generate

    print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.monotonic() - started:.1f} s")

    started = time.monotonic()
    summary = generate(families=families)
    seconds = time.monotonic() - started
    print(
        f"demo --families {families}: {seconds:.1f} s "
        f"({summary.children} children, {summary.bookings} bookings)"
    )

    today = datetime.now(tz=UTC).astimezone(PARIS).date()
    year = SchoolYear.objects.get(starts_on__lte=today, ends_on__gte=today)
    booked_children = Booking.objects.values("child_id")
    enrolments = list(
        Enrolment.objects.filter(school_year=year, activity__category=Activity.Category.CANTEEN)
        .exclude(child_id__in=booked_children)
        .select_related("school_year")
        .order_by("pk")[:children]
    )
    if len(enrolments) < children:
        print(f"only {len(enrolments)} children without bookings are enrolled in a canteen")
    # Before the school year, so every deadline of the year is still ahead.
    now = datetime.combine(year.starts_on - timedelta(days=30), datetime.min.time(), tzinfo=PARIS)
    created = 0
    started = time.monotonic()
    for enrolment in enrolments:
        _pattern, results = apply_weekly_pattern(
            enrolment=enrolment,
            weekdays=CANTEEN_WEEKDAYS,
            starts_on=year.starts_on,
            ends_on=year.ends_on,
            by=None,
            now=now,
        )
        created += sum(
            result.outcome in {Outcome.RESERVED, Outcome.REQUESTED, Outcome.WAITING_LIST}
            for result in results
        )
    seconds = time.monotonic() - started
    print(
        f"apply_weekly_pattern, canteen Mon/Tue/Thu/Fri over {year.label}, "
        f"{len(enrolments)} children: {created} bookings in {seconds:.1f} s = "
        f"{created / seconds:.0f} bookings/s ({seconds / max(len(enrolments), 1) * 1000:.0f} ms "
        "per child)"
    )
    connection.close()


def main() -> None:
    """Run the bench on SQLite or on a throwaway PostgreSQL database."""
    args = parse_args()
    var_dir = tempfile.mkdtemp(prefix="marelle-bench-")
    database_url = bench_url(args.database_url) if args.database_url else ""
    try:
        if database_url:
            recreate_database(args.database_url)
        setup_django(var_dir, database_url)
        run(args.families, args.children)
    finally:
        if database_url:
            recreate_database(args.database_url, drop_only=True)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
