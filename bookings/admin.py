"""Enrolments and bookings in the admin; bookings are read-only (services write them)."""

from django.contrib import admin

from bookings.models import (
    AbsenceReason,
    AttendanceSheet,
    Booking,
    ContractDay,
    Enrolment,
    Slot,
    WeeklyPattern,
)


@admin.register(AbsenceReason)
class AbsenceReasonAdmin(admin.ModelAdmin):
    list_display = ["label", "is_justified", "requires_proof", "applies_carence", "is_active"]
    list_editable = ["is_justified", "requires_proof", "applies_carence", "is_active"]


class WeeklyPatternInline(admin.TabularInline):
    model = WeeklyPattern
    extra = 0
    readonly_fields = ["weekdays", "starts_on", "ends_on", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ContractDayInline(admin.TabularInline):
    model = ContractDay
    extra = 0


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["child", "activity", "school_year", "payer"]
    list_filter = ["school_year", "activity__site", "activity"]
    search_fields = ["child__first_name", "child__last_name", "child__family__identifier"]
    list_select_related = ["child", "activity__site", "school_year", "payer"]
    raw_id_fields = ["child", "payer"]
    inlines = [ContractDayInline, WeeklyPatternInline]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["day", "child", "activity", "state", "presence", "source", "is_late"]
    list_filter = ["state", "presence", "source", "activity__site", "activity"]
    search_fields = ["child__first_name", "child__last_name", "child__family__identifier"]
    date_hierarchy = "day__date"
    list_select_related = ["child", "activity__site", "day"]
    readonly_fields = [f.name for f in Booking._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["activity", "day", "taken", "capacity"]
    list_filter = ["activity"]
    list_select_related = ["activity__site"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AttendanceSheet)
class AttendanceSheetAdmin(admin.ModelAdmin):
    """Completed attendance sheets, read-only (the back-office's pointage writes them)."""

    list_display = ["day", "activity", "completed_at", "completed_by"]
    list_filter = ["activity__site", "activity"]
    list_select_related = ["activity__site", "completed_by"]
    readonly_fields = [f.name for f in AttendanceSheet._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
