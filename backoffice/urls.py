"""Back-office URLs under /gestion/ (French paths, English names); one module per area."""

from django.urls import register_converter

from backoffice.converters import IsoDateConverter

# Registered before the views are imported: their path() patterns compile at import time.
register_converter(IsoDateConverter, "isodate")

from backoffice.views import (  # noqa: E402
    attendance,
    closures,
    dashboard,
    families,
    family_bookings,
    headcount,
    inbox,
)

app_name = "backoffice"

urlpatterns = [
    *dashboard.urlpatterns,
    *inbox.urlpatterns,
    *attendance.urlpatterns,
    *headcount.urlpatterns,
    *closures.urlpatterns,
    *families.urlpatterns,
    *family_bookings.urlpatterns,
]
