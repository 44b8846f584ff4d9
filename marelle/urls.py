"""URL configuration: the family portal at the root, the back-office at /gestion/, the admin."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Marelle — Portail Famille"
admin.site.site_title = "Marelle"
admin.site.index_title = "Configuration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("gestion/", include("backoffice.urls")),
    path("", include("portal.urls")),
]
