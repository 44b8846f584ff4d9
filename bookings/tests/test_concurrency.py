"""Capacity holds under real concurrency: threads race for the last places (invariant 2)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.db import connection, connections, transaction

from bookings.models import Booking, BookingState, Slot
from bookings.services import BookingRequest, declare_absence, request_bookings
from conftest import assert_counters_match_bookings, enrol, paris
from families.models import Child

WEDNESDAY = date(2026, 4, 15)
CLIENTS = 50


def race(target, arguments):
    """Run `target` once per argument in its own thread, all released at the same instant."""
    barrier = threading.Barrier(len(arguments))
    errors: list[BaseException] = []
    results: list = []

    def run(argument):
        try:
            barrier.wait()
            results.append(target(argument))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_clients_race_for_the_last_places(
    family, school, wednesday_alsh, school_year, parent
):
    wednesday_alsh.capacity = 5
    wednesday_alsh.save()
    children = Child.objects.bulk_create(
        Child(
            family=family,
            first_name=f"E{i}",
            last_name="DUPONT",
            birth_date=date(2017, 1, 1),
            school=school,
        )
        for i in range(CLIENTS + 2)
    )
    for kid in children:
        enrol(kid, wednesday_alsh, school_year)
    # Two places are already taken: the 50 clients race for the last three.
    request_bookings(
        requests=[BookingRequest(k, wednesday_alsh, WEDNESDAY) for k in children[:2]],
        by=parent,
        now=paris(2026, 4, 1),
    )

    def book(kid):
        [result] = request_bookings(
            requests=[BookingRequest(kid, wednesday_alsh, WEDNESDAY)],
            by=parent,
            now=paris(2026, 4, 1),
        )
        return result

    results = race(book, children[2:])
    outcomes = sorted(r.outcome for r in results)
    assert outcomes.count("reserved") == 3
    assert outcomes.count("waiting_list") == CLIENTS - 3
    assert sorted(r.rank for r in results if r.rank) == list(range(1, CLIENTS - 2))
    reserved = Booking.objects.filter(
        activity=wednesday_alsh, day_id=WEDNESDAY, state=BookingState.RESERVED
    ).count()
    assert reserved == 5
    assert Slot.objects.get(activity=wednesday_alsh, day_id=WEDNESDAY).taken == 5
    assert_counters_match_bookings()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_postgresql_second_writer_waits_for_the_capacity_lock(
    child, sibling, wednesday_alsh, school_year, parent
):
    assert connection.vendor == "postgresql"
    wednesday_alsh.capacity = 1
    wednesday_alsh.save()
    enrol(child, wednesday_alsh, school_year)
    enrol(sibling, wednesday_alsh, school_year)
    Slot.objects.create(activity=wednesday_alsh, day_id=WEDNESDAY, capacity=1)
    holding = threading.Event()
    release = threading.Event()
    finished_at: dict[str, float] = {}

    def hold_lock(_):
        with transaction.atomic():
            Slot.objects.select_for_update().get(activity=wednesday_alsh, day_id=WEDNESDAY)
            holding.set()
            release.wait(timeout=30)
            finished_at["holder"] = time.monotonic()

    def book(_):
        holding.wait(timeout=30)
        threading.Timer(0.5, release.set).start()
        [result] = request_bookings(
            requests=[BookingRequest(sibling, wednesday_alsh, WEDNESDAY)],
            by=parent,
            now=paris(2026, 4, 1),
        )
        finished_at["writer"] = time.monotonic()
        return result

    results = race(lambda f: f(None), [hold_lock, book])
    assert finished_at["writer"] >= finished_at["holder"]
    assert [r.outcome for r in results if r is not None] == ["reserved"]


@pytest.mark.django_db(transaction=True)
def test_places_freed_and_taken_at_once_keep_the_counter_exact(
    family, school, wednesday_alsh, school_year, parent, absence_reasons
):
    wednesday_alsh.capacity = 10
    wednesday_alsh.save()
    children = Child.objects.bulk_create(
        Child(
            family=family,
            first_name=f"E{i}",
            last_name="DUPONT",
            birth_date=date(2017, 1, 1),
            school=school,
        )
        for i in range(30)
    )
    for kid in children:
        enrol(kid, wednesday_alsh, school_year)
    holders = request_bookings(
        requests=[BookingRequest(k, wednesday_alsh, WEDNESDAY) for k in children[:10]],
        by=parent,
        now=paris(2026, 4, 1),
    )
    held = list(Booking.objects.filter(pk__in=[r.booking_id for r in holders]))

    def act(argument):
        kind, payload = argument
        if kind == "free":
            return declare_absence(
                bookings=[payload],
                reason=absence_reasons["personal"],
                by=parent,
                now=paris(2026, 4, 1),
            )
        return request_bookings(
            requests=[BookingRequest(payload, wednesday_alsh, WEDNESDAY)],
            by=parent,
            now=paris(2026, 4, 1),
        )

    race(act, [("free", b) for b in held[:6]] + [("take", k) for k in children[10:]])
    assert_counters_match_bookings()
    reserved = Booking.objects.filter(
        activity=wednesday_alsh, day_id=WEDNESDAY, state=BookingState.RESERVED
    ).count()
    waiting = Booking.objects.filter(
        activity=wednesday_alsh, day_id=WEDNESDAY, state=BookingState.WAITING_LIST
    ).count()
    # Ten places, 4 kept + 20 newcomers: every freed place is given, the rest wait.
    assert reserved == 10
    assert waiting == 14
