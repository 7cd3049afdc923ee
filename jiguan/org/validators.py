"""Identifier and password rules (FACTS §8, §9)."""

from __future__ import annotations

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015 unified social credit code (统一社会信用代码).
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
REGION_CODE_RE = re.compile(r"^[0-9]{6}\Z")  # ASCII digits only: no full-width digits, no trailing newline


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """None if ``code`` is a valid GB 32100 code, else the reason in Chinese."""
    code = (code or "").strip().upper()
    if len(code) != 18:
        return _("统一社会信用代码应为 18 位，当前为 %(n)d 位。") % {"n": len(code)}
    bad = sorted({ch for ch in code if ch not in CREDIT_ALPHABET})
    if bad:
        return _("统一社会信用代码含有不允许的字符：%(chars)s（不使用 I、O、Z、S、V）。") % {"chars": "、".join(bad)}
    if not code[2:8].isdigit():
        return _("统一社会信用代码第 3–8 位应为行政区划代码（6 位数字）。")
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return _("统一社会信用代码校验位错误：第 18 位应为 %(expected)s，实际为 %(actual)s。") % {
            "expected": expected, "actual": code[17]}
    return None


def validate_region_code(value: str) -> None:
    if not REGION_CODE_RE.match(value or ""):
        raise ValidationError(_("行政区划代码应为 6 位数字（GB/T 2260）。"), code="invalid_region_code")


class ComplexityValidator:
    """At least three of: lower case, upper case, digits, symbols (等保 password complexity)."""

    def validate(self, password, user=None):
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                _("密码须至少包含大写字母、小写字母、数字、符号中的三类。"), code="password_too_simple")

    def get_help_text(self):
        return _("密码须至少包含大写字母、小写字母、数字、符号中的三类。")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with its message in Chinese (Django 5.2 changed the message id, and its
    zh_Hans catalogue has no translation for the new one, so users saw English)."""

    def get_error_message(self):
        return _("密码太短，至少需要 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self):
        return _("密码至少需要 %(n)d 个字符。") % {"n": self.min_length}
