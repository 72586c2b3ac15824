"""Carehub settings. Every value that differs between machines comes from the environment (see README)."""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from carehub.env import env_bool, env_int, env_list, env_str

PROJECT_DIR = Path(__file__).resolve().parent
BASE_DIR = PROJECT_DIR.parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", required=not DEBUG) or "insecure-development-key-only-used-with-DEBUG"

CAREHUB_BASE_DOMAIN = env_str("CAREHUB_BASE_DOMAIN", "localhost").lower()
CAREHUB_TIME_ZONE = env_str("CAREHUB_TIME_ZONE", "Asia/Shanghai")
# Port and scheme of every absolute URL we hand out: printed unit URLs, invitation links and the status-callback URL
# Twilio calls. In development the port follows `make run`'s (CAREHUB_RUN_PORT), so callbacks reach this server.
CAREHUB_PUBLIC_SCHEME = env_str("CAREHUB_PUBLIC_SCHEME", "http" if DEBUG else "https")
CAREHUB_PUBLIC_PORT = env_int("CAREHUB_PUBLIC_PORT", env_int("CAREHUB_RUN_PORT", 8000) if DEBUG else 0)
CAREHUB_INVITATION_DAYS = env_int("CAREHUB_INVITATION_DAYS", 7)
# Platform operations (tenants, billing): days between a deletion request and the earliest deletion, lifetime
# of a support consent, payment term of invoices.
CAREHUB_DELETION_GRACE_DAYS = env_int("CAREHUB_DELETION_GRACE_DAYS", 30)
CAREHUB_SUPPORT_CONSENT_HOURS = env_int("CAREHUB_SUPPORT_CONSENT_HOURS", 24)
CAREHUB_INVOICE_DUE_DAYS = env_int("CAREHUB_INVOICE_DUE_DAYS", 30)
# Name of the schema every new unit is cloned from; it is not a tenant row (see tenants.schema).
CAREHUB_TEMPLATE_SCHEMA = "_template"

ALLOWED_HOSTS = [CAREHUB_BASE_DOMAIN, f".{CAREHUB_BASE_DOMAIN}", *env_list("CAREHUB_EXTRA_HOSTS")]

SHARED_APPS = [
    "carehub",
    "tenants",  # before django_tenants so that our `migrate` (which also migrates the template) wins
    "django_tenants",
    "billing",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "carehub.accounts",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files, no CDN
]
# Each unit's schema holds its own accounts and sessions: a unit's staff exist only inside that unit.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "carehub.accounts",
    "django.contrib.sessions",
    "care.registers",
    "carehub.audit",
    "care.programme",
    "care.fund",
    "care.imports",
    "care.reports",
    "notifications",
    "rest_framework.authtoken",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Unit"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_BASE_SCHEMA = CAREHUB_TEMPLATE_SCHEMA
TENANT_CREATION_FAKES_MIGRATIONS = True
PUBLIC_SCHEMA_URLCONF = "carehub.urls_public"
ROOT_URLCONF = "carehub.urls_tenant"
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/carehub", required=not DEBUG),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# Many schemas, one database: django-tenants selects a unit with `SET search_path` on the connection, and keeps
# that connection's path until the unit changes. Connections are per thread and reused for DATABASE_CONN_MAX_AGE
# seconds, so only fixed pools keep their number bounded (README, "Connection budget"): gunicorn workers x threads
# x web pods + Celery pool processes x worker pods + migrate --jobs, against max_connections. In front of
# PostgreSQL, PgBouncer must use SESSION pooling (or none): with transaction pooling the next transaction may run on
# a server connection whose search_path belongs to another unit, so a query could read or write the wrong unit's
# tables. Schema count is bounded by the catalog, not by connections: every unit adds ~50 tables and ~360
# relations to pg_class (see README, "Scaling").
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Set the search path only when the schema changes, not before every query (halves the round trips).
TENANT_LIMIT_SET_CALLS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0", required=not DEBUG)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

