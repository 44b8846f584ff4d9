"""Login, lockout, logout, forgotten password by a one-hour link, password change."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import send_activation_email
from conftest import paris
from core.models import AuditEvent
from families.models import Guardian

LOGIN_URL = reverse("portal:login")
RESET_URL = reverse("portal:password_reset")
PASSWORD = "demo-marelle-2026"
NEW_PASSWORD = "cartable-rouge-du-mercredi"
WRONG_CREDENTIALS = (
    "Identifiant ou mot de passe incorrect. Après 10 essais, le compte est bloqué 15 minutes."
)

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def page_text(response: Any) -> str:
    """Return the response's HTML with entities decoded (French apostrophes)."""
    return html.unescape(response.content.decode())


def log_in(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN_URL, {"username": username, "password": password})


def request_link(
    client: Client, capture: CaptureOnCommit, login: str
) -> tuple[Any, list[mail.EmailMessage]]:
    """Ask for a reset link; the mail leaves after commit, so run the commit callbacks."""
    with capture(execute=True):
        response = client.post(RESET_URL, {"login": login}, follow=True)
    return response, mail.outbox


def link_in(message: mail.EmailMessage) -> str:
    match = re.search(r"http://testserver(/connexion/nouveau-mot-de-passe/\S+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def choose_password(client: Client, link: str, password: str, confirmation: str = "") -> Any:
    """Open the link (it redirects to a URL without the token) and post the new password."""
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    set_url = form_page.redirect_chain[-1][0]
    return client.post(
        set_url,
        {"new_password1": password, "new_password2": confirmation or password},
    )


# Login -------------------------------------------------------------------------------------


def test_login_page_labels_every_input_and_links_forgotten_password(
    client: Client, db: None
) -> None:
    response = client.get(LOGIN_URL)

    text = page_text(response)
    assert "<h1>" in text
    assert '<label for="id_username">Identifiant famille ou e-mail' in text
    assert '<label for="id_password">Mot de passe' in text
    assert (
        "Votre identifiant famille figure sur le courrier de la mairie (ex. 78322-00042)." in text
    )
    assert 'autocomplete="username"' in text
    assert 'autocomplete="current-password"' in text
    assert 'aria-describedby="id_username_helptext"' in text
    assert f'href="{RESET_URL}">Mot de passe oublié ?' in text


def test_guardian_logs_in_with_the_family_identifier(client: Client, parent: User) -> None:
    response = log_in(client, "78322-00001", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert client.session["_auth_user_id"] == str(parent.pk)


def test_guardian_logs_in_with_the_email_in_any_case(client: Client, parent: User) -> None:
    response = log_in(client, "  Jean.DUPONT@Example.org ", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(parent.pk)


def test_logged_in_user_is_sent_from_login_to_home(client: Client, parent: User) -> None:
    client.force_login(parent)

    response = client.get(LOGIN_URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_wrong_password_reads_like_an_unknown_identifier(client: Client, parent: User) -> None:
    wrong_password = log_in(client, "78322-00001", "pas-le-bon-mot-de-passe")
    unknown = log_in(client, "78322-09999", "pas-le-bon-mot-de-passe")

    assert wrong_password.status_code == unknown.status_code == 200
    assert wrong_password.context["form"].non_field_errors() == [WRONG_CREDENTIALS]
    assert unknown.context["form"].non_field_errors() == [WRONG_CREDENTIALS]
    assert WRONG_CREDENTIALS in page_text(wrong_password)
    assert "_auth_user_id" not in client.session


def test_login_error_is_announced_and_tied_to_the_inputs(client: Client, parent: User) -> None:
    text = page_text(log_in(client, "78322-00001", "pas-le-bon-mot-de-passe"))

    assert 'id="erreur-connexion" role="alert"' in text
    assert 'aria-describedby="erreur-connexion id_username_helptext"' in text
    assert 'aria-describedby="erreur-connexion"' in text
    assert 'aria-invalid="true"' in text


def test_tenth_failure_locks_the_account_even_for_the_right_password(
    client: Client, parent: User
) -> None:
    for _attempt in range(9):
        assert log_in(client, "78322-00001", "pas-le-bon-mot-de-passe").status_code == 200

    tenth = log_in(client, "78322-00001", "pas-le-bon-mot-de-passe")
    right_password = log_in(client, "78322-00001", PASSWORD)

    assert tenth.status_code == 429
    for response in (tenth, right_password):
        assert response.status_code == 429
        assert "portal/auth/locked.html" in [t.name for t in response.templates]
        text = page_text(response)
        assert "Après 10 essais de connexion sans succès" in text
        assert "bloqué pendant 15 minutes" in text
        assert "Mot de passe oublié" in text
        assert "appelez le service de la mairie" in text
    assert "_auth_user_id" not in client.session


def test_lock_lifts_after_fifteen_minutes(client: Client, parent: User) -> None:
    with time_machine.travel(paris(2026, 4, 14, 9, 0), tick=False) as traveller:
        for _attempt in range(10):
            log_in(client, "78322-00001", "pas-le-bon-mot-de-passe")
        assert log_in(client, "78322-00001", PASSWORD).status_code == 429

        traveller.shift(timedelta(minutes=16))

        assert log_in(client, "78322-00001", PASSWORD).status_code == 302


def test_lockout_username_counts_every_spelling_against_one_lock(
    client: Client, parent: User, settings: Any
) -> None:
    settings.AXES_USERNAME_CALLABLE = "portal.auth_forms.lockout_username"
    spellings = ["78322-00001", "jean.dupont@example.org", "JEAN.DUPONT@EXAMPLE.ORG"]

    responses = [log_in(client, spellings[n % 3], "pas-le-bon") for n in range(10)]

    assert [r.status_code for r in responses] == [200] * 9 + [429]
    assert log_in(client, "Jean.Dupont@example.org", PASSWORD).status_code == 429


def test_login_without_csrf_token_is_forbidden(parent: User) -> None:
    client = Client(enforce_csrf_checks=True)

    response = log_in(client, "78322-00001", PASSWORD)

    assert response.status_code == 403


# Logout ------------------------------------------------------------------------------------


def test_logout_refuses_get(client: Client, parent: User) -> None:
    client.force_login(parent)

    response = client.get(reverse("portal:logout"))

    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(parent.pk)


def test_logout_by_post_says_so_on_the_login_page(client: Client, parent: User) -> None:
    client.force_login(parent)

    response = client.post(reverse("portal:logout"), follow=True)

    assert response.redirect_chain == [(LOGIN_URL, 302)]
    assert "_auth_user_id" not in client.session
    assert "Vous êtes déconnecté." in page_text(response)


# Forgotten password ------------------------------------------------------------------------


def test_reset_page_says_no_password_is_ever_emailed(client: Client, db: None) -> None:
    text = page_text(client.get(RESET_URL))

    assert "<h1>Mot de passe oublié</h1>" in text
    assert (
        "Marelle n'envoie jamais de mot de passe par e-mail, seulement un lien valable une heure."
        in text
    )
    assert '<label for="id_login">Identifiant famille ou e-mail' in text
    assert 'autocomplete="username"' in text


def test_reset_by_identifier_end_to_end(
    client: Client,
    parent: User,
    guardian: Guardian,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    done, outbox = request_link(client, django_capture_on_commit_callbacks, "78322-00001")

    assert done.redirect_chain == [(reverse("portal:password_reset_done"), 302)]
    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == ["jean.dupont@example.org"]
    assert "Le Mesnil-Saint-Denis" in message.subject
    assert "Votre identifiant : 78322-00001" in message.body
    assert "Le Mesnil-Saint-Denis" in message.body
    assert "valable 60 minutes" in message.body
    assert PASSWORD not in message.body
    link = link_in(message)

    complete = choose_password(client, link, NEW_PASSWORD)

    assert complete.status_code == 302
    assert complete["Location"] == reverse("portal:password_reset_complete")
    complete_page = page_text(client.get(complete["Location"]))
    assert f'href="{LOGIN_URL}">Se connecter' in complete_page
    assert log_in(client, "78322-00001", PASSWORD).status_code == 200
    assert log_in(client, "78322-00001", NEW_PASSWORD).status_code == 302
    client.logout()
    reused = client.get(link, follow=True)
    assert reused.context["validlink"] is False
    assert "Lien expiré ou déjà utilisé" in page_text(reused)
    assert AuditEvent.objects.filter(
        action="account.password_set", object_id=str(parent.pk), family=guardian.family
    ).exists()


def test_reset_by_email_in_any_case_mails_the_guardian(
    client: Client, parent: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    _done, outbox = request_link(
        client, django_capture_on_commit_callbacks, "JEAN.Dupont@example.org"
    )

    assert [m.to for m in outbox] == [["jean.dupont@example.org"]]
    assert "Votre identifiant : 78322-00001" in outbox[0].body


def test_unknown_identifier_gets_the_same_page_and_no_mail(
    client: Client, parent: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    unknown, outbox = request_link(client, django_capture_on_commit_callbacks, "78322-09999")
    assert outbox == []
    known, outbox = request_link(client, django_capture_on_commit_callbacks, "78322-00001")
    assert len(outbox) == 1

    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.content == known.content
    assert "Si l'identifiant ou l'adresse saisi correspond à un compte" in page_text(unknown)


def test_link_expires_after_one_hour(
    client: Client, parent: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with time_machine.travel(paris(2026, 4, 14, 20, 0), tick=False) as traveller:
        _done, outbox = request_link(client, django_capture_on_commit_callbacks, "78322-00001")
        link = link_in(outbox[0])

        traveller.shift(timedelta(minutes=61))
        response = client.get(link, follow=True)

    assert response.context["validlink"] is False
    text = page_text(response)
    assert "il n'est valable qu'une heure et ne sert qu'une fois" in text
    assert f'href="{RESET_URL}">Demander un nouveau lien' in text


def test_too_short_password_is_refused_in_french(
    client: Client, parent: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    _done, outbox = request_link(client, django_capture_on_commit_callbacks, "78322-00001")

    response = choose_password(client, link_in(outbox[0]), "Court-2026")

    assert response.status_code == 200
    text = page_text(response)
    assert "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères." in text
    assert "Votre mot de passe doit contenir au minimum 12 caractères." in text  # the rules
    assert 'autocomplete="new-password"' in text
    assert 'aria-describedby="id_new_password2_helptext id_new_password2_error"' in text
    parent.refresh_from_db()
    assert parent.check_password(PASSWORD)


def test_reset_lifts_the_lockout(
    client: Client, parent: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    for _attempt in range(10):
        log_in(client, "78322-00001", "pas-le-bon-mot-de-passe")
    _done, outbox = request_link(client, django_capture_on_commit_callbacks, "78322-00001")

    choose_password(client, link_in(outbox[0]), NEW_PASSWORD)

    assert log_in(client, "78322-00001", NEW_PASSWORD).status_code == 302


def test_account_without_password_is_activated_by_the_forgotten_password_link(
    client: Client, parent: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    parent.set_unusable_password()
    parent.save()

    _done, outbox = request_link(client, django_capture_on_commit_callbacks, "78322-00001")
    choose_password(client, link_in(outbox[0]), NEW_PASSWORD)

    assert log_in(client, "78322-00001", NEW_PASSWORD).status_code == 302


# Activation by staff -----------------------------------------------------------------------


def test_activation_email_outside_a_request_uses_the_configured_address(
    parent: User,
    agent: User,
    settings: Any,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    settings.MARELLE_BASE_URL = "https://famille.example.org/"

    with django_capture_on_commit_callbacks(execute=True):
        send_activation_email(user=parent, by=agent)

    [message] = mail.outbox
    assert "https://famille.example.org/connexion/nouveau-mot-de-passe/" in message.body


def test_activation_email_uses_the_request_host_and_records_who_sent_it(
    rf: Any,
    parent: User,
    agent: User,
    guardian: Guardian,
    client: Client,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    parent.set_unusable_password()
    parent.save()

    with django_capture_on_commit_callbacks(execute=True):
        sent = send_activation_email(user=parent, by=agent, request=rf.get("/"))

    assert sent is True
    [message] = mail.outbox
    assert message.to == ["jean.dupont@example.org"]
    assert "activez votre compte" in message.subject
    assert "Votre identifiant : 78322-00001" in message.body
    event = AuditEvent.objects.get(action="account.activation_link_sent")
    assert event.actor == agent
    assert event.family == guardian.family
    choose_password(client, link_in(message), NEW_PASSWORD)
    assert log_in(client, "78322-00001", NEW_PASSWORD).status_code == 302


# Password change ---------------------------------------------------------------------------


def test_password_change_needs_login(client: Client) -> None:
    response = client.get(reverse("portal:password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_password_change_checks_the_current_password_and_the_rules(
    client: Client, parent: User
) -> None:
    client.force_login(parent)
    url = reverse("portal:password_change")
    form_page = page_text(client.get(url))
    assert 'autocomplete="current-password"' in form_page
    assert 'autocomplete="new-password"' in form_page
    assert "<h1>Changer de mot de passe</h1>" in form_page

    wrong_current = client.post(
        url,
        {"old_password": "faux", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    too_short = client.post(
        url, {"old_password": PASSWORD, "new_password1": "court", "new_password2": "court"}
    )
    changed = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert "Le mot de passe actuel est incorrect." in page_text(wrong_current)
    assert "Il doit contenir au minimum 12 caractères." in page_text(too_short)
    assert changed.status_code == 302
    assert changed["Location"] == reverse("portal:home")
    assert client.session["_auth_user_id"] == str(parent.pk)  # still logged in
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)
