"""Users and their roles in the admin."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role", "is_staff"]
    list_filter = ["role", "is_staff", "is_active"]
    filter_horizontal = ["sites", "groups", "user_permissions"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Rôle dans Marelle"), {"fields": ("role", "sites")}),
    )
