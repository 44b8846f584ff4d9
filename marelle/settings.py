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
    "core",
    "accounts",
    "families",
    "catalog",
    "bookings",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploads (absence proofs, QF attestations) live outside the web root and are served by views
# that check who asks.
MEDIA_ROOT = Path(env_str("MARELLE_MEDIA_ROOT", str(VAR_DIR / "private-media")))
MAX_UPLOAD_BYTES = env_int("MARELLE_MAX_UPLOAD_BYTES", 5 * 1024 * 1024, minimum=1024)

EMAIL_BACKEND = env_str("MARELLE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("MARELLE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("MARELLE_EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = env_str("MARELLE_FROM_EMAIL", "portail-famille@localhost")

SESSION_COOKIE_HTTPONLY = True
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
MARELLE_SCHOOL_ZONE = env_choice("MARELLE_SCHOOL_ZONE", "C", {"A", "B", "C"})

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MARELLE_LOG_LEVEL", "WARNING")},
}
