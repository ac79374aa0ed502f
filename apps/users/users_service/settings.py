"""Settings of the users service: accounts, password hashing, JWT signing and JWKS."""

from datetime import timedelta
from pathlib import Path

from retail_common import service_settings as conf
from retail_common.config.secrets import resolve_secret

# The settings every project shares, by name: conf.__all__ lists them (linters read it).
from retail_common.service_settings import *  # noqa: F403

BASE_DIR = Path(__file__).resolve().parent.parent
env = conf.env

SERVICE_NAME = "users"
DATABASES, CACHES, LOGGING, SPECTACULAR_SETTINGS, STATIC_ROOT = conf.service_settings(SERVICE_NAME, BASE_DIR)

INSTALLED_APPS = [*conf.DJANGO_APPS, *conf.LIBRARY_APPS, "rest_framework_simplejwt.token_blacklist", "accounts"]
ROOT_URLCONF = "users_service.urls"
WSGI_APPLICATION = "users_service.wsgi.application"

AUTH_USER_MODEL = "accounts.User"
# Argon2id for new hashes; BCrypt is accepted for imported hashes and upgraded on login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Users checks tokens against its own database, so a disabled account loses access at once.
REST_FRAMEWORK = conf.rest_framework_settings(authentication="accounts.authentication.UserJWTAuthentication")

JWT_ACCESS_TTL_SECONDS = env.int("JWT_ACCESS_TTL_SECONDS", default=15 * 60)
JWT_REFRESH_TTL_SECONDS = env.int("JWT_REFRESH_TTL_SECONDS", default=14 * 24 * 3600)
# Users signs (simplejwt + accounts.tokens); refresh tokens rotate and are blacklisted (token_blacklist app).
SIMPLE_JWT = {
    **conf.SIMPLE_JWT,
    "SIGNING_KEY": resolve_secret("JWT_PRIVATE_KEY"),
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=JWT_ACCESS_TTL_SECONDS),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=JWT_REFRESH_TTL_SECONDS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}

# The rate limits of docs/architecture.md §3, as django-ratelimit rates.
USERS_RATE_LOGIN_PER_IP_EMAIL = env("USERS_RATE_LOGIN_PER_IP_EMAIL", default="5/m")
USERS_RATE_LOGIN_PER_IP = env("USERS_RATE_LOGIN_PER_IP", default="20/m")
USERS_RATE_REGISTER_PER_IP = env("USERS_RATE_REGISTER_PER_IP", default="10/h")

RETAIL = conf.service_retail(SERVICE_NAME)
