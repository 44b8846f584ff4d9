"""The audit journal in the admin: read-only."""

from django.contrib import admin

from core.models import AuditEvent, ServiceContact


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "family"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "family__identifier", "family__name", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["actor", "family"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceContact)
class ServiceContactAdmin(admin.ModelAdmin):
    list_display = ["service", "person", "domain", "phone", "email", "position"]
    list_editable = ["position"]
