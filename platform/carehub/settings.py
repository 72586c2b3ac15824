"""Carehub settings. Every value that differs between machines comes from the environment (see README)."""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

PROJECT_DIR = Path(__file__).resolve().parent
BASE_DIR = PROJECT_DIR.parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", required=not DEBUG) or "insecure-development-key-only-used-with-DEBUG"

CAREHUB_BASE_DOMAIN = env_str("CAREHUB_BASE_DOMAIN", "localhost").lower()
CAREHUB_TIME_ZONE = env_str("CAREHUB_TIME_ZONE", "Asia/Shanghai")
# Port and scheme used when printing unit URLs (invitation links, `tenants create`).
CAREHUB_PUBLIC_SCHEME = env_str("CAREHUB_PUBLIC_SCHEME", "http" if DEBUG else "https")
CAREHUB_PUBLIC_PORT = env_int("CAREHUB_PUBLIC_PORT", 8000 if DEBUG else 0)
CAREHUB_INVITATION_DAYS = env_int("CAREHUB_INVITATION_DAYS", 7)
# Name of the schema every new unit is cloned from; it is not a tenant row (see tenants.schema).
CAREHUB_TEMPLATE_SCHEMA = "_template"

ALLOWED_HOSTS = [CAREHUB_BASE_DOMAIN, f".{CAREHUB_BASE_DOMAIN}", *env_list("CAREHUB_EXTRA_HOSTS")]

SHARED_APPS = [
    "carehub",  # before django_tenants so that our `migrate` (which also migrates the template) wins
    "django_tenants",
    "tenants",
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
    "care.audit",
    "care.programme",
    "care.fund",
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
    "django_tenants.middleware.main.TenantMainMiddleware",
    "carehub.middleware.UnitStatusMiddleware",
    "django.middleware.security.SecurityMiddleware",
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
            ],
        },
    }
]

WSGI_APPLICATION = "carehub.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and CAREHUB_PUBLIC_SCHEME == "https"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

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
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"noreply@{CAREHUB_BASE_DOMAIN}")

# REST API (care.api). Token authentication comes first so that an anonymous request gets 401 with a
# WWW-Authenticate header; tokens live in each unit's schema, so a token of one unit means nothing at another.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "care.api.schema.CareAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "care.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "care.api.errors.exception_handler",
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
    "ENUM_NAME_OVERRIDES": {
        "NodeKindEnum": "care.registers.models.NodeKind",
        "ExtraFieldKindEnum": "care.registers.models.ExtraFieldKind",
        "MemberStatusEnum": "care.registers.models.MemberStatus",
        "HardshipCategoryEnum": "care.registers.models.HardshipCategory",
        "RoleEnum": "carehub.accounts.models.Role",
        "SourceEnum": "care.audit.models.Source",
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
}

TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL", "https://api.twilio.com")

SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant": {"()": "carehub.observability.TenantLogFilter"}},
    "formatters": {"json": {"()": "carehub.observability.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["tenant"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if SENTRY_DSN:
    from .observability import init_sentry

    init_sentry(SENTRY_DSN, environment=SENTRY_ENVIRONMENT)
