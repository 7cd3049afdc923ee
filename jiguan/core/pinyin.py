"""Pinyin initials (拼音首字母) for search boxes and pickers: 办公桌 -> bgz, 福州市教育局 -> fzsjyj.

``initials`` is the one rule every module uses (asset cards, organisation units), so a user who finds a
card by its initials finds a unit the same way.
"""

from __future__ import annotations

import functools

from pypinyin import Style, lazy_pinyin

MAX_LENGTH = 120


@functools.lru_cache(maxsize=4096)
def initials(name: str) -> str:
    """Pinyin initials for search: 办公桌 -> bgz; letters and digits are kept as they are."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda s: list(s))).lower()[:MAX_LENGTH]
