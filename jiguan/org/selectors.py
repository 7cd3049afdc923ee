"""Reads across org models for the shell and reports."""

from __future__ import annotations

from .models import ADMINISTRATIVE_KINDS
from .picker import UnitChoices

# The unit switcher (当前范围) offers the administrative units (province, city, county) the user may view.
SWITCHER_CHOICES = UnitChoices(kinds=tuple(sorted(k.value for k in ADMINISTRATIVE_KINDS)))


def switcher_choices(user) -> UnitChoices | None:
    """The unit switcher's choices, or None for a user whose scope holds fewer than two of them:
    they have nothing to switch between. One query (it stops at the second unit), kept for the request."""
    if getattr(user, "_jiguan_switcher", False) is not False:
        return user._jiguan_switcher
    found = len(SWITCHER_CHOICES.queryset(user).values_list("pk", flat=True)[:2])
    user._jiguan_switcher = SWITCHER_CHOICES if found >= 2 else None
    return user._jiguan_switcher
