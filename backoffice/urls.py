"""Back-office URLs under /gestion/ (French paths, English names); one module per area."""

from django.urls import register_converter

from backoffice.converters import IsoDateConverter
from backoffice.views import (
    attendance,
    closures,
    dashboard,
    families,
    family_bookings,
    headcount,
    inbox,
)

register_converter(IsoDateConverter, "isodate")

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
