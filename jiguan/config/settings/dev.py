"""Local development and the embedded demo (`make demo`)."""

from jiguan.audit.keys import DEV_KEY

from .base import *  # noqa: F403
from .base import JIGUAN_AUDIT_KEYS, env_bool

DEBUG = env_bool("DEBUG", True)
JIGUAN_AUDIT_KEYS = JIGUAN_AUDIT_KEYS or [DEV_KEY]  # the demo's audit key is published
# The demo's administrators sign in with the published password alone; JIGUAN_ADMIN_OTP=1 asks them for
# their second factor as production does (enrol one with `manage.py otp_enrol <username>`).
JIGUAN_ADMIN_OTP = env_bool("JIGUAN_ADMIN_OTP", False)
