"""Back-office views, one module per area; each module ends with its `urlpatterns`."""
