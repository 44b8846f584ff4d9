"""Log in and out, reset a forgotten password by a one-hour link, change one's password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.auth_forms import (
    LOGIN_ERROR_ID,
    ChangePasswordForm,
    LoginForm,
    NewPasswordForm,
    PasswordResetRequestForm,
)


class LoginView(auth.LoginView):
    """Log a guardian in by family identifier or e-mail; django-axes locks after 10 failures."""

    authentication_form = LoginForm
    template_name = "portal/auth/login.html"
    redirect_authenticated_user = True
    extra_context = {"error_id": LOGIN_ERROR_ID}


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Log out (POST only, so a link or an image cannot log anyone out)."""
    logout(request)
    messages.success(request, _("Vous êtes déconnecté."))
    return redirect("portal:login")


class PasswordResetView(auth.PasswordResetView):
    """Send a single-use link valid one hour; never a password."""

    form_class = PasswordResetRequestForm
    template_name = "portal/auth/password_reset_form.html"
    email_template_name = "portal/auth/password_reset_email.txt"
    subject_template_name = "portal/auth/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")


class PasswordResetDoneView(auth.PasswordResetDoneView):
    """Say the same thing whether the account exists or not."""

    template_name = "portal/auth/password_reset_done.html"


class PasswordResetConfirmView(auth.PasswordResetConfirmView):
    """Choose a new password from the link (also how staff-created accounts are activated)."""

    form_class = NewPasswordForm
    template_name = "portal/auth/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")


class PasswordResetCompleteView(auth.PasswordResetCompleteView):
    """Confirm the new password and point to the login page."""

    template_name = "portal/auth/password_reset_complete.html"


class PasswordChangeView(auth.PasswordChangeView):
    """Change the password of the logged-in user, with the same rules."""

    form_class = ChangePasswordForm
    template_name = "portal/auth/password_change_form.html"

    def form_valid(self, form: BaseForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Votre mot de passe a été modifié."))
        return response

    def get_success_url(self) -> str:
        return reverse("portal:home")
