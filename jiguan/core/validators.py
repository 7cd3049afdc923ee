"""Input rules shared by the API, the pages and the imports: id ranges and JSON shapes.

Validate at the edge, once: a value the database cannot hold (an id past 64 bits) or a shape the
pages cannot show (a ``custom`` that is a list) is refused with a Chinese message before any query
or write, never left to become a 500. Serializers get these through ``jiguan.core.serializers``,
forms through ``jiguan.core.forms``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Every primary key is a BigAutoField (DEFAULT_AUTO_FIELD) and every integer column fits in 64 bits:
# an integer outside this range can only be a mistake, and SQLite raises OverflowError on it.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
ID_MIN, ID_MAX = 1, INT64_MAX


def parse_id(value) -> int | None:
    """The id in ``value`` (a query parameter, a form value), or None when it is not a plain decimal
    number of an id's range (``"12"`` yes; ``"x"``, ``"-1"``, ``"²"``, a 20-digit number no)."""
    text = str(value).strip() if value is not None else ""
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if ID_MIN <= number <= ID_MAX else None


def parse_ids(values: Iterable, *, limit: int | None = None) -> list[int]:
    """Distinct ids, in the order given, from values such as ``["1,2", "3"]`` (repeated parameters and
    comma lists); anything that is not an id is left out."""
    ids: dict[int, None] = {}
    for value in values:
        for part in str(value).split(","):
            number = parse_id(part)
            if number is not None:
                ids.setdefault(number)
    result = list(ids)
    return result[:limit] if limit is not None else result


@deconstructible
class FlatJSONObject:
    """A JSON object of simple values: ``{"asset_tag": "CW-0012", "pages": 300000}``.

    Keys are non-empty text of at most ``key_max_length`` characters; values are text (at most
    ``value_max_length`` characters), numbers, true/false or null, never lists or objects. Everything
    the pages show as "名称: 值" (a card's 自定义字段, a standard's 其他属性 such as
    ``{"depreciate": false}``) has this shape."""

    message = _("须为 JSON 对象，形如 {\"名称\": \"文字或数字\"}；%(problem)s")

    def __init__(self, *, max_keys: int = 50, key_max_length: int = 64, value_max_length: int = 500):
        self.max_keys, self.key_max_length, self.value_max_length = max_keys, key_max_length, value_max_length

    def problem(self, value) -> str | None:
        if not isinstance(value, dict):
            for kind, text in ((type(None), _("当前为空值 null")), (list, _("当前是数组")), (str, _("当前是文字")),
                               (bool, _("当前是真假值"))):
                if isinstance(value, kind):
                    return str(text)
            return str(_("当前是数字"))
        if len(value) > self.max_keys:
            return str(_("最多 %(n)d 项，当前 %(count)d 项") % {"n": self.max_keys, "count": len(value)})
        for key, item in value.items():
            if not isinstance(key, str) or not key.strip():
                return str(_("名称不能为空"))
            if len(key) > self.key_max_length:
                return str(_("名称“%(key)s…”超过 %(n)d 个字符") % {"key": key[:20], "n": self.key_max_length})
            if item is None:
                continue
            if not isinstance(item, (str, int, float)):  # bool is an int
                return str(_("“%(key)s”的值只能是文字、数字或 true/false，不能是数组或对象") % {"key": key})
            if isinstance(item, float) and not math.isfinite(item):
                return str(_("“%(key)s”的值不是有效数字") % {"key": key})
            if isinstance(item, int) and not isinstance(item, bool) and not INT64_MIN <= item <= INT64_MAX:
                return str(_("“%(key)s”的数值超出范围") % {"key": key})
            if isinstance(item, str) and len(item) > self.value_max_length:
                return str(_("“%(key)s”的值超过 %(n)d 个字符") % {"key": key, "n": self.value_max_length})
        return None

    def __call__(self, value) -> None:
        problem = self.problem(value)
        if problem is not None:
            raise ValidationError(self.message, code="invalid_json_object", params={"problem": problem})

    def __eq__(self, other):
        return isinstance(other, FlatJSONObject) and (
            (self.max_keys, self.key_max_length, self.value_max_length)
            == (other.max_keys, other.key_max_length, other.value_max_length))
