"""Production: PostgreSQL, gunicorn, Celery + Redis. Refuses to start with unsafe defaults."""

from django.core.exceptions import ImproperlyConfigured

from jiguan.audit.keys import DEV_KEY

from .base import *  # noqa: F403
from .base import (
    INSECURE_SECRET_KEY,
    JIGUAN_ADMIN_OTP,
    JIGUAN_AUDIT_KEYS,
    PRIVATE_STORAGE,
    SECRET_KEY,
    env_bool,
    env_int,
)

DEBUG = env_bool("DEBUG", False)
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (unset DEBUG or set DEBUG=0).")
if not SECRET_KEY or SECRET_KEY == INSECURE_SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 32 characters in production.")
if not JIGUAN_AUDIT_KEYS:
    raise ImproperlyConfigured("Set JIGUAN_AUDIT_KEY_FILE (or JIGUAN_AUDIT_KEY) to the audit chain's key in "
                               "production (docs/operations.md, \"The audit key\").")
if DEV_KEY in JIGUAN_AUDIT_KEYS:  # published in the code: as the current key or as an older one
    raise ImproperlyConfigured("JIGUAN_AUDIT_KEY_FILE (or JIGUAN_AUDIT_KEY) holds the published development "
                               "key: remove it and use a key of this installation (docs/operations.md, "
                               "\"The audit key\").")
if not JIGUAN_ADMIN_OTP:
    raise ImproperlyConfigured("JIGUAN_ADMIN_OTP must be on in production: the system, security and audit "
                               "administrators sign in with a second factor (docs/operations.md, \"Single sign-on\").")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "private": PRIVATE_STORAGE,
}
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
