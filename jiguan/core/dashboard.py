"""Home-page widgets (首页): tiles and charts that modules declare in their ``AppConfig.ready()``.

A widget is shown to a user who holds its permission (in any scope); ``permission=None`` is for
personal figures (my to-dos), which the provider limits to the user. The provider receives the user
and returns that user's figures only: it reads through ``Model.objects.restrict(user, action)`` (or a
selector that does), never through an unrestricted manager, so a city's figures never reach another
city. ``for_user(user)`` evaluates, in order, the widgets the user may see.

    dashboard.register(dashboard.Widget(
        key="vehicles.in_service", label=_("在用车辆"), permission="vehicles.view_vehicle",
        provider="jiguan.vehicles.widgets.in_service", url_name="vehicles:vehicle_list", order=300))

    def in_service(user):
        return dashboard.tile(Vehicle.objects.restrict(user).filter(status="in_service").count(), unit=_("辆"))

Data shapes (what the home page of issue 19 renders): a tile is ``{"value": number, "display": str,
"unit": str, "hint": str}`` (``tile()`` builds it); a chart is an ECharts option fragment with at least
``series`` (``pie()`` and ``bars()`` build the usual ones), so the page passes it to ``setOption`` as is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

TILE, CHART = "tile", "chart"
KINDS = (TILE, CHART)


@dataclass(frozen=True)
class Widget:
    key: str                                   # "<app>.<name>", unique
    label: str
    kind: str = TILE                           # TILE or CHART
    permission: str | None = None              # "<app>.<codename>"; None: personal figures only
    provider: Callable[[object], dict] | str | None = None  # fn(user) -> data, or its dotted path
    order: int = 100
    icon: str = ""                             # Bootstrap Icons name
    url_name: str = ""                         # where a click leads (the full list), no arguments

    def resolve_provider(self) -> Callable[[object], dict]:
        return import_string(self.provider) if isinstance(self.provider, str) else self.provider


_widgets: dict[str, Widget] = {}


def register(widget: Widget) -> Widget:
    """Declare a widget (idempotent for the same declaration; a second, different one with the same
    key is a configuration error)."""
    if widget.kind not in KINDS:
        raise ImproperlyConfigured(f"widget {widget.key}: kind {widget.kind!r} is not one of {KINDS}")
    if widget.provider is None:
        raise ImproperlyConfigured(f"widget {widget.key}: no provider")
    if widget.permission is not None and widget.permission.count(".") != 1:
        raise ImproperlyConfigured(f"widget {widget.key}: permission {widget.permission!r} is not '<app>.<codename>'")
    known = _widgets.get(widget.key)
    if known is not None and known != widget:
        raise ImproperlyConfigured(f"widget {widget.key} is already registered differently")
    _widgets[widget.key] = widget
    return widget


def registered() -> list[Widget]:
    return sorted(_widgets.values(), key=lambda w: (w.order, w.key))


def may_see(user, widget: Widget) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return widget.permission is None or user.has_perm(widget.permission)


def _checked(widget: Widget, data) -> dict:
    if not isinstance(data, dict):
        raise ImproperlyConfigured(f"widget {widget.key}: the provider returned {type(data).__name__}, not a dict")
    if widget.kind == TILE and "value" not in data:
        raise ImproperlyConfigured(f"widget {widget.key}: a tile's data needs a 'value'")
    if widget.kind == CHART and not isinstance(data.get("series"), list):
        raise ImproperlyConfigured(f"widget {widget.key}: a chart's data needs a 'series' list (ECharts)")
    return data


def for_user(user) -> list[dict]:
    """The widgets ``user`` may see, in order, each with its data for that user:
    ``{"key", "label", "kind", "icon", "url", "data"}``."""
    shown = []
    for widget in registered():
        if not may_see(user, widget):
            continue
        try:
            url = reverse(widget.url_name) if widget.url_name else ""
        except NoReverseMatch:
            url = ""
        shown.append({"key": widget.key, "label": widget.label, "kind": widget.kind, "icon": widget.icon,
                      "url": url, "data": _checked(widget, widget.resolve_provider()(user))})
    return shown


# Data builders ---------------------------------------------------------------------------------


def tile(value, *, display: str | None = None, unit: str = "", hint: str = "") -> dict:
    """A tile's data: a number, how it reads (thousands separated; money to the cent), its unit."""
    if display is None:
        display = f"{value:,.2f}" if isinstance(value, Decimal) else f"{value:,}"
    return {"value": value, "display": display, "unit": str(unit), "hint": str(hint)}


def pie(name: str, items: Iterable[tuple[str, object]]) -> dict:
    """An ECharts pie: ``items`` are (label, value) pairs, in the order they are shown."""
    data = [{"name": str(label), "value": _number(value)} for label, value in items]
    return {"legend": {"data": [d["name"] for d in data]},
            "series": [{"type": "pie", "name": str(name), "data": data}]}


def bars(name: str, items: Iterable[tuple[str, object]]) -> dict:
    """An ECharts bar chart over categories: ``items`` are (category, value) pairs."""
    items = list(items)
    return {"xAxis": {"type": "category", "data": [str(label) for label, _v in items]},
            "yAxis": {"type": "value"},
            "series": [{"type": "bar", "name": str(name), "data": [_number(v) for _l, v in items]}]}


def _number(value):
    """JSON-ready: ECharts wants numbers, and a Decimal is not one for json."""
    return float(value) if isinstance(value, Decimal) else value
