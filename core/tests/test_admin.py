"""Every model registered in the Django admin (configuration) opens for a superuser."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

from accounts.models import User


def test_every_admin_list_opens(client, db, canteen) -> None:
    superuser = User.objects.create_superuser(
        username="root", password="x" * 12, role=User.Role.ADMINISTRATOR
    )
    client.force_login(superuser)
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
