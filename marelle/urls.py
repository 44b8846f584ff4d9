"""URL configuration: the family portal at the root, the Django admin for configuration."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Marelle — Portail Famille"
admin.site.site_title = "Marelle"
admin.site.index_title = "Configuration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("portal.urls")),
]
