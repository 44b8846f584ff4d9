"""enrol_child and end_enrolment: every check with its French message, nothing half-done."""

from __future__ import annotations

from datetime import date

import pytest

from bookings.exceptions import BookingError
from bookings.models import Booking, BookingState, Enrolment, WeeklyPattern
from bookings.services import BookingRequest, apply_weekly_pattern, request_bookings
from bookings.services.enrolments import end_enrolment, enrol_child
from catalog.models import Activity
from conftest import assert_counters_match_bookings, enrol, paris
from core.models import AuditEvent
from families.models import ClassLevel

NOW = paris(2026, 4, 2, 9, 0)


def test_enrol_child_records_the_enrolment_and_an_audit_event(
    child, canteen, school_year, guardian, agent
):
    enrolment = enrol_child(
        child=child, activity=canteen, school_year=school_year, payer=guardian, by=agent
    )
    assert enrolment.payer == guardian
    event = AuditEvent.objects.get(action="enrolment.created")
    assert event.actor == agent
    assert event.family_id == child.family_id
    assert event.object_id == str(enrolment.pk)
    assert event.after["activity"] == canteen.pk


def test_enrolling_twice_is_refused_with_the_child_activity_and_year(
    child, canteen, school_year, guardian, agent
):
    enrol_child(child=child, activity=canteen, school_year=school_year, payer=guardian, by=agent)
    with pytest.raises(BookingError) as refused:
        enrol_child(
            child=child, activity=canteen, school_year=school_year, payer=guardian, by=agent
        )
    assert refused.value.message == (
        "Léa a déjà une inscription à Restauration scolaire (École élémentaire Jean Moulin) "
        "pour 2025-2026 : ouvrez-la depuis la fiche famille plutôt que d'en créer une seconde."
    )
    assert Enrolment.objects.count() == 1
    assert AuditEvent.objects.filter(action="enrolment.created").count() == 1


def test_payer_of_another_family_is_refused(child, canteen, school_year, other_family, agent):
    stranger = other_family.guardians.get()
    with pytest.raises(BookingError) as refused:
        enrol_child(
            child=child, activity=canteen, school_year=school_year, payer=stranger, by=agent
        )
    assert refused.value.message == (
        "Inscription impossible pour Léa : MARTIN SOPHIE n'est pas responsable légal de la "
        "famille DUPONT."
    )
    assert not Enrolment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="enrolment").exists()


def test_class_level_rule_is_named(child, canteen, school_year, guardian, agent):
    canteen.class_levels = [ClassLevel.PS, ClassLevel.MS, ClassLevel.GS]
    canteen.save()
    with pytest.raises(BookingError) as refused:
        enrol_child(
            child=child, activity=canteen, school_year=school_year, payer=guardian, by=agent
        )
    assert refused.value.message == (
        "Inscription impossible pour Léa : l'activité Restauration scolaire est réservée aux "
        "niveaux PS, MS, GS ; Léa est en CE2."
    )


def test_too_young_gives_the_day_the_child_reaches_the_age(
    toddler, creche, school_year, guardian, agent
):
    creche.min_age_months = 18  # Zoé, born 1 October 2024, is 18 months on 1 April 2026
    creche.save()
    with pytest.raises(BookingError) as refused:
        enrol_child(
            child=toddler, activity=creche, school_year=school_year, payer=guardian, by=agent
        )
    assert refused.value.message == (
        "Inscription impossible pour Zoé : l'âge minimum de Multi-accueil est 18 mois et Zoé "
        "les aura le mercredi 1er avril 2026 : indiquez une date de début à partir de ce jour."
    )
    enrolment = enrol_child(
        child=toddler,
        activity=creche,
        school_year=school_year,
        payer=guardian,
        starts_on=date(2026, 4, 1),
        by=agent,
    )
    assert enrolment.starts_on == date(2026, 4, 1)


def test_too_old_during_the_year_asks_for_an_end_date(
    toddler, creche, school_year, guardian, agent
):
    creche.max_age_months = 20  # Zoé is 21 months on 1 July 2026
    creche.save()
    with pytest.raises(BookingError) as refused:
        enrol_child(
            child=toddler, activity=creche, school_year=school_year, payer=guardian, by=agent
        )
    assert "dépassera l'âge maximum de Multi-accueil (20 mois) après le mardi 30 juin 2026" in (
        refused.value.message
    )


def test_dates_must_lie_in_the_school_year(child, canteen, school_year, guardian, agent):
    with pytest.raises(BookingError) as refused:
        enrol_child(
            child=child,
            activity=canteen,
            school_year=school_year,
            payer=guardian,
            starts_on=date(2025, 8, 20),
            by=agent,
        )
    assert "comprises dans l'année scolaire 2025-2026" in refused.value.message
    assert not Enrolment.objects.exists()


