# shop/settings.py: a small Django project with twostep's Django app.
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "twostep.sdk.django",  # the code and setup pages, the middleware, @require_second_factor
    "shop",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Every view of a signed-in user asks a second factor first (after AuthenticationMiddleware),
    # but twostep's pages, login, logout, STATIC_URL and views marked @second_factor_exempt.
    "twostep.sdk.django.middleware.SecondFactorMiddleware",
]
ROOT_URLCONF = "shop.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,  # shop/templates/twostep/*.html would override twostep's own
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SHOP_DB", BASE_DIR / "db.sqlite3"),
    }
}
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
# Cookies over https only; PLAIN_HTTP=1 for a local run over http (see docs/sdk-example.md).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = os.environ.get("PLAIN_HTTP") != "1"

# twostep: its address and a verify key made with
# `twostep apikeys create --scope verify --allow-create-users --application Shop --issuer Shop`
TWOSTEP_BASE_URL = os.environ["TWOSTEP_URL"]
TWOSTEP_API_KEY = os.environ["TWOSTEP_API_KEY"]
# Who gives a second factor: "always" (everyone; 2FA set up at the first sign-in) or "policy"
# (twostep's policy decides who must set it up; who has set it up always gives a code).
TWOSTEP_REQUIRE = "always"
# More URL names or path prefixes a signed-in user reaches without a second factor:
# TWOSTEP_EXEMPT_URL_NAMES = ["login", "logout", "password_reset"]
# TWOSTEP_EXEMPT_PATHS = ["/healthz"]
STATIC_URL = "static/"
