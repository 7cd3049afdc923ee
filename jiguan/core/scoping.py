"""Data scope (数据范围): which organisation units' rows a user may reach for a permission.

The rule is structural: every domain model uses ``ScopedManager`` and declares one of
``scope_path`` (the lookup from the model to the materialized path of the unit that owns the row,
e.g. ``"unit__path"``), ``scope_global = True`` (shared configuration such as code tables), or
``scope_owner`` (personal rows such as a user's notifications: only the owner reaches them). Base views
and viewsets call ``restrict()``; a meta-test fails if a model or view escapes it.

A scope is a short list of (path, include_descendants) grants, resolved once per request from the
user's role assignments (``User.get_scope``). Filtering is an indexed string-prefix match on the
unit path, never a long ``IN (...)`` list (GLPI #20264).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q


@dataclass(frozen=True)
class Grant:
    path: str
    subtree: bool  # True: the unit and everything below it; False: the unit only


@dataclass(frozen=True)
class Scope:
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    is_global: bool = False  # a subtree grant at a root unit: the whole tenant, unowned rows too

    @property
    def is_empty(self) -> bool:
        return not self.is_global and not self.grants

    def contains_path(self, path: str | None) -> bool:
        if self.is_global:
            return True
        if not path:
            return False
        return any(path.startswith(g.path) if g.subtree else path == g.path for g in self.grants)

    def q(self, path_lookup: str) -> Q:
        """A Q object restricting ``path_lookup`` to this scope (caller handles global/empty)."""
        condition = Q(pk__in=[])
        for grant in _minimal(self.grants):
            if grant.subtree:
                condition |= Q(**{f"{path_lookup}__startswith": grant.path})
            else:
                condition |= Q(**{path_lookup: grant.path})
        return condition


def _minimal(grants: tuple[Grant, ...]) -> list[Grant]:
    """Drop grants that a wider subtree grant already covers, so the SQL stays short."""
    subtrees = {g.path for g in grants if g.subtree}
    kept = [
        g for g in set(grants)
        if not any(g.path.startswith(p) for p in subtrees if p != g.path or not g.subtree)
    ]
    return sorted(kept, key=lambda g: (g.path, g.subtree))


EMPTY_SCOPE = Scope()


def permission_name(model: type[models.Model], action: str) -> str:
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


class ScopedQuerySet(models.QuerySet):
    def in_scope(self, scope: Scope):
        if getattr(self.model, "scope_global", False):
            # Shared configuration (code tables, role definitions): holding the permission anywhere
            # is enough; there are no per-unit rows.
            return self.none() if scope.is_empty else self
        if scope.is_global:
            return self
        if scope.is_empty:
            return self.none()
        return self.filter(scope.q(self.model.scope_path))

    def restrict(self, user, action: str = "view"):
        """Rows ``user`` may reach for ``action`` (view/add/change/delete or a custom verb)."""
        if user is None or not user.is_authenticated:
            return self.none()
        owner = getattr(self.model, "scope_owner", None)
        if owner:  # personal rows (a user's own notifications): no unit scope, only the owner
            return self.filter(**{owner: user})
        return self.in_scope(user.get_scope(permission_name(self.model, action)))


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass


def path_of(obj) -> str | None:
    """The owning unit's path of an instance, following its model's ``scope_path``."""
    value = obj
    for part in obj.scope_path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def is_scoped(model: type[models.Model]) -> bool:
    """True when the model's default manager can restrict rows: a unit-owned model with
    ``scope_path``, or shared configuration declared ``scope_global``."""
    has_rule = (bool(getattr(model, "scope_path", None)) or getattr(model, "scope_global", False)
                or bool(getattr(model, "scope_owner", None)))
    return has_rule and isinstance(model._default_manager.all(), ScopedQuerySet)
