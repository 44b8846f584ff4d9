"""Forms of the portal's login, forgotten-password and password-change pages."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
    UsernameField,
)
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import send_password_reset_email, set_password

LOGIN_LABEL = _("Identifiant famille ou e-mail")
LOGIN_HELP = _("Votre identifiant famille figure sur le courrier de la mairie (ex. 78322-00042).")
LOGIN_ERROR_ID = "erreur-connexion"


def find_login(text: str) -> User | None:
    """Return the one login a typed identifier or e-mail designates, as the backend does."""
    text = text.strip()
    if not text:
        return None
    user = User.objects.filter(username__iexact=text).first()
    if user is None and "@" in text:
        matches = list(User.objects.filter(guardian__email__iexact=text)[:2])
        user = matches[0] if len(matches) == 1 else None
    return user


def find_logins_to_reset(text: str) -> list[User]:
    """Return every active login a typed identifier or e-mail designates."""
    text = text.strip()
    if not text:
        return []
    users = list(User.objects.filter(username__iexact=text, is_active=True))
    if not users and "@" in text:
        # An address shared by two logins gets one link per login, each naming its identifier.
        users = list(User.objects.filter(guardian__email__iexact=text, is_active=True))
    return users


def lockout_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """Name the account an attempt targets, so every spelling of it counts against one lock.

    For AXES_USERNAME_CALLABLE: without it, « Jean.Dupont@… » and « jean.dupont@… » and the
    family identifier would each get their own 10 attempts.
    """
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = request.POST.get("username")
    text = (typed or "").strip()
    user = find_login(text)
    return user.username if user is not None else text.casefold()


def _lockout_minutes(request: HttpRequest | None) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds() // 60) if cool_off else 0


def _new_password_fields() -> tuple[forms.CharField, forms.CharField]:
    password1, password2 = SetPasswordForm.create_password_fields(
        label1=_("Nouveau mot de passe"), label2=_("Confirmation du nouveau mot de passe")
    )
    password2.help_text = _("Saisissez le même mot de passe une seconde fois.")
    return password1, password2


class LoginForm(AuthenticationForm):
    """Log in with a family identifier (or a guardian's e-mail) and a password."""

    username = UsernameField(
        label=LOGIN_LABEL,
        help_text=LOGIN_HELP,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Identifiant ou mot de passe incorrect. Après %(limit)s essais, "
            "le compte est bloqué %(minutes)s minutes."
        ),
    }

    def get_invalid_login_error(self) -> ValidationError:
        # The same words whether the identifier exists or not: no account enumeration.
        return ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": settings.AXES_FAILURE_LIMIT,
                "minutes": _lockout_minutes(self.request),
            },
        )

    def full_clean(self) -> None:
        super().full_clean()
        if self.non_field_errors():
            # Tie the error shown above the form to both inputs for screen readers.
            for name in ("username", "password"):
                bound = self[name]
                described = [LOGIN_ERROR_ID]
                if bound.help_text:
                    described.append(f"{bound.auto_id}_helptext")
                bound.field.widget.attrs["aria-describedby"] = " ".join(described)
                bound.field.widget.attrs["aria-invalid"] = "true"


class PasswordResetRequestForm(forms.Form):
    """Ask for a link to choose a new password, by family identifier or e-mail."""

    login = forms.CharField(
        label=LOGIN_LABEL,
        help_text=LOGIN_HELP,
        max_length=254,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )

    def get_users(self, login: str) -> list[User]:
        """Return the logins that should receive a link (none for an unknown identifier)."""
        return find_logins_to_reset(login)

    def save(self, *, request: HttpRequest | None = None, **_view_options: Any) -> None:
        """E-mail each matching login its link; PasswordResetView passes its options here."""
        for user in self.get_users(self.cleaned_data["login"]):
            send_password_reset_email(user=user, request=request)


class NewPasswordForm(SetPasswordForm):
    """Choose a new password from a reset or activation link."""

    new_password1, new_password2 = _new_password_fields()

    def save(self, commit: bool = True) -> Any:
        return set_password(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            by=self.user,
            reason="reset_link",
        )


class ChangePasswordForm(PasswordChangeForm):
    """Change one's password, knowing the current one."""

    old_password = forms.CharField(
        label=_("Mot de passe actuel"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1, new_password2 = _new_password_fields()

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": _("Le mot de passe actuel est incorrect. Saisissez-le à nouveau."),
    }

    def save(self, commit: bool = True) -> Any:
        return set_password(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            by=self.user,
            reason="password_change",
        )