def test_inactive_activity_is_refused(child, canteen, school_year, guardian, agent):
    Activity.objects.filter(pk=canteen.pk).update(is_active=False)
    canteen.refresh_from_db()
    with pytest.raises(BookingError, match="n'est plus proposée"):
        enrol_child(
            child=child, activity=canteen, school_year=school_year, payer=guardian, by=agent
        )


# ---------------------------------------------------------------------------------------------
# Ending an enrolment early


@pytest.fixture
def booked_april(child, canteen, school_year, agent):
    enrolment = enrol(child, canteen, school_year)
    _pattern, results = apply_weekly_pattern(
        enrolment=enrolment,
        weekdays=[0, 1, 3, 4],
        starts_on=date(2026, 4, 9),
        ends_on=date(2026, 4, 17),
        by=agent,
        now=NOW,
    )
    assert {r.outcome for r in results} == {"reserved"}
    return enrolment


def test_end_is_refused_while_later_days_are_booked(booked_april, agent):
    with pytest.raises(BookingError) as refused:
        end_enrolment(enrolment=booked_april, ends_on=date(2026, 4, 10), by=agent, now=NOW)
    assert refused.value.message == (
        "4 jour(s) de Léa à Restauration scolaire restent enregistrés après le vendredi "
        "10 avril 2026 (du lundi 13 avril 2026 au vendredi 17 avril 2026). Cochez « Annuler "
        "ces jours » pour les annuler sans frais, ou choisissez une autre date de fin."
    )
    booked_april.refresh_from_db()
    assert booked_april.ends_on is None
    assert Booking.objects.filter(state=BookingState.RESERVED).count() == 6


def test_end_with_cancellation_frees_the_places_and_trims_the_pattern(booked_april, agent):
    ended = end_enrolment(
        enrolment=booked_april,
        ends_on=date(2026, 4, 10),
        cancel_bookings=True,
        by=agent,
        now=NOW,
    )
    assert [r.day for r in ended.cancelled] == [
        date(2026, 4, 13),
        date(2026, 4, 14),
        date(2026, 4, 16),
        date(2026, 4, 17),
    ]
    assert ended.cancelled[0].message == (
        "Léa, Restauration scolaire, lundi 13 avril 2026 : annulé sans frais (fin d'inscription)."
    )
    booked_april.refresh_from_db()
    assert booked_april.ends_on == date(2026, 4, 10)
    assert Booking.objects.filter(state=BookingState.RESERVED).count() == 2
    assert WeeklyPattern.objects.get().ends_on == date(2026, 4, 10)
    event = AuditEvent.objects.get(action="enrolment.ended")
    assert event.actor == agent
    assert event.before["ends_on"] is None
    assert event.after["ends_on"] == "2026-04-10"
    assert AuditEvent.objects.filter(action="booking.cancelled_enrolment_ended").count() == 4
    assert_counters_match_bookings()


def test_end_gives_the_freed_place_to_the_waiting_list(
    child, sibling, wednesday_alsh, school_year, agent, other_family
):
    from families.models import Child

    enrolment = enrol(child, wednesday_alsh, school_year)
    others = [
        enrol(kid, wednesday_alsh, school_year)
        for kid in (
            sibling,
            Child.objects.create(
                family=other_family,
                first_name="Tom",
                last_name="MARTIN",
                birth_date=date(2017, 1, 1),
            ),
        )
    ]
    wednesday = date(2026, 4, 15)
    for e in [enrolment, *others]:
        request_bookings(
            requests=[BookingRequest(e.child, wednesday_alsh, wednesday)], by=agent, now=NOW
        )
    assert Booking.objects.get(child=others[1].child).state == BookingState.WAITING_LIST
    end_enrolment(
        enrolment=enrolment, ends_on=date(2026, 4, 14), cancel_bookings=True, by=agent, now=NOW
    )
    assert Booking.objects.get(child=others[1].child).state == BookingState.RESERVED
    assert_counters_match_bookings()


def test_end_after_the_current_end_is_refused(booked_april, agent):
    with pytest.raises(BookingError, match="se termine déjà le lundi 31 août 2026"):
        end_enrolment(enrolment=booked_april, ends_on=date(2026, 8, 31), by=agent, now=NOW)


def test_end_before_a_recorded_presence_is_refused(booked_april, agent):
    Booking.objects.filter(day_id=date(2026, 4, 13)).update(presence="present")
    with pytest.raises(BookingError, match="pointée le lundi 13 avril 2026"):
        end_enrolment(
            enrolment=booked_april,
            ends_on=date(2026, 4, 10),
            cancel_bookings=True,
            by=agent,
            now=NOW,
        )
    assert Booking.objects.filter(state=BookingState.RESERVED).count() == 6