MIDDLEWARE = [
    "carehub.health.HealthCheckMiddleware",  # before tenant routing: probes come by pod IP
    "carehub.api.errors.ApiErrorMiddleware",  # any error under /api/ in the API's JSON format, whoever answered it
    "django_tenants.middleware.main.TenantMainMiddleware",
    "tenants.middleware.UnitStatusMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "carehub.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "carehub.middleware.UnitLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "carehub.context_processors.unit",
                "billing.portal.context_processors.subscription_notice",
            ],
        },
    }
]

WSGI_APPLICATION = "carehub.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "programme:my_work"  # a unit's staff start the day with their own tasks
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "carehub.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = 60 * 60 * 12
# How long a phone keeps what it needs to work offline (care.programme.services.field) without a fresh copy:
# a field trip of a few days; a lost phone's copy dies with it.
FIELD_DATA_HOURS = 72
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and CAREHUB_PUBLIC_SCHEME == "https"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Production: HTTPS behind an ingress ---------------------------------------------------------------------
# The ingress terminates TLS and forwards the original scheme and host. Django must believe them, or
# request.is_secure() is False, absolute URLs (invitation links, fund disclosure links) say http://internal-host,
# and Twilio's webhook signatures, computed over the public URL, never match (notifications.signatures). Turn it
# off (CAREHUB_BEHIND_PROXY=0) when clients reach gunicorn directly, as in deploy/compose.yaml.
CAREHUB_BEHIND_PROXY = env_bool("CAREHUB_BEHIND_PROXY", not DEBUG)
if CAREHUB_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# Plain HTTP requests are redirected by the ingress, or by Django with CAREHUB_SSL_REDIRECT=1 (the Helm chart sets
# it); /healthz and /readyz answer before this (HealthCheckMiddleware), so probes by pod IP still work.
SECURE_SSL_REDIRECT = env_bool("CAREHUB_SSL_REDIRECT", False)
# HSTS for the base domain and every unit below it, once served over HTTPS.
SECURE_HSTS_SECONDS = env_int("CAREHUB_HSTS_SECONDS", 31536000 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("CAREHUB_HSTS_PRELOAD", False)
# Preloading binds the domain and all its subdomains to HTTPS in browsers for months, hard to undo: the operator
# decides per domain, so `check --deploy` does not nag about it.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Content-Security-Policy (carehub.csp). Pico, HTMX and Swagger UI are vendored, so nothing loads from another
# origin. No inline script (confirmations use data-confirm in carehub/app.js; Swagger UI is the split view);
# 'unsafe-inline' stays for styles only (style attributes, HTMX's indicator style). Forms may land on the
# console or any unit host (redirects between them).
_PUBLIC_PORT = f":{CAREHUB_PUBLIC_PORT}" if CAREHUB_PUBLIC_PORT else ""
_OUR_HOSTS = (f"{CAREHUB_PUBLIC_SCHEME}://{CAREHUB_BASE_DOMAIN}{_PUBLIC_PORT} "
              f"{CAREHUB_PUBLIC_SCHEME}://*.{CAREHUB_BASE_DOMAIN}{_PUBLIC_PORT}")
CAREHUB_CSP = env_str("CAREHUB_CSP", "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    f"form-action 'self' {_OUR_HOSTS}",
]))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PROJECT_DIR / "locale"]
TIME_ZONE = CAREHUB_TIME_ZONE
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploaded files (hardship evidence, import files). Never served as public media: views check access first.
MEDIA_ROOT = Path(env_str("CAREHUB_MEDIA_ROOT", str(BASE_DIR / ".run" / "media")))
MEDIA_URL = "/media/"
# With several pods, uploads go to S3-compatible object storage (AWS S3, Aliyun OSS, MinIO...) when a bucket is
# set. Objects stay private: views stream them through the storage after the access check, never by public URL.
CAREHUB_S3_BUCKET = env_str("CAREHUB_S3_BUCKET")
if CAREHUB_S3_BUCKET:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": CAREHUB_S3_BUCKET,
        "endpoint_url": env_str("CAREHUB_S3_ENDPOINT_URL") or None,
        "region_name": env_str("CAREHUB_S3_REGION") or None,
        # Without keys boto3 uses its default chain (e.g. the pod's cloud IAM role).
        "access_key": env_str("CAREHUB_S3_ACCESS_KEY_ID") or None,
        "secret_key": env_str("CAREHUB_S3_SECRET_ACCESS_KEY") or None,
        "location": env_str("CAREHUB_S3_PREFIX"),
        "addressing_style": env_str("CAREHUB_S3_ADDRESSING_STYLE") or None,  # "virtual" for Aliyun OSS
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"noreply@{CAREHUB_BASE_DOMAIN}")

