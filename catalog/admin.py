"""Sites, activities, deadline rules, calendar and closures in the admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalog.models import (
    Activity,
    BookingWindow,
    CalendarDay,
    Closure,
    DeadlineRule,
    SchoolYear,
    Site,
)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "address"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ["label", "starts_on", "ends_on", "zone"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "label", "school_year"]
    list_filter = ["school_year", "kind"]
    list_editable = ["kind", "label"]
    date_hierarchy = "date"
    search_fields = ["label"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "description"]
    list_filter = ["kind"]

    @admin.display(description=_("En clair"))
    def description(self, obj: DeadlineRule) -> str:
        return obj.description


class BookingWindowInline(admin.TabularInline):
    model = BookingWindow
    extra = 0


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "site",
        "category",
        "capacity",
        "validation_mode",
        "booking_rule",
        "cancellation_rule",
        "late_policy",
        "is_active",
    ]
    list_filter = ["site", "category", "validation_mode", "late_policy", "is_active"]
    search_fields = ["name"]
    list_select_related = ["site", "booking_rule", "cancellation_rule"]
    inlines = [BookingWindowInline]
    fieldsets = (
        (None, {"fields": ("name", "category", "site", "unit", "capacity", "is_active")}),
        (_("Fonctionnement"), {"fields": ("weekdays", "day_kinds")}),
        (_("Admission"), {"fields": ("class_levels", "min_age_months", "max_age_months")}),
        (
            _("Règles"),
            {
                "fields": (
                    "validation_mode",
                    "booking_rule",
                    "late_policy",
                    "cancellation_rule",
                    "absence_validation_mode",
                    "carence_days",
                )
            },
        ),
    )


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    """Closures are listed here; creating one goes through the service (it cancels bookings)."""

    list_display = ["__str__", "reason", "note", "created_by", "created_at"]
    list_filter = ["reason"]
    list_select_related = ["activity__site", "site", "created_by"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
