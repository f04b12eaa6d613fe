"""Django settings, all from ``TWOSTEP_*`` environment variables (see :mod:`twostep.server.config`).

Nothing here needs editing for a deployment; ``twostep check`` explains what is wrong.
"""

from __future__ import annotations

import os
from pathlib import Path

from .config import load_config
from .crypto import derive_django_secret

TWOSTEP = load_config()
BASE_DIR = Path(__file__).resolve().parent

DEBUG = TWOSTEP.debug
SECRET_KEY = derive_django_secret(TWOSTEP.secret_keys[0])
SECRET_KEY_FALLBACKS = [derive_django_secret(key) for key in TWOSTEP.secret_keys[1:]]
TWOSTEP_SECRET_KEYS = TWOSTEP.secret_keys
TWOSTEP_BASE_URL = TWOSTEP.base_url
TWOSTEP_PROXY_COUNT = TWOSTEP.proxy_count
TWOSTEP_TRUSTED_PROXIES = TWOSTEP.trusted_proxies
TWOSTEP_METRICS = TWOSTEP.metrics
TWOSTEP_LOG_FORMAT = TWOSTEP.log_format
TWOSTEP_REDIS_URL = TWOSTEP.redis_url
TWOSTEP_SYNC = TWOSTEP.sync  # docs/sync.md
TWOSTEP_SYNC_DOMAINS = TWOSTEP.sync_domains
TWOSTEP_SYNC_MAX_BYTES = TWOSTEP.sync_max_bytes
TWOSTEP_FAKE_CLOCK_FILE = str(TWOSTEP.fake_clock_file) if TWOSTEP.fake_clock_file else None
TWOSTEP_CLOCK = None  # tests set a callable here
# Security notices (code reused, locked out...) go out from a background thread after commit,
# so no request waits for the mail server (twostep.server.mail.notify_user). The unit tests,
# whose database transactions never commit, send them at once instead.
TWOSTEP_MAIL_IN_BACKGROUND = True
# Webhook URLs must be https (http only to localhost/127.0.0.1/::1) unless this is set
# (TWOSTEP_WEBHOOKS_ALLOW_HTTP=1: tests, a private network). See twostep.server.webhooks.
TWOSTEP_WEBHOOKS_ALLOW_HTTP = os.environ.get("TWOSTEP_WEBHOOKS_ALLOW_HTTP", "") == "1"
# Webhook deliveries go to public addresses only (loopback only when the URL names localhost)
# unless this is set (TWOSTEP_WEBHOOKS_ALLOW_PRIVATE=1: receivers on a private network).
TWOSTEP_WEBHOOKS_ALLOW_PRIVATE = os.environ.get("TWOSTEP_WEBHOOKS_ALLOW_PRIVATE", "") == "1"

ALLOWED_HOSTS = list(TWOSTEP.allowed_hosts)
CSRF_TRUSTED_ORIGINS = [TWOSTEP.base_url]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "twostep.server.accounts",
    "twostep.server.attempts",
    "twostep.server.applications",
    "twostep.server.audit",
    "twostep.server.mfa",
    "twostep.server.policy",
    "twostep.server.sync",
    "twostep.server.webhooks",
    "twostep.server.gateway",
    "twostep.server.oidc",
    "oauth2_provider",
    "twostep.server.web",
    "twostep.server.console",
    "twostep.server.api",
    "twostep.server.syncapi",
]

# The pages' middleware is skipped for /api/ (web/pages_only.py: bearer tokens, no sessions).
MIDDLEWARE = [
    # First: X-Forwarded-* from a peer that is not a trusted proxy are dropped before anything
    # reads them; then the request's route, status and time are counted (/metrics).
    "twostep.server.web.middleware.ForwardedHeadersMiddleware",
    "twostep.server.web.middleware.MetricsMiddleware",
    "twostep.server.web.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "twostep.server.web.pages_only.WhiteNoiseMiddleware",
    "twostep.server.web.pages_only.SessionMiddleware",
    "twostep.server.web.pages_only.CommonMiddleware",
    "twostep.server.web.pages_only.CsrfViewMiddleware",
    "twostep.server.web.pages_only.AuthenticationMiddleware",
    "twostep.server.web.pages_only.MessageMiddleware",
    "twostep.server.web.pages_only.SessionIdleMiddleware",
    "twostep.server.web.pages_only.PasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "twostep.server.urls"
WSGI_APPLICATION = "twostep.server.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "twostep.server.web.context.site",
            ],
        },
    },
]

