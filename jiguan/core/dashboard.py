"""Home-page widgets (首页工作台): tiles and charts that modules declare in their ``AppConfig.ready()``.

A widget is shown to a user who holds its permission (in any scope); ``permission=None`` is for
personal figures (my to-dos, my assets), which the provider limits to the user. The provider receives
a ``Board``: the user, the unit the page looks at (``board.unit``: the unit a leader drilled down to,
or None for the user's whole scope) and ``board.memo`` (a per-page memo, so a module's tiles and
charts share one reading of its figures). It returns that user's figures only: it reads through
``Model.objects.restrict(user, action)`` (or a selector that does), never through an unrestricted
manager, so a city's figures never reach another city. ``for_user(user, unit)`` evaluates, in order,
the widgets the user may see.

    dashboard.register(dashboard.Widget(
        key="vehicles.in_service", label=_("在用车辆"), permission="vehicles.view_vehicle",
        provider="jiguan.vehicles.widgets.in_service", url_name="vehicles:vehicle_list", order=300))

    def in_service(board):
        cars = Vehicle.objects.restrict(board.user).filter(status="in_service")
        return dashboard.tile(cars.count(), unit=_("辆"), query={"status": "in_service"})

Three kinds: a tile (a figure that opens its list), a chart, and a panel (a short list with its own
template: my to-dos with their approve buttons, my services, announcements), shown first.

Data shapes (what the home page renders): a tile is ``{"value": number, "display": str, "unit": str,
"hint": str, "query": dict}`` (``tile()`` builds it; ``query`` narrows the list a click opens); a chart
is an ECharts option fragment with at least ``series`` (``pie()``, ``bars()`` and ``line()`` build the
usual ones), so the page passes it to ``setOption`` as is. A bar whose item names a ``unit`` (its id)
drills down: a click opens the home page at that unit. A panel's data is the context of its
``template``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

TILE, CHART, PANEL = "tile", "chart", "panel"
KINDS = (TILE, CHART, PANEL)


@dataclass(frozen=True)
class Widget:
    key: str                                   # "<app>.<name>", unique
    label: str
    kind: str = TILE                           # TILE or CHART
    permission: str | None = None              # "<app>.<codename>"; None: personal figures only
    provider: Callable[[Board], dict] | str | None = None  # fn(board) -> data, or its dotted path
    order: int = 100
    icon: str = ""                             # Bootstrap Icons name
    url_name: str = ""                         # where a click leads (the full list), no arguments
    wide: bool = False                         # a chart across the whole row (a trend over months)
    template: str = ""                         # a panel's template, rendered with ``data`` (PANEL only)

    def resolve_provider(self) -> Callable[[object], dict]:
        return import_string(self.provider) if isinstance(self.provider, str) else self.provider


@dataclass
class Board:
    """What a provider is given: whose home page, at which unit (None: the user's whole scope)."""

    user: object
    unit: object = None
    _memo: dict = field(default_factory=dict, repr=False)

    def memo(self, key: str, compute: Callable[[], object]):
        """``compute()`` once per page for ``key``: a module's tiles and charts read its figures once."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


_widgets: dict[str, Widget] = {}


def register(widget: Widget) -> Widget:
    """Declare a widget (idempotent for the same declaration; a second, different one with the same
    key is a configuration error)."""
    if widget.kind not in KINDS:
        raise ImproperlyConfigured(f"widget {widget.key}: kind {widget.kind!r} is not one of {KINDS}")
    if widget.provider is None:
        raise ImproperlyConfigured(f"widget {widget.key}: no provider")
    if (widget.kind == PANEL) != bool(widget.template):
        raise ImproperlyConfigured(f"widget {widget.key}: a panel, and only a panel, names a template")
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


def for_user(user, unit=None) -> list[dict]:
    """The widgets ``user`` may see, in order, each with its data for that user at ``unit`` (None: the
    whole scope): ``{"key", "label", "kind", "icon", "url", "wide", "template", "data"}``. A tile's ``url`` carries
    its ``query``; a provider that returns None has nothing to show there and is left out."""
    board = Board(user=user, unit=unit)
    shown = []
    for widget in registered():
        if not may_see(user, widget):
            continue
        data = widget.resolve_provider()(board)
        if data is None:
            continue
        data = _checked(widget, data)
        if widget.kind == CHART:
            data = {**data, "empty": _is_empty_chart(data)}
        try:
            url = reverse(widget.url_name) if widget.url_name else ""
        except NoReverseMatch:
            url = ""
        if url and data.get("query"):
            url = f"{url}?{urlencode(data['query'], doseq=True)}"
        shown.append({"key": widget.key, "label": widget.label, "kind": widget.kind, "icon": widget.icon,
                      "url": url, "wide": widget.wide, "template": widget.template, "data": data})
    return shown


def _is_empty_chart(data: dict) -> bool:
    """A chart with nothing to draw (no point, or only zeros): the page says 暂无数据 instead of an
    empty ring or bare axes."""
    for series in data["series"]:
        for point in series.get("data") or ():
            value = point.get("value") if isinstance(point, dict) else point
            if isinstance(value, (list, tuple)):
                value = value[-1] if value else None
            if value not in (None, 0, "", "0"):
                return False
    return True


# Data builders ---------------------------------------------------------------------------------


def tile(value, *, display: str | None = None, unit: str = "", hint: str = "", query: dict | None = None) -> dict:
    """A tile's data: a number, how it reads (thousands separated; money to the cent), its unit, and
    the filter (``query``) of the list a click opens."""
    if display is None:
        display = f"{value:,.2f}" if isinstance(value, Decimal) else f"{value:,}"
    return {"value": value, "display": display, "unit": str(unit), "hint": str(hint), "query": dict(query or {})}


TEN_THOUSAND = Decimal(10000)


def amount(value: Decimal, *, hint: str = "", query: dict | None = None) -> dict:
    """A tile of money: in 元 to the cent up to 100,000, in 万元 above (as the finance bureau's
    reports read: 4,180.56 万元); the exact amount in 元 is kept in ``exact`` for the tooltip."""
    value = Decimal(value)
    exact = f"{value:,.2f}"
    data = tile(value, unit=_("元"), hint=hint, query=query)
    if abs(value) >= 10 * TEN_THOUSAND:
        data.update(display=f"{value / TEN_THOUSAND:,.2f}", unit=_("万元"))
    data["exact"] = f"{exact} {_('元')}"
    return data


def pie(name: str, items: Iterable[tuple[str, object]]) -> dict:
    """An ECharts pie: ``items`` are (label, value) pairs, in the order they are shown."""
    data = [{"name": str(label), "value": _number(value)} for label, value in items]
    return {"legend": {"data": [d["name"] for d in data]},
            "series": [{"type": "pie", "name": str(name), "data": data}]}


def bars(name: str, items: Iterable[tuple], *, horizontal: bool = False) -> dict:
    """An ECharts bar chart over categories: ``items`` are (category, value) pairs, or (category,
    value, unit id) triples whose bars drill down to that unit."""
    items = list(items)
    data = [{"value": _number(item[1]), "unit": item[2]} if len(item) > 2 and item[2] else _number(item[1])
            for item in items]
    categories = {"type": "category", "data": [str(item[0]) for item in items]}
    values = {"type": "value"}
    if horizontal:
        categories["inverse"] = True  # the first item on top, as a list reads
    return {"xAxis": values if horizontal else categories, "yAxis": categories if horizontal else values,
            "series": [{"type": "bar", "name": str(name), "data": data}]}


def line(series: Iterable[tuple[str, Iterable[object]]], categories: Iterable[str]) -> dict:
    """An ECharts line chart: ``series`` are (name, values) pairs over the same ``categories`` (months)."""
    series = [(str(name), [_number(v) for v in values]) for name, values in series]
    return {"legend": {"data": [name for name, _v in series]},
            "xAxis": {"type": "category", "data": [str(c) for c in categories]},
            "yAxis": {"type": "value"},
            "series": [{"type": "line", "name": name, "data": values} for name, values in series]}


def _number(value):
    """JSON-ready: ECharts wants numbers, and a Decimal is not one for json."""
    return float(value) if isinstance(value, Decimal) else value
