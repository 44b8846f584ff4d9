"""Families, guardians and children in the admin."""

from django.contrib import admin

from families.models import AuthorisedPerson, Child, Family, FamilyQuotient, Guardian


class GuardianInline(admin.TabularInline):
    model = Guardian
    extra = 0
    fields = ["first_name", "last_name", "email", "mobile_phone", "is_payer", "user"]
    raw_id_fields = ["user"]


class ChildInline(admin.TabularInline):
    model = Child
    extra = 0
    fields = ["first_name", "last_name", "birth_date", "school", "class_level", "diet", "has_pai"]
    show_change_link = True


class QuotientInline(admin.TabularInline):
    model = FamilyQuotient
    extra = 0


@admin.register(Family)
class FamilyAdmin(admin.ModelAdmin):
    list_display = ["identifier", "name", "city", "residence_insee"]
    search_fields = ["identifier", "name", "guardians__email", "children__first_name"]
    inlines = [GuardianInline, ChildInline, QuotientInline]


class AuthorisedPersonInline(admin.TabularInline):
    model = AuthorisedPerson
    extra = 0


@admin.register(Child)
class ChildAdmin(admin.ModelAdmin):
    list_display = ["first_name", "last_name", "family", "birth_date", "school", "class_level"]
    list_filter = ["school", "class_level", "diet", "has_pai"]
    search_fields = ["first_name", "last_name", "family__identifier", "family__name"]
    list_select_related = ["family", "school"]
    raw_id_fields = ["family"]
    inlines = [AuthorisedPersonInline]


@admin.register(Guardian)
class GuardianAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "family", "email", "is_payer"]
    search_fields = ["last_name", "first_name", "email", "family__identifier"]
    list_select_related = ["family"]
    raw_id_fields = ["family", "user"]
