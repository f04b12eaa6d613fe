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
    "twostep.sdk.django",  # the code and setup pages, @require_second_factor
    "shop",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
# Cookies over https only; PLAIN_HTTP=1 for a local run over http (see docs/sdk-example.md).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = os.environ.get("PLAIN_HTTP") != "1"

# twostep: its address and a verify key made with
# `twostep apikeys create --scope verify --allow-create-users --application Shop --issuer Shop`
TWOSTEP_BASE_URL = os.environ["TWOSTEP_URL"]
TWOSTEP_API_KEY = os.environ["TWOSTEP_API_KEY"]
