"""Family portal URLs (French paths, English names)."""

from django.urls import path

from portal import auth_views, views

app_name = "portal"

urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.logout_view, name="logout"),
    path(
        "connexion/mot-de-passe-oublie/",
        auth_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "connexion/mot-de-passe-oublie/envoye/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "connexion/nouveau-mot-de-passe/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "connexion/nouveau-mot-de-passe/termine/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("compte/mot-de-passe/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("", views.home, name="home"),
    path("aide/", views.help_page, name="help"),
    path("enfants/<int:child_id>/planning/", views.planning_today, name="planning_today"),
    path(
        "enfants/<int:child_id>/planning/<int:year>/<int:month>/",
        views.planning,
        name="planning",
    ),
    path(
        "enfants/<int:child_id>/planning/<int:year>/<int:month>/agir/",
        views.planning_action,
        name="planning_action",
    ),
    path("semaine-type/", views.weekly_pattern, name="weekly_pattern"),
    path("justificatifs/<int:booking_id>/", views.proof, name="proof"),
]
