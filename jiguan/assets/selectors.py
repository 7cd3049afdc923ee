"""Read functions of the assets app for reports (资产报表). Pure reads: each returns rows and runs a
fixed number of queries whatever the number of cards (one grouped query per report plus the names).

Every function takes the requesting user and restricts to their scope for ``assets.report_asset``
(``restrict(user, "report")``) before narrowing to the chosen unit's subtree with one indexed prefix
match on the owning unit's path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractYear, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.core.scoping import permission_name
from jiguan.org.models import OrgKind, OrgUnit, User, users_with_permission
from jiguan.standards.selectors import standard_values

from .depreciation import accumulated_expr, money, original_value_expr
from .models import (
    ZERO,
    Asset,
    AssetStatus,
    Disposal,
    DisposalItem,
    DocStatus,
    SummaryCache,
    SummaryVersion,
    period_of,
)

logger = logging.getLogger(__name__)

REPORT_PERMISSION = "assets.report_asset"
CLASS_TABLE = "gbt14885"
METHOD_TABLE = "disposal_method"
CLASS_LEVELS = {3: gettext_lazy("门类"), 5: gettext_lazy("大类")}  # characters of the class code a summary groups by

# Row kinds: an ordinary row, a unit's subtotal (小计), the report's total (合计).
ROW, SUBTOTAL, TOTAL = "row", "subtotal", "total"
ROW_KINDS = [(ROW, gettext_lazy("明细")), (SUBTOTAL, gettext_lazy("小计")), (TOTAL, gettext_lazy("合计"))]


def _money(value) -> Decimal:
    """A sum of money to the cent (SQLite returns aggregates of decimals as floats)."""
    return money(value) if value is not None else ZERO


# ---------------------------------------------------------------------------------------------
# Units: what a user may report on
# ---------------------------------------------------------------------------------------------

def report_units(user):
    """Units (above department level) in the user's scope for ``assets.report_asset``, for the
    unit picker of the reports, in tree order."""
    scope = user.get_scope(REPORT_PERMISSION)
    return (OrgUnit.objects.in_scope(scope).filter(is_active=True).exclude(kind=OrgKind.DEPARTMENT)
            .only("id", "name", "short_name", "kind", "path", "depth", "parent_id", "sort_order").order_by("path"))


def default_report_unit(user, prefer_path: str = "") -> OrgUnit | None:
    """The unit a report opens on: ``prefer_path`` (the unit switcher's unit) when it is in scope,
    else the root of the user's widest scope (the highest unit they may report on)."""
    units = report_units(user)
    if prefer_path:
        unit = units.filter(path=prefer_path).first()
        if unit is not None:
            return unit
    return units.order_by("depth", "path").first()


# ---------------------------------------------------------------------------------------------
# 资产汇总表: by unit × class at a date
# ---------------------------------------------------------------------------------------------

@dataclass
class Figures:
    count: int = 0
    quantity: int = 0
    original_value: Decimal = ZERO
    accumulated: Decimal = ZERO

    @property
    def net_value(self) -> Decimal:
        return self.original_value - self.accumulated

    def add(self, other: Figures) -> None:
        self.count += other.count
        self.quantity += other.quantity
        self.original_value += other.original_value
        self.accumulated += other.accumulated


@dataclass
class SummaryRow(Figures):
    kind: str = ROW
    unit: OrgUnit | None = None
    unit_name: str = ""
    class_code: str = ""
    class_name: str = ""


@dataclass
class Summary:
    unit: OrgUnit
    on: date
    level: int
    rows: list[SummaryRow] = field(default_factory=list)   # rows and subtotals, then the total last
    total: SummaryRow = None


def _held_on(queryset, on: date):
    """Cards on the books at the end of day ``on``: acquired by then and not yet disposed of."""
    queryset = queryset.filter(acquired_on__lte=on).exclude(disposed_on__lte=on)
    if on >= timezone.localdate():
        # Nothing is disposed of in the future: the status index narrows the scan too.
        queryset = queryset.exclude(status=AssetStatus.DISPOSED)
    return queryset


def _class_names(level: int) -> dict[str, str]:
    """Class code prefix -> name, from GB/T 14885 as in force today (the codes cards carry): the
    prefix padded with zeros is the class's key (A02 -> A02000000 设备, A0201 -> A02010000 信息化设备)."""
    entries = standard_values(CLASS_TABLE, timezone.localdate())
    return {key[:level]: e.name for key, e in entries.items() if key[level:].strip("0") == ""}


def _grouped(cards, on: date, level: int) -> list[tuple]:
    """(owning unit id, class prefix, cards, quantity, original value, accumulated) of ``cards`` held
    at the end of ``on``: one grouped pass over the cards."""
    return [(unit_id, cls, n, qty or 0, _money(value), _money(acc)) for unit_id, cls, n, qty, value, acc in
            _held_on(cards, on)
            .values_list("owner_unit_id", Substr("class_code", 1, level))
            .annotate(n=Count("pk"), qty=Sum("quantity"), value=Sum(original_value_expr(period_of(on))),
                      acc=Sum(accumulated_expr(period_of(on))))
            .order_by()]


# Above this many owning units to recompute, one pass over the subtree's cards beats a probe per unit.
SUMMARY_PROBE_UNITS = 300
SUMMARY_CACHE_DAYS = 7


def _maintained_groups(user, unit: OrgUnit, cards, on: date, level: int) -> list[tuple]:
    """``_grouped`` from the maintained summary (PostgreSQL, migration 0011): the figures of each
    owning unit whose cards have not changed since they were computed for (``on``, ``level``) come
    from ``SummaryCache``; the others are computed from their cards and stored.

    The units' versions are read before their cards: a write that commits after that read bumps the
    version, so what is stored from the older cards is never taken for current (the marker row's
    version no longer matches). Two reports storing the same unit at once keep the first one's rows."""
    scope = user.get_scope(permission_name(Asset, "report"))
    if scope.is_empty:
        return []
    in_scope = Q() if scope.is_global else scope.q("unit__path")
    versions = dict(SummaryVersion.objects.filter(in_scope, unit__path__startswith=unit.path)
                    .values_list("unit_id", "version"))
    if not versions:
        return []
    markers, kept = {}, {}
    # Every unit's rows of the day and level, those outside the report's units dropped here: bounded
    # by units × classes, and cheaper than joining each row to its unit's path.
    for row in (SummaryCache.objects.filter(on=on, level=level)
                .values_list("unit_id", "class_code", "version", "count", "quantity", "original_value",
                             "accumulated")):
        if row[0] not in versions:
            continue
        if row[1] == "":
            markers[row[0]] = row[2]
        else:
            kept.setdefault(row[0], []).append((row[0], row[1], *row[3:]))
    stale = {u for u, version in versions.items() if markers.get(u) != version}
    groups = [g for u, rows in kept.items() if u not in stale for g in rows]
    if not stale:
        return groups
    if len(stale) > SUMMARY_PROBE_UNITS:
        computed = _grouped(cards, on, level)
        groups = computed
    else:
        computed = _grouped(Asset.objects.filter(owner_unit_id__in=sorted(stale)), on, level)
        groups.extend(computed)
    _store(on, level, stale, versions, [g for g in computed if g[0] in stale], prune=len(stale) > SUMMARY_PROBE_UNITS)
    return groups


def _store(on: date, level: int, units: set[int], versions: dict[int, int], groups: list[tuple],
           prune: bool) -> None:
    """Replace the units' rows for (``on``, ``level``); on a large rebuild (the first report of a day)
    also drop what was built more than SUMMARY_CACHE_DAYS ago."""
    rows = [SummaryCache(unit_id=u, on=on, level=level, class_code="", version=versions[u]) for u in units]
    rows += [SummaryCache(unit_id=u, on=on, level=level, class_code=cls, version=versions[u], count=n,
                          quantity=qty, original_value=value, accumulated=acc)
             for u, cls, n, qty, value, acc in groups]
    try:
        with transaction.atomic():
            SummaryCache.objects.filter(on=on, level=level, unit_id__in=sorted(units)).delete()
            SummaryCache.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
            if prune:
                SummaryCache.objects.filter(
                    built_at__lt=timezone.now() - timedelta(days=SUMMARY_CACHE_DAYS)).delete()
    except DatabaseError:  # the report stands without its cache (a read-only replica, a full disk)
        logger.warning("the summary cache could not be stored", exc_info=True)


def asset_summary(user, unit: OrgUnit, on: date, level: int = 3) -> Summary:
    """资产汇总表 of ``unit``'s subtree at the end of ``on``: one row per (direct child of ``unit``,
    class), each child's row summing its whole subtree; the unit's own cards form the 本级 row.
    Columns: cards, quantity, original value, accumulated depreciation at the month of ``on``, net.

    One pass over the scope's cards, grouped by owning unit (an integer) and the first ``level``
    characters of the class code: a hash aggregate of at most units × classes groups, with no sort of
    every card by a path. Python then rolls each owning unit up to the direct child of ``unit`` on
    whose branch it sits (``/1/7/`` + ``42/…`` -> ``/1/7/42/``), from the subtree's (id, path) pairs
    (bounded by the organisation tree, not by the cards); the children, for the labels, are one more
    small query."""
    if level not in CLASS_LEVELS:
        raise ValueError(f"level must be one of {sorted(CLASS_LEVELS)}")
    cards = Asset.objects.restrict(user, "report").filter(owner_unit__path__startswith=unit.path)
    if connection.vendor == "postgresql":
        groups = _maintained_groups(user, unit, cards, on, level)
    else:
        groups = _grouped(cards, on, level)
    paths, children, names = {}, {}, {}
    if groups:
        paths = dict(OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", "path"))
        children = {u.path: u for u in OrgUnit.objects.filter(Q(parent_id=unit.pk) | Q(pk=unit.pk))
                    .only("id", "name", "kind", "path", "sort_order", "parent_id")}
        names = _class_names(level)

    start = len(unit.path)
    cells: dict[tuple[str, str], Figures] = {}
    for owner_id, cls, n, qty, value, acc in groups:
        path = paths.get(owner_id)
        if path is None:  # cannot happen: the card's owner is in ``unit``'s subtree
            continue
        child = path[:path.index("/", start) + 1] if len(path) > start else unit.path
        figures = cells.setdefault((child, cls), Figures())
        figures.count += n
        figures.quantity += qty        # both paths give integers and amounts to the cent
        figures.original_value += value
        figures.accumulated += acc

    by_unit: dict[str, list[SummaryRow]] = {}
    for (child_path, cls), figures in sorted(cells.items()):
        child = children.get(child_path)
        if child is None:  # cannot happen either: every branch starts at a direct child
            continue
        label = _("%(name)s（本级）") % {"name": child.name} if child.pk == unit.pk else child.name
        by_unit.setdefault(child_path, []).append(SummaryRow(
            unit=child, unit_name=label, class_code=cls, class_name=names.get(cls, ""), count=figures.count,
            quantity=figures.quantity, original_value=figures.original_value, accumulated=figures.accumulated))

    def order(path):
        child = children[path]
        return (child.pk != unit.pk, child.sort_order, child.name, child.pk)

    summary = Summary(unit=unit, on=on, level=level)
    total = SummaryRow(kind=TOTAL, unit_name=_("合计"))
    for path in sorted(by_unit, key=order):
        rows = by_unit[path]
        summary.rows.extend(rows)
        subtotal = SummaryRow(kind=SUBTOTAL, unit=rows[0].unit, unit_name=rows[0].unit_name,
                              class_name=_("小计"))
        for row in rows:
            subtotal.add(row)
        if len(rows) > 1:
            summary.rows.append(subtotal)
        total.add(subtotal)
    summary.total = total
    summary.rows.append(total)
    return summary


# ---------------------------------------------------------------------------------------------
# 状态统计: cards by status
# ---------------------------------------------------------------------------------------------

@dataclass
class StatusRow:
    kind: str = ROW
    status: str = ""
    label: str = ""
    count: int = 0
    quantity: int = 0
    original_value: Decimal = ZERO


def status_counts(user, unit: OrgUnit) -> list[StatusRow]:
    """Cards of ``unit``'s subtree by status, every status in its usual order (zeros included),
    then the total. One grouped query."""
    found = {g["status"]: g for g in
             Asset.objects.restrict(user, "report").filter(owner_unit__path__startswith=unit.path)
             .values("status").annotate(n=Count("pk"), qty=Sum("quantity"), value=Sum("original_value"))
             .order_by("status")}
    rows, total = [], StatusRow(kind=TOTAL, label=_("合计"))
    for status in AssetStatus:
        g = found.get(status.value, {})
        row = StatusRow(status=status.value, label=str(status.label), count=g.get("n", 0),
                        quantity=g.get("qty") or 0, original_value=_money(g.get("value")))
        rows.append(row)
        total.count += row.count
        total.quantity += row.quantity
        total.original_value += row.original_value
    rows.append(total)
    return rows


# ---------------------------------------------------------------------------------------------
# 处置统计: completed disposals by method and year
# ---------------------------------------------------------------------------------------------

@dataclass
class DisposalRow:
    kind: str = ROW
    year: int | None = None
    method: str = ""
    method_name: str = ""
    disposals: int = 0
    count: int = 0
    original_value: Decimal = ZERO
    income: Decimal = ZERO


def disposal_stats(user, unit: OrgUnit) -> list[DisposalRow]:
    """Completed disposals of ``unit``'s subtree by year of completion and method: disposals, cards
    disposed of (lines with ``done``), their original value, and income. Two grouped queries (cards
    per line, income per disposal, so a disposal's income is not counted once per card)."""
    scope = user.get_scope(REPORT_PERMISSION)
    lines = (DisposalItem.objects.in_scope(scope)
             .filter(done=True, disposal__status=DocStatus.COMPLETED, disposal__unit__path__startswith=unit.path)
             .values(year=ExtractYear("disposal__completed_on"), method=F("disposal__method"))
             .annotate(n=Count("pk"), value=Sum("original_value")).order_by())
    documents = (Disposal.objects.in_scope(scope)
                 .filter(status=DocStatus.COMPLETED, unit__path__startswith=unit.path)
                 .values("method", year=ExtractYear("completed_on"))
                 .annotate(d=Count("pk"), income=Sum("income")).order_by())
    rows: dict[tuple, DisposalRow] = {}
    for g in lines:
        row = rows.setdefault((g["year"], g["method"]), DisposalRow(year=g["year"], method=g["method"]))
        row.count, row.original_value = g["n"], _money(g["value"])
    for g in documents:
        row = rows.setdefault((g["year"], g["method"]), DisposalRow(year=g["year"], method=g["method"]))
        row.disposals, row.income = g["d"], _money(g["income"])
    methods = standard_values(METHOD_TABLE, timezone.localdate()) if rows else {}
    position = {key: i for i, key in enumerate(methods)}
    for row in rows.values():
        row.method_name = methods[row.method].name if row.method in methods else row.method
    result = sorted(rows.values(), key=lambda r: (-(r.year or 0), position.get(r.method, len(position)), r.method))
    total = DisposalRow(kind=TOTAL, method_name=_("合计"))
    for row in result:
        total.disposals += row.disposals
        total.count += row.count
        total.original_value += row.original_value
        total.income += row.income
    result.append(total)
    return result


# ---------------------------------------------------------------------------------------------
# Self-service (服务对象): the cards a person uses, whatever their role
# ---------------------------------------------------------------------------------------------

VIEW_PERMISSION = "assets.view_asset"
HANDLER_PERMISSION = "assets.issue_asset"  # who issues cards and takes them back (领用、交回)


def asset_managers(unit: OrgUnit | None):
    """The asset managers (资产管理员) of ``unit``: active holders of ``assets.issue_asset`` over it (at
    it, or above it with its subtree), the people a member of staff turns to about their cards."""
    if unit is None:
        return User.objects.none()
    return users_with_permission(HANDLER_PERMISSION, unit).select_related("unit").order_by("username")


def my_cards(user):
    """我的资产: the cards ``user`` uses (使用人) and still held (已处置 is history), by code; one query
    on the user's index, related units joined. Any role or none: being the card's user is enough."""
    if user is None or not user.is_authenticated:
        return Asset.objects.none()
    return (Asset.objects.filter(user=user).exclude(status=AssetStatus.DISPOSED)
            .select_related("owner_unit", "using_unit", "department").order_by("code", "id"))


def home_agency(user) -> OrgUnit | None:
    """The agency or institution a user belongs to: their unit, or the nearest unit above it that is not
    a department (a 科室's people belong to its 局). None for a user without a unit."""
    unit = getattr(user, "unit", None)
    if unit is None or unit.kind != OrgKind.DEPARTMENT:
        return unit
    for ancestor in reversed(unit.ancestors()):
        if ancestor.kind != OrgKind.DEPARTMENT:
            return ancestor
    return unit


def idle_pool(user, query: str = ""):
    """领用申请's idle pool: the 闲置 cards of the user's own agency (and its departments and subordinate
    units), by class and code, searched by code prefix, name or pinyin initials. Any role or none:
    staff pick from it before anything new is bought. One query on the status index."""
    agency = home_agency(user) if user is not None and user.is_authenticated else None
    if agency is None:
        return Asset.objects.none()
    cards = (Asset.objects.filter(status=AssetStatus.IDLE, owner_unit__path__startswith=agency.path)
             .select_related("owner_unit", "using_unit").order_by("class_code", "code", "id"))
    query = query.strip()
    if query:
        cards = cards.filter(Q(code__startswith=query.upper()) | Q(name__contains=query)
                             | Q(name_initials__startswith=query.lower()))
    return cards


def viewable_cards(user, focus: str = ""):
    """The cards ``user`` may open (``policies.card_view``): those in their scope for
    ``assets.view_asset`` (narrowed to the unit switcher's ``focus`` path, as the lists are) and
    those they use (使用人), wherever their owning unit. One condition on the owning unit's path
    index or the user's index, so a prefix search of codes stays on the code index."""
    if user is None or not user.is_authenticated:
        return Asset.objects.none()
    scope = user.get_scope(VIEW_PERMISSION)
    if scope.is_global and not focus:
        return Asset.objects.all()
    if scope.is_empty:
        return Asset.objects.filter(user=user)
    in_scope = Q(pk__isnull=False) if scope.is_global else scope.q(Asset.scope_path)
    if focus:
        in_scope &= Q(owner_unit__path__startswith=focus)
    return Asset.objects.filter(in_scope | Q(user=user))