DATABASES = {"default": TWOSTEP.database.django()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if TWOSTEP.redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": TWOSTEP.redis_url,
            "KEY_PREFIX": "twostep",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "accounts.User"

# The OpenID Connect provider (docs/oidc-design.md): django-oauth-toolkit with our client model
# (linked to applications.Application), validator (claims, amr, key rotation, reuse detection)
# and keys (twostep.server.oidc.keys, sealed in the database).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oidc.Client"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": TWOSTEP.base_url,
    "OAUTH2_VALIDATOR_CLASS": "twostep.server.oidc.validator.Validator",
    "SCOPES": {
        "openid": "Sign you in",
        "profile": "Your name and username",
        "email": "Your email address",
        "groups": "The groups you belong to",
        "offline_access": "Stay signed in (refresh tokens)",
    },
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,  # public clients only: oidc.validator.Validator.is_pkce_required
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,  # = oidc.keys.ID_TOKEN_LIFETIME
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],  # http: loopback only (oidc.clients)
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": False,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,  # RFC 9207: iss in the code's redirect
}
AUTHENTICATION_BACKENDS = ["twostep.server.accounts.backends.UserBackend"]
PASSWORD_RESET_TIMEOUT = 3600  # a "Forgot password" link works for an hour
PASSWORD_HASHERS = ["twostep.server.accounts.hashers.Argon2idHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:signin"

# Sessions and cookies (ASVS V3): HttpOnly, SameSite=Lax, Secure behind HTTPS; a session ends
# after 12 hours (NIST AAL2 reauthentication), after 30 minutes idle (SessionIdleMiddleware)
# and at browser close.
# TWOSTEP_COOKIE_DOMAIN shares the session with the protected sites of forward authentication
# (docs/forward-auth.md): a cookie with a Domain cannot carry the __Host- prefix.
SESSION_COOKIE_DOMAIN = TWOSTEP.cookie_domain or None
if TWOSTEP.https:
    SESSION_COOKIE_NAME = "__Secure-twostep" if TWOSTEP.cookie_domain else "__Host-twostep"
else:
    SESSION_COOKIE_NAME = "twostep_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = TWOSTEP.https
SESSION_COOKIE_AGE = 12 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SERIALIZER = "django.contrib.sessions.serializers.JSONSerializer"
CSRF_COOKIE_NAME = "__Host-twostep-csrf" if TWOSTEP.https else "twostep_csrf"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = TWOSTEP.https
CSRF_FAILURE_VIEW = "twostep.server.web.views.errors.csrf_failure"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if TWOSTEP.https:
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    if TWOSTEP.proxy_count or TWOSTEP.trusted_proxies:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        SECURE_SSL_REDIRECT = True
        # Probes and scrapers reach each instance directly, over plain HTTP.
        SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# Bounded request sizes: nothing we accept is large.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

if TWOSTEP.mail.backend == "smtp":
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = TWOSTEP.mail.host
    EMAIL_PORT = TWOSTEP.mail.port
    EMAIL_HOST_USER = TWOSTEP.mail.user
    EMAIL_HOST_PASSWORD = TWOSTEP.mail.password
    EMAIL_USE_TLS = TWOSTEP.mail.use_tls
    EMAIL_USE_SSL = TWOSTEP.mail.use_ssl
    EMAIL_TIMEOUT = 15
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = TWOSTEP.mail_from
SERVER_EMAIL = TWOSTEP.mail_from

STATIC_URL = "/static/"
STATIC_ROOT = TWOSTEP.data_dir / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serves straight from the package when not collected (tests)
WHITENOISE_MAX_AGE = 3600

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# TWOSTEP_LOG_FORMAT=json: one JSON object a line (twostep.server.logs.JsonFormatter).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "twostep.server.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if TWOSTEP.log_format == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "twostep": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # 4xx answers to bad input are normal here (wrong codes): log only server errors.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # Each sign-in's and verification's outcome (twostep.server.metrics), as JSON lines.
        "twostep.audit": {
            "handlers": ["console"],
            "level": "INFO" if TWOSTEP.log_format == "json" else "WARNING",
            "propagate": False,
        },
    },
}