# REST API (carehub.api, and each app's api/). Token authentication comes first so that an anonymous request
# gets 401 with a WWW-Authenticate header; tokens live in each unit's schema, so a token of one unit means nothing
# at another.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "carehub.api.schema.CareAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed in; writes only by writer roles with a scope. Named here rather than in carehub.api.base, which
    # sits below the registers (see the import contracts in pyproject.toml).
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated",
                                   "care.registers.api.permissions.WritersMayChange"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["carehub.api.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "carehub.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "carehub.api.errors.exception_handler",
    # Obtaining a token with a password is the one place to slow down password guessing.
    "DEFAULT_THROTTLE_RATES": {"token": "20/minute"},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Carehub API",
    "DESCRIPTION": "Registers of one unit: organisation tree, members, hardship ledger, extra fields, staff, "
                   "audit trail. Every error has the body {\"error\": {\"code\", \"message\", \"fields\"}}.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,  # read-only fields stay out of request bodies
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "carehub.api.schema.tighten"],
    "ENUM_NAME_OVERRIDES": {
        "NodeKindEnum": "care.registers.models.NodeKind",
        "ExtraFieldKindEnum": "care.registers.models.ExtraFieldKind",
        "MemberStatusEnum": "care.registers.models.MemberStatus",
        "HardshipCategoryEnum": "care.registers.models.HardshipCategory",
        "RoleEnum": "carehub.accounts.models.Role",
        "SourceEnum": "carehub.audit.models.Source",
        "FieldRecordKindEnum": "care.programme.api.serializers.FIELD_RECORD_KINDS",
    },
}

# Celery: one Redis broker and shared workers for every unit; the unit travels in each message's headers.
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Queues by kind of work, so each can have its own workers (see carehub.celery.route_by_app and the Helm chart).
CELERY_TASK_ROUTES = ["carehub.celery.route_by_app"]
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {"task": "carehub.accounts.tasks.fan_out_housekeeping", "schedule": 6 * 3600},
    # Shortly after midnight in Asia/Shanghai (CELERY_TIMEZONE is UTC); each unit computes its own "today".
    "care-programme-daily": {"task": "care.programme.tasks.fan_out_daily_run", "schedule": crontab(minute=10, hour=16)},
    # Billing: members counted daily (after the programme run), invoices drafted on the 1st (Shanghai time).
    "billing-metering-daily": {"task": "billing.tasks.fan_out_metering", "schedule": crontab(minute=40, hour=16)},
    "billing-draft-invoices": {"task": "billing.tasks.draft_monthly_invoices",
                               "schedule": crontab(minute=0, hour=17, day_of_month=1)},
    # Staff digest SMS: hourly, each unit queues it once a day at the start of its own sending window.
    "sms-staff-digests": {"task": "notifications.services.reminders.fan_out_digests", "schedule": crontab(minute=5)},
    # The SMS relay: every unit's due outbox rows, lost dispatches and expired claims (on-commit dispatch is
    # only the fast path; this finds whatever it missed).
    "sms-relay": {"task": "notifications.tasks.fan_out_relay", "schedule": 30},
    # The SMS watchdog: runs a unit's relay at once where a worker died holding a claim (its lease ran out) or
    # an unknown outcome is due for its lookup. One Redis read when there is nothing to do.
    "sms-wake": {"task": "notifications.tasks.wake_units", "schedule": 5, "options": {"expires": 5}},
}

TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL", "https://api.twilio.com")
TWILIO_TIMEOUT_SECONDS = env_int("TWILIO_TIMEOUT_SECONDS", 10)  # connect and read timeout of each API call
# Public origin Twilio signs webhook URLs with (e.g. https://carehub.example.org), when the request's own
# scheme and host cannot be trusted to match it; empty: build it from the request (see notifications.signatures).
TWILIO_WEBHOOK_BASE_URL = env_str("TWILIO_WEBHOOK_BASE_URL")
# Alibaba Cloud SMS (units that choose it send with their own AccessKey). Empty: the vendor's endpoint, except in
# development when TWILIO_API_BASE_URL is a local sandbox, which speaks Alibaba Cloud's API on the same port.
ALIYUN_SMS_ENDPOINT = env_str("ALIYUN_SMS_ENDPOINT") or (
    TWILIO_API_BASE_URL if DEBUG and "twilio.com" not in TWILIO_API_BASE_URL else "https://dysmsapi.aliyuncs.com")
ALIYUN_TIMEOUT_SECONDS = env_int("ALIYUN_TIMEOUT_SECONDS", 10)  # connect and read timeout of each API call
# Encrypts units' own Twilio tokens and Alibaba Cloud secrets; empty: derived from SECRET_KEY (notifications/crypto).
CAREHUB_FERNET_KEY = env_str("CAREHUB_FERNET_KEY")
# The platform's default sender, for units without their own Messaging Service or number.
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID")
# The platform's caller number for voice calls of units that set none of their own (notifications.services.voice).
TWILIO_VOICE_NUMBER = env_str("TWILIO_VOICE_NUMBER")
SMS_SEND_THREADS = env_int("SMS_SEND_THREADS", 32)  # concurrent provider requests per relay task
SMS_RELAY_PARALLEL = env_int("SMS_RELAY_PARALLEL", 2)  # relay tasks dispatched when messages are queued
# A relay's claim is renewed every HEARTBEAT seconds while it runs; one not renewed for LEASE seconds was
# abandoned (its worker died) and is released. Keep the lease at several heartbeats.
SMS_CLAIM_HEARTBEAT_SECONDS = env_int("SMS_CLAIM_HEARTBEAT_SECONDS", 3)
SMS_CLAIM_LEASE_SECONDS = env_int("SMS_CLAIM_LEASE_SECONDS", 10)
# Wait after a request started before looking up its lost answer: half as long again as TWILIO_TIMEOUT_SECONDS,
# so that request is over, answered or given up, whoever made it.
SMS_UNKNOWN_SETTLE_SECONDS = env_int("SMS_UNKNOWN_SETTLE_SECONDS", 15)
# A sent message with no delivery report after this is fetched from Twilio (its callbacks were lost), again as
# its age doubles, for SMS_SENT_CHECK_HOURS; after that it stays "sent", marked as never confirmed.
SMS_SENT_SETTLE_SECONDS = env_int("SMS_SENT_SETTLE_SECONDS", 900)
SMS_SENT_CHECK_HOURS = env_int("SMS_SENT_CHECK_HOURS", 24)

SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant": {"()": "carehub.observability.TenantLogFilter"}},
    "formatters": {"json": {"()": "carehub.observability.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json",
                             "filters": ["tenant"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                # WeasyPrint logs every step of every page at INFO; its warnings (refused resources) still show.
                "weasyprint": {"level": "WARNING"}},
}

if SENTRY_DSN:
    from carehub.observability import init_sentry

    init_sentry(SENTRY_DSN, environment=SENTRY_ENVIRONMENT)
