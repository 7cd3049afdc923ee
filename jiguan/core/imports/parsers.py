"""Cell parsers of the import framework: a non-blank cell in, a Python value out, or a Chinese
``ValidationError`` (``Parser``, ``Text``, ``Integer``, ``DecimalNumber``, ``Date``, ``Choice``, ``Boolean``)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# Cells ------------------------------------------------------------------------------------------


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def display(raw: Any) -> str:
    """A cell value as the user typed it (for messages, the error report and text columns)."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float):
        if raw.is_integer() and abs(raw) < 1e15:
            return str(int(raw))
        return repr(raw)
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, (dt.date, dt.time)):
        return raw.isoformat()
    return str(raw).strip()


def _ascii(text: str) -> str:
    """Full-width digits, letters and signs to ASCII (Chinese input methods type them)."""
    return unicodedata.normalize("NFKC", text).strip()


# Parsers: a non-blank cell in, a Python value out, or ValidationError with a Chinese reason ------


class Parser:
    """Base of cell parsers. Subclasses implement ``parse``; ``describe`` feeds the 填写说明 sheet."""

    text_format = False  # format the template column as text (codes with leading zeros, long digits)
    # True when the result (value or error) depends on the cell alone: an import then parses each
    # distinct cell of the column once (validators must be plain functions of the value).
    cacheable = False

    def __call__(self, raw: Any) -> Any:
        return self.parse(raw)

    def parse(self, raw: Any) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        return ""

    def allowed_values(self) -> list[str]:
        """For a drop-down list in the template; empty when the column is free input."""
        return []


def _run_validators(value, validators) -> None:
    """Validators may raise ValidationError (Django style) or return a message (None when valid)."""
    for validator in validators:
        problem = validator(value)
        if isinstance(problem, str) and problem:
            raise ValidationError(problem)


class Text(Parser):
    cacheable = True

    def __init__(self, max_length: int | None = None, validators: Iterable[Callable] = (), upper: bool = False,
                 text_format: bool = False, description: str = ""):
        self.max_length = max_length
        self.validators = tuple(validators)
        self.upper = upper
        self.text_format = text_format
        self.description = description

    def parse(self, raw):
        value = display(raw)
        if self.upper:
            value = value.upper()
        if self.max_length and len(value) > self.max_length:
            raise ValidationError(_("不能超过 %(max)d 个字符（当前 %(n)d 个）。") % {
                "max": self.max_length, "n": len(value)})
        _run_validators(value, self.validators)
        return value

    def describe(self):
        if self.description:
            return self.description
        return _("文本，不超过 %(max)d 个字符") % {"max": self.max_length} if self.max_length else _("文本")


class Integer(Parser):
    cacheable = True

    def __init__(self, min_value: int | None = None, max_value: int | None = None):
        self.min_value, self.max_value = min_value, max_value

    def parse(self, raw):
        if isinstance(raw, bool):
            raise ValidationError(_("应为整数。"))
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        else:
            text = _ascii(display(raw)).replace(",", "")
            if not re.fullmatch(r"[+-]?\d+(\.0+)?", text):
                raise ValidationError(_("应为整数。"))
            value = int(text.split(".")[0])
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(_("不能小于 %(min)d。") % {"min": self.min_value})
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(_("不能大于 %(max)d。") % {"max": self.max_value})
        return value

    def describe(self):
        return _("整数")


class DecimalNumber(Parser):
    cacheable = True

    def __init__(self, max_digits: int = 16, decimal_places: int = 2, min_value: Decimal | int | None = None):
        self.max_digits, self.decimal_places, self.min_value = max_digits, decimal_places, min_value

    def parse(self, raw):
        if isinstance(raw, bool):
            raise ValidationError(_("应为数字。"))
        text = repr(raw) if isinstance(raw, float) else _ascii(display(raw)).replace(",", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("应为数字。")) from None
        if not value.is_finite():
            raise ValidationError(_("应为数字。"))
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.decimal_places:
            rounded = value.quantize(Decimal(1).scaleb(-self.decimal_places))
            if rounded != value:
                raise ValidationError(_("最多保留 %(n)d 位小数。") % {"n": self.decimal_places})
            value = rounded
        if len(value.quantize(Decimal(1).scaleb(-self.decimal_places)).as_tuple().digits) > self.max_digits:
            raise ValidationError(_("数值过大。"))
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(_("不能小于 %(min)s。") % {"min": self.min_value})
        return value

    def describe(self):
        return _("数字，最多 %(n)d 位小数") % {"n": self.decimal_places}


class Date(Parser):
    cacheable = True

    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")

    def parse(self, raw):
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        text = _ascii(display(raw))
        text = text.split(" ")[0] if re.match(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2} ", text) else text
        for fmt in self.FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValidationError(_("应为日期，例如 2026-03-01。"))

    def describe(self):
        return _("日期，如 2026-03-01")


_MISSING = object()
REQUIRED = object()  # the problem of a blank cell in a required column


class Choice(Parser):
    """One of ``choices`` ((value, label) pairs, e.g. ``TextChoices.choices``): the label or the value."""

    cacheable = True

    def __init__(self, choices: Iterable[tuple[Any, Any]]):
        self.choices = [(value, label) for value, label in choices]
        self._lookup: tuple[str, dict[str, Any]] | None = None

    def lookup(self) -> dict[str, Any]:
        """Label or value (folded) -> value, built once per language (labels are lazy translations)."""
        language = get_language() or ""
        if self._lookup is None or self._lookup[0] != language:
            table = {}
            for value, _label in reversed(self.choices):
                table[_ascii(str(value)).casefold()] = value
            for value, label in reversed(self.choices):
                table[_ascii(str(label)).casefold()] = value
            self._lookup = (language, table)
        return self._lookup[1]

    def parse(self, raw):
        text = display(raw)
        value = self.lookup().get(_ascii(text).casefold(), _MISSING)
        if value is not _MISSING:
            return value
        raise ValidationError(_("“%(value)s”不是允许的值，可选：%(allowed)s。") % {
            "value": text, "allowed": "、".join(self.allowed_values())})

    def describe(self):
        return _("可选：%(allowed)s") % {"allowed": "、".join(self.allowed_values())}

    def allowed_values(self):
        return [str(label) for _value, label in self.choices]


class Boolean(Parser):
    cacheable = True

    TRUE = {"是", "y", "yes", "true", "1", "√", "对"}
    FALSE = {"否", "n", "no", "false", "0", "×", "x", "错"}

    def parse(self, raw):
        if isinstance(raw, bool):
            return raw
        text = _ascii(display(raw)).casefold()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(_("应填写“是”或“否”。"))

    def describe(self):
        return _("是 / 否")

    def allowed_values(self):
        return ["是", "否"]
