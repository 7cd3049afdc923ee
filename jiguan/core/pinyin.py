"""Pinyin initials (拼音首字母) for search boxes and pickers: 办公桌 -> bgz, 福州市教育局 -> fzsjyj.

``initials`` is the one rule every module uses (asset cards, organisation units), so a user who finds a
card by its initials finds a unit the same way. ``InitialsField`` keeps a model's initials column in
step with its name: it computes the value in ``pre_save``, which ``save()`` and ``bulk_create`` both
call (an importer's bulk insert fills it too); an ``update()`` of the name must set it itself.
"""

from __future__ import annotations

import functools

from django.db import models
from pypinyin import Style, lazy_pinyin

MAX_LENGTH = 120


@functools.lru_cache(maxsize=4096)
def initials(name: str) -> str:
    """Pinyin initials for search: 办公桌 -> bgz; letters and digits are kept as they are."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda s: list(s))).lower()[:MAX_LENGTH]


class InitialsField(models.CharField):
    """The pinyin initials of another field of the row (``source``, default ``name``), never typed.
    Derived, so not in the audit log's snapshots (``audited = False``): the name is."""

    audited = False

    def __init__(self, *args, source: str = "name", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", MAX_LENGTH)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.source != "name":
            kwargs["source"] = self.source
        for key, value in (("max_length", MAX_LENGTH), ("editable", False), ("blank", True), ("default", "")):
            if kwargs.get(key, value) == value:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = initials(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value
