"""Account writes: password links (reset and activation) and password changes."""

from __future__ import annotations

import logging

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from core.audit import record
from families.models import Family, Guardian

logger = logging.getLogger(__name__)

RESET_TEMPLATES = ("portal/auth/password_reset_subject.txt", "portal/auth/password_reset_email.txt")
ACTIVATION_TEMPLATES = ("portal/auth/activation_subject.txt", "portal/auth/activation_email.txt")


def send_password_reset_email(*, user: User, request: HttpRequest | None = None) -> bool:
    """E-mail `user` a one-hour, single-use link to choose a new password."""
    return _send_password_link(
        user=user, by=None, request=request, kind="reset", templates=RESET_TEMPLATES
    )


def send_activation_email(*, user: User, by: User, request: HttpRequest | None = None) -> bool:
    """E-mail an account created by staff the link to choose its first password."""
    return _send_password_link(
        user=user, by=by, request=request, kind="activation", templates=ACTIVATION_TEMPLATES
    )


def create_guardian_login(*, guardian: Guardian, by: User | None) -> User:
    """Give a guardian a login without password (chosen later through an e-mailed link).

    The login is the family identifier if still free, else « <identifier>-2 », « -3 »…; the
    guardian may also log in with their e-mail. A guardian who has a login keeps it.
    """
    with transaction.atomic():
        guardian = (
            # of=("self",): PostgreSQL cannot lock the nullable side of the join to the user.
            Guardian.objects.select_for_update(of=("self",))
            .select_related("family", "user")
            .get(pk=guardian.pk)
        )
        if guardian.user is not None:
            return guardian.user
        for _attempt in range(5):
            user = User(
                username=_free_login_name(guardian.family.identifier),
                first_name=guardian.first_name,
                last_name=guardian.last_name,
                role=User.Role.FAMILY,
            )
            user.set_unusable_password()
            try:
                # Two agents may pick the same free name at once: the unique index decides.
                with transaction.atomic():
                    user.save(force_insert=True)
            except IntegrityError:
                continue
            break
        else:
            raise IntegrityError(f"No free login name for family {guardian.family.identifier}")
        guardian.user = user
        guardian.save(update_fields=["user"])
        record(
            action="account.created",
            obj=user,
            by=by,
            family=guardian.family,
            after={"username": user.username, "guardian": guardian.pk},
        )
    return user


def _free_login_name(identifier: str) -> str:
    taken = {
        name.casefold()
        for name in User.objects.filter(username__istartswith=identifier).values_list(
            "username", flat=True
        )
    }
    if identifier.casefold() not in taken:
        return identifier
    number = 2
    while f"{identifier}-{number}".casefold() in taken:
        number += 1
    return f"{identifier}-{number}"


def set_password(*, user: User, password: str, by: User | None, reason: str) -> User:
    """Set a validated password, record it, and lift any login lockout on the account."""
    with transaction.atomic(durable=True):
        user.set_password(password)
        user.save(update_fields=["password"])
        record(
            action="account.password_set",
            obj=user,
            by=by,
            family=_family_of(user),
            note=reason,
        )
    # A guardian locked out after 10 failures who proves they own the mailbox may log in now.
    for name in _login_names(user):
        AxesProxyHandler.reset_attempts(username=name)
    return user


def recipient_of(user: User) -> str:
    """Return the address that receives the account's links (login's, else guardian's)."""
    if user.email:
        return user.email
    guardian = _guardian_of(user)
    return guardian.email if guardian is not None else ""


def password_link(*, user: User, request: HttpRequest | None = None) -> str:
    """Return the absolute URL that lets `user` choose a password (valid one hour, once)."""
    path = reverse(
        "portal:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    if request is not None:
        return request.build_absolute_uri(path)
    base_url = getattr(settings, "MARELLE_BASE_URL", "")
    if not base_url:
        raise ImproperlyConfigured("Set MARELLE_BASE_URL to send links outside a request.")
    return base_url.rstrip("/") + path


def _send_password_link(
    *,
    user: User,
    by: User | None,
    request: HttpRequest | None,
    kind: str,
    templates: tuple[str, str],
) -> bool:
    to_email = recipient_of(user)
    if not to_email:
        logger.warning("No e-mail address for account %s: no %s link sent.", user.pk, kind)
        return False
    family = _family_of(user)
    context = {
        "commune_name": settings.MARELLE_COMMUNE_NAME,
        "login": user.username,
        "family_identifier": family.identifier if family is not None else "",
        "guardian": _guardian_of(user),
        "link": password_link(user=user, request=request),
        "validity_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
    }
    subject_template, body_template = templates
    subject = "".join(render_to_string(subject_template, context).splitlines())
    body = render_to_string(body_template, context)
    with transaction.atomic():
        record(action=f"account.{kind}_link_sent", obj=user, by=by, family=family)
        # Sent after commit: an account created in a rolled-back transaction gets no mail.
        transaction.on_commit(lambda: _deliver(subject, body, to_email, user_pk=user.pk))
    return True


def _deliver(subject: str, body: str, to_email: str, *, user_pk: int) -> None:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to_email])
    except Exception:
        # The page answers the same either way; the failure is for the operators' logs.
        logger.exception("Could not send a password link to account %s.", user_pk)


def _guardian_of(user: User) -> Guardian | None:
    try:
        return user.guardian
    except Guardian.DoesNotExist:
        return None


def _family_of(user: User) -> Family | None:
    guardian = _guardian_of(user)
    return guardian.family if guardian is not None else None


def _login_names(user: User) -> set[str]:
    names = {user.username, user.username.casefold()}
    for address in (user.email, getattr(_guardian_of(user), "email", "")):
        if address:
            names |= {address, address.casefold()}
    return names
