"""Global search (全局搜索): modules declare search providers in their ``AppConfig.ready()``.

``search(user, q, limit)`` asks every provider the user may use (holds its permission in any scope)
and returns the hits grouped by provider. A provider receives the user and searches only the rows
that user may see: it reads through ``Model.objects.restrict(user, action)``, never through an
unrestricted manager.

    search.register(search.SearchProvider(
        key="vehicles.vehicles", label=_("公务车辆"), permission="vehicles.view_vehicle",
        search="jiguan.vehicles.search.vehicles", more_url="jiguan.vehicles.search.more", order=300))

    def vehicles(user, q, limit):
        rows = Vehicle.objects.restrict(user).filter(plate__icontains=q).select_related("unit")[:limit]
        return [search.SearchHit(v.plate, v.unit.name, v.get_absolute_url()) for v in rows]

No page or API yet (issue 19 puts the box in the header).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

MAX_QUERY = 100  # characters of a query; the rest is ignored
MAX_LIMIT = 50


@dataclass(frozen=True)
class SearchHit:
    title: str
    subtitle: str = ""
    url: str = ""


@dataclass(frozen=True)
class SearchProvider:
    key: str                                    # "<app>.<name>", unique
    label: str                                  # the group's heading
    permission: str | None = None               # "<app>.<codename>"; None: personal rows only
    search: Callable[[object, str, int], list[SearchHit]] | str | None = None  # fn(user, q, limit)
    order: int = 100
    more_url: Callable[[str], str] | str | None = None  # fn(q) -> the full list filtered by q

    def _call(self, attr: str):
        value = getattr(self, attr)
        return import_string(value) if isinstance(value, str) else value


_providers: dict[str, SearchProvider] = {}


def register(provider: SearchProvider) -> SearchProvider:
    if provider.search is None:
        raise ImproperlyConfigured(f"search provider {provider.key}: no search function")
    if provider.permission is not None and provider.permission.count(".") != 1:
        raise ImproperlyConfigured(
            f"search provider {provider.key}: permission {provider.permission!r} is not '<app>.<codename>'")
    known = _providers.get(provider.key)
    if known is not None and known != provider:
        raise ImproperlyConfigured(f"search provider {provider.key} is already registered differently")
    _providers[provider.key] = provider
    return provider


def registered() -> list[SearchProvider]:
    return sorted(_providers.values(), key=lambda p: (p.order, p.key))


def may_use(user, provider: SearchProvider) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return provider.permission is None or user.has_perm(provider.permission)


def normalise(q) -> str:
    """The query as providers receive it: whitespace collapsed, at most ``MAX_QUERY`` characters."""
    return " ".join(str(q or "").split())[:MAX_QUERY]


def search(user, q, limit: int = 5) -> list[dict]:
    """Hits for ``q``, grouped by provider, in order; providers without hits are left out:
    ``[{"key", "label", "hits": [SearchHit], "more": bool, "more_url"}]``. ``more`` says the provider
    had more than ``limit`` hits (it is asked for one more)."""
    q = normalise(q)
    if not q:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    groups = []
    for provider in registered():
        if not may_use(user, provider):
            continue
        hits = list(provider._call("search")(user, q, limit + 1))
        if not hits:
            continue
        more_url = provider._call("more_url")
        groups.append({"key": provider.key, "label": provider.label, "hits": hits[:limit],
                       "more": len(hits) > limit, "more_url": more_url(q) if more_url else ""})
    return groups
