"""TOTP (动态口令, RFC 6238) for the three administrators: secrets, codes, the otpauth:// URI and
its QR code. Who must use it and what a refusal does live in ``org.services``."""

from __future__ import annotations

import base64
import hashlib
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from .models import OtpDevice

INTERVAL = 30  # seconds per code
DRIFT = 1  # codes accepted on either side of the current one (a phone clock 30 s off)


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(base64.urlsafe_b64encode(
        hashlib.sha256(f"jiguan.org.otp:{key}".encode()).digest())) for key in keys])


def new_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def secret_of(device: OtpDevice) -> str | None:
    """The device's secret; None when no key of this installation decrypts it (SECRET_KEY changed
    without keeping the old one in SECRET_KEY_FALLBACKS): the device must be enrolled again."""
    try:
        return _fernet().decrypt(device.secret_encrypted.encode()).decode()
    except InvalidToken:
        return None


def secret_from_session(value: str) -> str | None:
    """A secret kept encrypted in the session (a device being changed on the account page)."""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except (InvalidToken, AttributeError):
        return None


def matching_counter(secret: str, code: str, after: int = 0, at: float | None = None) -> int | None:
    """The time step ``code`` belongs to, within DRIFT of now and later than ``after`` (a code is
    good once), or None."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=INTERVAL)
    now = time.time() if at is None else at
    current = int(now // INTERVAL)
    for counter in range(current - DRIFT, current + DRIFT + 1):
        if counter > after and totp.verify(code, for_time=counter * INTERVAL):
            return counter
    return None


def code_now(secret: str) -> str:
    """The current code (tests and the browser helper type it, as a phone would show it)."""
    return pyotp.TOTP(secret, interval=INTERVAL).now()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret, interval=INTERVAL).provisioning_uri(name=username,
                                                                  issuer_name=settings.JIGUAN_OTP_ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code, for the account page."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2)


def qr_terminal(uri: str, out) -> None:
    """The URI as a QR code of block characters, for the operator's terminal."""
    segno.make(uri, error="m").terminal(out=out, compact=True, border=2)
