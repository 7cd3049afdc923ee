"""Settings shared by every environment. Everything a deployment changes comes from the environment.

The documented table of variables is in README.md ("Configuration").
"""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from jiguan.audit.keys import load_keys as load_audit_keys
from jiguan.core.plugins import discover as discover_plugins

BASE_DIR = Path(__file__).resolve().parent.parent.parent.parent  # the repository root
PACKAGE_DIR = BASE_DIR / "jiguan"
VAR_DIR = Path(os.environ.get("JIGUAN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


INSECURE_SECRET_KEY = "django-insecure-jiguan-development-only"
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Reverse proxies (addresses or networks, e.g. "127.0.0.1,10.0.0.0/24") whose X-Forwarded-For is
# believed (jiguan.core.middleware.client_ip). Empty: the client address is REMOTE_ADDR.
JIGUAN_TRUSTED_PROXIES = env_list("JIGUAN_TRUSTED_PROXIES", "")
for _proxy in JIGUAN_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"JIGUAN_TRUSTED_PROXIES: {_proxy!r} is not an address or network") from _error

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Jiguan: framework first, then domains.
    "jiguan.core",
    "jiguan.org",
    "jiguan.audit",
    "jiguan.notifications",
    "jiguan.workflow",
    "jiguan.standards",
    "jiguan.reservations",
    "jiguan.assets",
    "jiguan.meetings",
]
# Plug-in apps (插件, docs/development/plugins.md): installed distributions with a "jiguan.plugins"
# entry point, after the built-in apps. JIGUAN_PLUGINS: only these (entry point names, comma
# separated; empty: every installed one); JIGUAN_PLUGINS_DISABLED: all but these.
JIGUAN_PLUGINS = env_list("JIGUAN_PLUGINS", "")
JIGUAN_PLUGINS_DISABLED = env_list("JIGUAN_PLUGINS_DISABLED", "")
JIGUAN_INSTALLED_PLUGINS = discover_plugins(JIGUAN_PLUGINS, JIGUAN_PLUGINS_DISABLED)
INSTALLED_APPS += [plugin.app for plugin in JIGUAN_INSTALLED_PLUGINS]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jiguan.core.middleware.RequestContextMiddleware",
    "jiguan.org.middleware.SessionSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jiguan.config.urls"
WSGI_APPLICATION = "jiguan.config.wsgi.application"

# The monthly depreciation run (assets.depreciation.run_execute) shares its chunks among this many
# database connections on PostgreSQL; 1 runs them one by one.
JIGUAN_DEPRECIATION_WORKERS = env_int("DEPRECIATION_WORKERS", 2)
# A running depreciation run without progress for this long lost its worker: the sweep marks it
# failed, and it can be run again (jiguan.assets.depreciation.runs_sweep).
JIGUAN_DEPRECIATION_HEARTBEAT_MINUTES = env_int("DEPRECIATION_HEARTBEAT_MINUTES", 15)

# Form widgets: Django's templates, except <select>, rendered in Python (core.forms.FormRenderer).
FORM_RENDERER = "jiguan.core.forms.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiguan.core.context_processors.shell",
            ],
        },
    }
]

# Database: embedded SQLite (WAL) by default, PostgreSQL in production (DATABASE_URL=postgres://...).
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jiguan.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if "DATABASE_URL" not in os.environ:
        VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database lives here
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at BEGIN so two
        # concurrent writers queue instead of failing with "database is locked" mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=15000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 15,
    }
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # PostgreSQL without JIT: reports and the depreciation run are large CASE expressions over every
    # card, and above jit_above_cost the server spent seconds compiling them (docs/performance.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work: Celery on Redis in production; eager (in-process) in the embedded default.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Periodic sweeps (celery beat; without beat run the same from cron, e.g. ``manage.py workflow_sweep``).
