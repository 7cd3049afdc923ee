"""Reads across org models for the shell and reports."""

from __future__ import annotations

from .models import ADMINISTRATIVE_KINDS, OrgUnit


def switcher_units(user, limit: int = 300) -> list[OrgUnit]:
    """Administrative units (province, city, county) the user may view, for the unit switcher.
    Empty for a user whose scope is a single unit: they have nothing to switch between."""
    cached = getattr(user, "_jiguan_switcher_units", None)
    if cached is not None:
        return cached
    visible = OrgUnit.objects.restrict(user)
    units = list(visible.filter(kind__in=[k.value for k in ADMINISTRATIVE_KINDS]).order_by("path")
                 .only("id", "name", "short_name", "path", "depth")[:limit])
    if len(units) < 2:
        units = []
    user._jiguan_switcher_units = units
    return units
