"""Django settings for Marelle, read from environment variables (see README)."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from marelle.database import database_from_url, sqlite_database
from marelle.env import env_bool, env_choice, env_int, env_list, env_str, local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MARELLE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("MARELLE_DEBUG", False)
# Without MARELLE_SECRET_KEY, a key is generated once into var/secret-key (demo, tests,
# single-server installs); a multi-server deployment sets the same key on every server.
SECRET_KEY = env_str("MARELLE_SECRET_KEY") or local_secret_key(VAR_DIR / "secret-key")
ALLOWED_HOSTS = env_list("MARELLE_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_htmx",
    "core",
    "accounts",
    "families",
    "catalog",
    "bookings",
    "demo",
    "notifications",
    "portal",
    "backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.security.SecurityHeadersMiddleware",
    # Last, as django-axes asks: it turns lockouts into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "marelle.urls"
WSGI_APPLICATION = "marelle.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.commune",
                "backoffice.context_processors.backoffice",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
DATABASES = {
    "default": database_from_url(_database_url)
    if _database_url
    else sqlite_database(VAR_DIR / "marelle.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.FamilyIdentifierBackend",
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"
# Reset and activation links are single-use (the token changes with the password) and last
# one hour, per the CNIL recommendation.
PASSWORD_RESET_TIMEOUT = 3600
# Lock an identifier after 10 failures for 15 minutes (CNIL: at most 10 attempts).
AXES_FAILURE_LIMIT = env_int("MARELLE_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
# Per account, as the CNIL asks: locking by address would lock out a whole town hall or
# school behind one shared address after ten typos.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
# Count failures per account, whatever spelling was typed (identifier or e-mail, any case).
AXES_USERNAME_CALLABLE = "portal.auth_forms.lockout_username"
AXES_LOCKOUT_TEMPLATE = "portal/auth/locked.html"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French for everyone until the English catalogue exists: negotiating from the browser
# would mix English dates into French pages.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads (absence proofs, QF attestations) live outside the web root and are served by views
# that check who asks.
MEDIA_ROOT = Path(env_str("MARELLE_MEDIA_ROOT", str(VAR_DIR / "private-media")))
MAX_UPLOAD_BYTES = env_int("MARELLE_MAX_UPLOAD_BYTES", 5 * 1024 * 1024, minimum=1024)

EMAIL_BACKEND = env_str("MARELLE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("MARELLE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("MARELLE_EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = env_str("MARELLE_FROM_EMAIL", "portail-famille@localhost")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
_tls = env_bool("MARELLE_BEHIND_TLS", False)
SESSION_COOKIE_SECURE = _tls
CSRF_COOKIE_SECURE = _tls
SECURE_HSTS_SECONDS = 31536000 if _tls else 0
if _tls:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The commune this deployment serves (one deployment per collectivité).
MARELLE_COMMUNE_INSEE = env_str("MARELLE_COMMUNE_INSEE", "78322")
# Public address of the portal, for links in e-mails sent outside a request (commands).
MARELLE_BASE_URL = env_str("MARELLE_BASE_URL", "")
MARELLE_COMMUNE_NAME = env_str("MARELLE_COMMUNE_NAME", "Le Mesnil-Saint-Denis")
MARELLE_SCHOOL_ZONE = env_choice("MARELLE_SCHOOL_ZONE", "C", {"A", "B", "C"})

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MARELLE_LOG_LEVEL", "WARNING")},
}