# Apps add their entries here, one per sweep.
CELERY_BEAT_SCHEDULE = {
    # Approval outcomes decided but not applied (the task after commit was lost), and requests that
    # cannot move on (an approver removed): jiguan.workflow.services.workflow_sweep.
    "workflow-sweep": {"task": "jiguan.workflow.tasks.sweep", "schedule": 300.0},
    # Depreciation runs whose worker died (no heartbeat): failed, with the reason, restartable.
    "depreciation-sweep": {"task": "jiguan.assets.jobs.depreciation_sweep", "schedule": 300.0},
    # Events for other systems whose first attempt was lost or whose back-off is over
    # (jiguan.core.events.services.sweep).
    "events-sweep": {"task": "jiguan.core.events.tasks.sweep", "schedule": 60.0},
    # Approval reminders (催办) to the approvers of requests waiting JIGUAN_REMINDER_AFTER_HOURS at their
    # step (jiguan.workflow.reminders.reminders_send); each request at most once per that many hours.
    "approval-reminders": {"task": "jiguan.workflow.tasks.remind", "schedule": 3600.0},
    # The daily summary (每日汇总) of yesterday, at 07:00 in CELERY_TIMEZONE (jiguan.notifications.digest).
    "daily-summary": {"task": "jiguan.notifications.tasks.daily_summary", "schedule": crontab(hour=7, minute=0)},
    # Bookings (jiguan.reservations): release no-shows, finish ended occurrences; remind 30 minutes ahead.
    "reservations-sweep": {"task": "jiguan.reservations.tasks.sweep", "schedule": 60.0},
    "reservations-remind": {"task": "jiguan.reservations.tasks.remind", "schedule": 300.0},
    # Audit records a crash left pending between commit and sealing (jiguan.audit.services.seal_all).
    "audit-seal": {"task": "jiguan.audit.tasks.seal", "schedule": 60.0},
}

AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = ["jiguan.org.backends.ScopedRoleBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "jiguan.org.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "jiguan.org.validators.ComplexityValidator"},
]

