"""Log families in with their family identifier or a guardian's e-mail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest

from accounts.models import User


class FamilyIdentifierBackend(ModelBackend):
    """Accept a username (staff, or a family identifier) or a guardian's e-mail address."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        login = username.strip()
        user = User.objects.filter(username__iexact=login).first()
        if user is None and "@" in login:
            matches = list(User.objects.filter(guardian__email__iexact=login)[:2])
            # An address shared by two logins is ambiguous: ask for the identifier instead.
            user = matches[0] if len(matches) == 1 else None
        if user is None:
            # Hash anyway, so the answer takes as long whether the account exists or not.
            make_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
