"""URL configuration: the admin today; the portal and back-office come next."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Marelle — Portail Famille"
admin.site.site_title = "Marelle"
admin.site.index_title = "Configuration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