# Login protection (等保 2.0 level 3, FACTS §9). The numbers are practice, not the standard: settings.
JIGUAN_SECURITY = {
    "LOGIN_FAILURE_LIMIT": env_int("LOGIN_FAILURE_LIMIT", 5),
    "LOCKOUT_MINUTES": env_int("LOCKOUT_MINUTES", 30),
    "PASSWORD_MAX_AGE_DAYS": env_int("PASSWORD_MAX_AGE_DAYS", 90),
    "SESSION_IDLE_MINUTES": env_int("SESSION_IDLE_MINUTES", 30),
    # The idle clock restarts on a request at most this often (org.middleware): a session row is
    # written once a minute per active user, not on every page and API call.
    "SESSION_REFRESH_SECONDS": env_int("SESSION_REFRESH_SECONDS", 60),
    # Refused sign-ins (login page and API token alike) per client address and per username in a
    # minute; beyond, requests are answered "请求过于频繁" (429) before any password check or write.
    "LOGIN_THROTTLE_PER_IP": env_int("LOGIN_THROTTLE_PER_IP", 20),
    "LOGIN_THROTTLE_PER_ACCOUNT": env_int("LOGIN_THROTTLE_PER_ACCOUNT", 10),
}
# Single sign-on with the province's directory (统一身份认证, docs/operations.md "Single sign-on"):
# LDAP through ldap3 (jiguan.org.directory), off while JIGUAN_LDAP_URI is empty. A directory account
# is created at its first sign-in in the unit whose 统一社会信用代码 is its UNIT_ATTR.
JIGUAN_LDAP = {
    "URI": os.environ.get("JIGUAN_LDAP_URI", "").strip(),  # ldap://host:389 or ldaps://host:636
    "START_TLS": env_bool("JIGUAN_LDAP_START_TLS", False),
    "CA_FILE": os.environ.get("JIGUAN_LDAP_CA_FILE", ""),  # the directory's CA (PEM); empty: the system's
    "BIND_DN": os.environ.get("JIGUAN_LDAP_BIND_DN", ""),  # the service account that searches; empty: anonymous
    "BIND_PASSWORD": os.environ.get("JIGUAN_LDAP_BIND_PASSWORD", ""),
    "USER_BASE": os.environ.get("JIGUAN_LDAP_USER_BASE", ""),  # e.g. ou=people,dc=example,dc=gov
    "USER_FILTER": os.environ.get("JIGUAN_LDAP_USER_FILTER", "(&(objectClass=inetOrgPerson)(uid={username}))"),
    "ATTR_NAME": os.environ.get("JIGUAN_LDAP_ATTR_NAME", "cn"),
    "ATTR_EMAIL": os.environ.get("JIGUAN_LDAP_ATTR_EMAIL", "mail"),
    "ATTR_PHONE": os.environ.get("JIGUAN_LDAP_ATTR_PHONE", "mobile"),
    "ATTR_UNIT": os.environ.get("JIGUAN_LDAP_ATTR_UNIT", "departmentNumber"),
    # A disabled entry: this attribute holds one of these values (case-insensitive), or the entry
    # carries ppolicy's pwdAccountLockedTime.
    "ATTR_DISABLED": os.environ.get("JIGUAN_LDAP_ATTR_DISABLED", "employeeType"),
    "DISABLED_VALUES": env_list("JIGUAN_LDAP_DISABLED_VALUES", "disabled"),
    "TIMEOUT": env_int("JIGUAN_LDAP_TIMEOUT", 5),  # seconds, to connect and for each operation
}
# Single sign-on with the province's OpenID Connect provider (jiguan.org.oidc, mozilla-django-oidc):
# the authorization-code flow with PKCE, endpoints from the issuer's discovery document, ID tokens
# signed RS256. Off while JIGUAN_OIDC_ISSUER is empty. The unit claim holds the unit's credit code.
JIGUAN_OIDC = {
    "ISSUER": os.environ.get("JIGUAN_OIDC_ISSUER", "").strip(),  # e.g. https://sso.example.gov.cn/realms/gov
    "CLIENT_ID": os.environ.get("JIGUAN_OIDC_CLIENT_ID", ""),
    "CLIENT_SECRET": os.environ.get("JIGUAN_OIDC_CLIENT_SECRET", ""),
    "SCOPES": os.environ.get("JIGUAN_OIDC_SCOPES", "openid profile email phone"),
    "USERNAME_CLAIM": os.environ.get("JIGUAN_OIDC_USERNAME_CLAIM", "preferred_username"),
    "NAME_CLAIM": os.environ.get("JIGUAN_OIDC_NAME_CLAIM", "name"),
    "EMAIL_CLAIM": os.environ.get("JIGUAN_OIDC_EMAIL_CLAIM", "email"),
    "PHONE_CLAIM": os.environ.get("JIGUAN_OIDC_PHONE_CLAIM", "phone_number"),
    "UNIT_CLAIM": os.environ.get("JIGUAN_OIDC_UNIT_CLAIM", "unit_code"),
    "TIMEOUT": env_int("JIGUAN_OIDC_TIMEOUT", 5),
    "VERIFY_SSL": env_bool("JIGUAN_OIDC_VERIFY_SSL", True),
}
if JIGUAN_OIDC["ISSUER"]:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "jiguan.org.oidc.Backend"]
# 三员 (system, security and audit administrators) sign in with a second factor (TOTP) after the
# password. Off only for the demo and development (DEBUG); the production settings refuse False.
JIGUAN_ADMIN_OTP = env_bool("JIGUAN_ADMIN_OTP", True)
JIGUAN_OTP_ISSUER = os.environ.get("JIGUAN_OTP_ISSUER", "机关事务平台")
SESSION_COOKIE_AGE = JIGUAN_SECURITY["SESSION_IDLE_MINUTES"] * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# The UI is Simplified Chinese whatever the browser asks for (no LocaleMiddleware): msgids are the
# Chinese UI text; another catalogue (e.g. `en`) can be added under jiguan/locale/ later.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Input formats Django's zh_Hans gets wrong (2024年1月15日 read nowhere): jiguan/core/formats/.
FORMAT_MODULE_PATH = ["jiguan.core.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
CELERY_TIMEZONE = TIME_ZONE  # beat's crontab entries (daily-summary at 07:00) in local time, not UTC
# Hours an approval request waits at its step before its approvers are reminded (催办), and between two.
JIGUAN_REMINDER_AFTER_HOURS = env_int("JIGUAN_REMINDER_AFTER_HOURS", 24)
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Private files (asset photos and attachments): never under MEDIA_ROOT or STATIC_ROOT and never served
# by the web server; downloads go through views that check the data scope.
JIGUAN_PRIVATE_ROOT = Path(os.environ.get("JIGUAN_PRIVATE_ROOT", VAR_DIR / "private"))
JIGUAN_MAX_ATTACHMENT_MB = env_int("JIGUAN_MAX_ATTACHMENT_MB", 20)
# Where private files go (attachments, import uploads and error reports: jiguan.core.storage): the
# folder JIGUAN_PRIVATE_ROOT ("local", the default) or a bucket of an S3-compatible store such as
# MinIO ("s3"), which lets several web servers and workers run without a shared folder
# (docs/operations.md, "Several application servers").
JIGUAN_STORAGE = os.environ.get("JIGUAN_STORAGE", "local").strip().lower()
if JIGUAN_STORAGE == "s3":
    PRIVATE_STORAGE = {"BACKEND": "jiguan.core.storage.PrivateS3Storage", "OPTIONS": {
        "bucket_name": os.environ.get("JIGUAN_S3_BUCKET", ""),
        "endpoint_url": os.environ.get("JIGUAN_S3_ENDPOINT_URL") or None,
        "access_key": os.environ.get("JIGUAN_S3_ACCESS_KEY") or None,
        "secret_key": os.environ.get("JIGUAN_S3_SECRET_KEY") or None,
        "region_name": os.environ.get("JIGUAN_S3_REGION") or None,
        "location": os.environ.get("JIGUAN_S3_PREFIX", ""),
        "addressing_style": os.environ.get("JIGUAN_S3_ADDRESSING_STYLE", "path"),
    }}
    if not PRIVATE_STORAGE["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("JIGUAN_STORAGE=s3 needs JIGUAN_S3_BUCKET (docs/operations.md).")
elif JIGUAN_STORAGE == "local":
    PRIVATE_STORAGE = {"BACKEND": "jiguan.core.storage.LocalPrivateStorage"}
else:
    raise ImproperlyConfigured(f"JIGUAN_STORAGE is {JIGUAN_STORAGE!r}: use local or s3.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": PRIVATE_STORAGE,
}

FILTERS_EMPTY_CHOICE_LABEL = _("全部")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jiguan.org.api.authentication.ExpiringTokenAuthentication",
        "jiguan.org.api.authentication.PasswordCheckedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "jiguan.core.rest.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "jiguan.core.polling.UpdatedSinceFilter",  # ?updated_since= on every list with updated_at; last: its order wins
    ],
    "DEFAULT_SCHEMA_CLASS": "jiguan.core.schema.AutoSchema",  # documents the error responses
    "EXCEPTION_HANDLER": "jiguan.core.rest.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jiguan API (机关事务一体化管理平台)",
    "DESCRIPTION": "REST API of Jiguan. Authenticate with `POST /api/v1/auth/token/` and send "
    "`Authorization: Token <key>`. Every list is paginated and restricted to the caller's data scope.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # A filter box over the tags: with a few hundred operations Swagger UI renders the list as it is
    # scrolled (virtualised), so finding a module's operations by typing its tag is the quick way.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "filter": True},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # One name per shared choice set (OrgKind is used by org units and by workflow steps).
    "ENUM_NAME_OVERRIDES": {"OrgKindEnum": "jiguan.org.models.OrgKind",
                            "ApiTokenStatusEnum": "jiguan.org.models.ApiTokenStatus",
                            "ApprovalStatusEnum": "jiguan.workflow.models.RequestStatus",
                            "AssetStatusEnum": "jiguan.assets.models.AssetStatus",
                            "AssetDocumentStatusEnum": "jiguan.assets.models.DocStatus",
                            "ReportRowKindEnum": "jiguan.assets.selectors.ROW_KINDS",
                            "AttachmentKindEnum": "jiguan.core.models.AttachmentKind",
                            "ImportJobStatusEnum": "jiguan.core.imports.jobs.STATES",
                            "EventDeliveryStatusEnum": "jiguan.core.models.DeliveryStatus",
                            "LayoutEnum": "jiguan.meetings.models.Layout",
                            "EquipmentEnum": "jiguan.meetings.models.Equipment"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # fontTools reports every table it subsets (asset label PDFs) at INFO.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# The address people reach the site at (scheme and host, e.g. https://jiguan.example.gov.cn), for
# links that leave the browser: the QR codes printed on asset labels. Empty: the request's own host.
JIGUAN_PUBLIC_URL = os.environ.get("JIGUAN_PUBLIC_URL", "").strip().rstrip("/")

# Notification gateway for email/SMS: deployments plug in their own sender.
JIGUAN_DEMO_PASSWORD = "Jiguan@2026demo"
# `load_demo` creates province-wide administrators with the published password above: it runs only
# when DEBUG is on (the dev settings) or this says the database is a demo.
JIGUAN_DEMO = env_bool("JIGUAN_DEMO", False)
API_TOKEN_MAX_AGE = timedelta(hours=env_int("API_TOKEN_MAX_AGE_HOURS", 12))

# The audit chain's keys (HMAC-SM3, jiguan.audit.keys; docs/operations.md "The audit key"), kept out
# of the database: a key file (one key per line, the current key first) or the keys themselves.
# Empty: plain SM3; dev and test fall back to a published development key; production refuses to start.
JIGUAN_AUDIT_KEYS = load_audit_keys(os.environ.get("JIGUAN_AUDIT_KEY", ""),
                                    os.environ.get("JIGUAN_AUDIT_KEY_FILE", ""))
# The id of the last record written before the installation had a key (plain SM3); any plain record
# after it fails audit_verify. 0 (new installations): every record must be keyed.
JIGUAN_AUDIT_PLAIN_UNTIL = env_int("JIGUAN_AUDIT_PLAIN_UNTIL", 0)
# When an audit record is chained (docs/development/architecture.md, "Sealing after commit"):
# "after_commit" (default) by the sealer once its transaction commits, so audited writes never wait for
# each other; "in_transaction" inside the writer's own transaction under the chain head's lock (one
# audited transaction at a time; the test settings use it so a test sees its records at once).
JIGUAN_AUDIT_SEAL = os.environ.get("JIGUAN_AUDIT_SEAL", "after_commit")
# How long (seconds) a sealer after commit waits for the chain head held by the sealer before it; past
# it the records are left to the audit-seal sweep (a sealer holds the head for milliseconds).
JIGUAN_AUDIT_SEAL_WAIT = float(os.environ.get("JIGUAN_AUDIT_SEAL_WAIT", "2"))
if JIGUAN_AUDIT_SEAL not in ("after_commit", "in_transaction"):
    raise ImproperlyConfigured(f"JIGUAN_AUDIT_SEAL must be after_commit or in_transaction, not {JIGUAN_AUDIT_SEAL!r}")

# Serve static files straight from the app and vendor folders when DEBUG or under test (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG or bool(os.environ.get("JIGUAN_TESTING"))
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS
