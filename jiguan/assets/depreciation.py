"""Depreciation (折旧), government accounting standard No. 3 (FACTS §2).

Monthly, straight-line by default, no residual value; classes that are not depreciated are skipped.
A card carries its schedule (models.Asset ``dep_*``):

    k = min(p, dep_stop) - dep_anchor + 1              months charged under the schedule by month p
    accumulated(p) = 0                                  k <= 0 and nothing charged before the anchor
                   = dep_base + k * dep_monthly         0 < k < dep_months
                   = original_value                     k >= dep_months (the last month takes the rest)

so a computer of 6,000.00 yuan, 6 years (72 months), from 2024-01 is charged 83.33 a month; by
2026-11 (35 months) 2,916.55; in 2029-12 the last month takes 83.57 and the total is exactly 6,000.00.

Units of production (工作量法, ``dep_method = "units"``): the card's monthly workload readings
(``WorkloadReading``, each with the cumulative workload up to its month) drive the charge instead of
the calendar. With W(p) the cumulative of the latest reading at or before min(p, dep_stop) (0 if none),
T = total_workload, and W0 = W(dep_anchor - 1):

    accumulated(p) = 0                                  p < dep_anchor - 1
                   = dep_base                           p = dep_anchor - 1, or no total workload
                   = original_value                     W0 >= T
                   = dep_base + round((original_value - dep_base) * (min(W(p), T) - W0) / (T - W0))

to the cent, half up, in exact integer arithmetic (cents and hundredths of the workload unit) on
both databases. At registration dep_base = 0 and W0 = 0 (no reading before the start), so it is
round(original_value * min(W(p), T) / T): a vehicle of 300,000.00 over 500,000 km that has done
12,345.67 km carries 7,407.40; the reading that reaches 500,000 km brings it to exactly 300,000.00,
and a reading beyond the total charges only the rest. A value adjustment from month p0 keeps what was
charged up to p0 - 1 (dep_anchor = p0, dep_base = accumulated(p0 - 1)) and spreads the new value less
it over the workload still to come. ``dep_months`` and ``dep_monthly`` are unused (0) on such cards.

A value adjustment keeps the schedule it replaces as a segment (折旧计划段, ``ScheduleSegment``, the
same fields, governing the months up to its ``valid_to``); for a month before ``dep_anchor`` of a card
with segments (``dep_segmented``) the rule is evaluated on the segment in force then, so the figures
of earlier months never move and the run can still charge them.

The same formula exists twice, in Python (``accumulated_at``) and as a SQL expression
(``accumulated_expr``) for set-based runs and reports; tests hold them equal.

``run_month`` charges one month for every card of a unit's subtree with INSERT … SELECT in chunks of
card ids (progress on the ``DepreciationRun`` row), never a Python loop over cards.
"""

from __future__ import annotations

import logging
import queue
import threading
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, connections, models, transaction
from django.db.models import Case, ExpressionWrapper, F, Func, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Least
from django.db.models.lookups import GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core.expressions import FrozenExpression
from jiguan.core.tables import money as money_text

from .models import (
    MONEY,
    ZERO,
    Asset,
    DepreciationEntry,
    DepreciationMethod,
    DepreciationRun,
    RunStatus,
    ScheduleSegment,
    StartRule,
    WorkloadReading,
    period_label,
    period_of,
)

CENT = Decimal("0.01")
CHUNK = 50_000


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# The schedule
# ---------------------------------------------------------------------------------------------

def start_period(acquired_on: date, rule: str) -> int:
    """当月增加当月计提 (default) or the month after."""
    first = period_of(acquired_on)
    return first + 1 if rule == StartRule.NEXT_MONTH else first


def schedule(original_value: Decimal, life_months: int, anchor: int, base: Decimal = ZERO) -> dict:
    """The ``dep_*`` fields of a fresh schedule: ``original_value - base`` over ``life_months``."""
    if life_months <= 0:
        return {"dep_anchor": anchor, "dep_months": 0, "dep_monthly": ZERO, "dep_base": base}
    monthly = money((Decimal(original_value) - base) / life_months)
    return {"dep_anchor": anchor, "dep_months": life_months, "dep_monthly": monthly, "dep_base": base}


def _capped(asset: Asset, period: int) -> int:
    return min(period, asset.dep_stop) if asset.dep_stop is not None else period


def segments_of(asset: Asset) -> list[ScheduleSegment]:
    """The card's earlier schedules (折旧计划段) by ``valid_to``: none unless ``dep_segmented``, else one
    query, kept on the instance as a prefetch would (a list view may prefetch them)."""
    if not asset.dep_segmented:
        return []
    models.prefetch_related_objects([asset], "schedule_segments")
    return list(asset.schedule_segments.all())


def schedule_in_force(asset: Asset, period: int) -> Asset | ScheduleSegment:
    """The schedule governing month ``period``: for a month before ``dep_anchor`` of a card with
    segments, the first segment with ``valid_to >= period``; otherwise the card itself."""
    if asset.dep_segmented and period < asset.dep_anchor:
        for segment in segments_of(asset):
            if segment.valid_to >= period:
                return segment
    return asset


SEGMENT_FIELDS = ("original_value", "dep_method", "dep_anchor", "dep_months", "dep_monthly", "dep_base",
                  "total_workload")


def adjusted_schedule(asset: Asset, new_value: Decimal, p0: int) -> tuple[dict, ScheduleSegment | None]:
    """A value adjustment (价值调整) to ``new_value`` from month ``p0`` of a card that depreciates: the
    card's new ``dep_*`` fields and the segment to keep (unsaved; see ``keep_segment``). What was
    charged up to ``p0 - 1`` stays (``dep_base``) and the rest of the new value is spread over the
    rest of the life from ``p0`` (straight-line) or the workload still to come (工作量法); the
    schedule in force at ``p0 - 1`` is kept as a segment governing the months up to ``p0 - 1``.
    Before the schedule in force then has begun, it starts over with the new value instead."""
    held = schedule_in_force(asset, p0 - 1)
    if p0 <= held.dep_anchor:
        anchor, base, months, kept = held.dep_anchor, held.dep_base, held.dep_months, None
    else:
        anchor, base = p0, accumulated_at(asset, p0 - 1)
        months = max(1, held.dep_months - (p0 - held.dep_anchor))
        kept = ScheduleSegment(asset=asset, valid_to=p0 - 1, **{name: getattr(held, name) for name in SEGMENT_FIELDS})
    if asset.dep_method == DepreciationMethod.UNITS:
        fields = {"dep_anchor": anchor, "dep_base": base}
    else:
        fields = schedule(new_value, months, anchor, base)
    return {**fields, "dep_segmented": kept is not None}, kept


def keep_segment(asset: Asset, p0: int, kept: ScheduleSegment | None) -> None:
    """Store the segments of an adjustment from ``p0`` (``adjusted_schedule``): those governing
    ``p0 - 1`` or later are replaced by ``kept`` (none when the schedule starts over)."""
    for old in ScheduleSegment.objects.filter(asset=asset, valid_to__gte=p0 - 1):
        audit.record_delete(old, audit.snapshot(old))
        old.delete()
    if kept is not None:
        kept.save()
        audit.record_create(kept)
    if hasattr(asset, "_prefetched_objects_cache"):
        asset._prefetched_objects_cache.pop("schedule_segments", None)


def accumulated_at(asset: Asset, period: int) -> Decimal:
    """Accumulated depreciation of ``asset`` at the end of month ``period`` (Python twin of
    ``accumulated_expr``)."""
    p = _capped(asset, period)
    return _accumulated(schedule_in_force(asset, p), asset.pk, p)


def original_value_at(asset: Asset, period: int) -> Decimal:
    """The original value (原值) on the books at the end of month ``period``: a value adjustment
    counts from its month on (twin of ``original_value_expr``)."""
    return schedule_in_force(asset, _capped(asset, period)).original_value


def _accumulated(plan: Asset | ScheduleSegment, asset_id: int, p: int) -> Decimal:
    """The rule of the module docstring on one schedule (the card or a segment) at month ``p``,
    already capped at the card's ``dep_stop``."""
    if plan.dep_method == DepreciationMethod.UNITS:
        return _units_accumulated_at(plan, asset_id, p)
    if plan.dep_method == DepreciationMethod.NONE or plan.dep_months == 0:
        return ZERO
    k = p - plan.dep_anchor + 1
    if k <= 0:
        return plan.dep_base if p >= plan.dep_anchor - 1 else ZERO
    if k >= plan.dep_months:
        return money(plan.original_value)
    return money(plan.dep_base + k * plan.dep_monthly)


# Units of production (工作量法) ---------------------------------------------------------------------

def hundredths(value) -> int:
    """Cents of an amount, hundredths of a workload: the exact whole numbers the rule works in."""
    return int((Decimal(value) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def cumulative_at(asset: Asset, period: int) -> Decimal:
    """The cumulative workload of ``asset`` up to the end of ``period``: its latest reading's."""
    return _cumulative(asset.pk, period)


def _cumulative(asset_id: int, period: int) -> Decimal:
    value = (WorkloadReading.objects.filter(asset_id=asset_id, period__lte=period).order_by("-period")
             .values_list("cumulative", flat=True).first())
    return ZERO if value is None else value


def units_accumulated(asset: Asset, cumulative: Decimal, base_cumulative: Decimal) -> Decimal:
    """The rule for a month at or after ``dep_anchor`` whose cumulative workload is ``cumulative``;
    ``base_cumulative`` is the cumulative before the anchor (W0, see the module docstring)."""
    total = asset.total_workload
    if not total or total <= 0:
        return asset.dep_base
    if base_cumulative >= total:
        return money(asset.original_value)
    share = hundredths(asset.original_value - asset.dep_base)
    part, whole = hundredths(min(cumulative, total) - base_cumulative), hundredths(total - base_cumulative)
    return money(asset.dep_base + Decimal((2 * share * part + whole) // (2 * whole)) / 100)


def _units_accumulated_at(plan: Asset | ScheduleSegment, asset_id: int, p: int) -> Decimal:
    if p < plan.dep_anchor:
        return plan.dep_base if p == plan.dep_anchor - 1 else ZERO
    return units_accumulated(plan, _cumulative(asset_id, p), _cumulative(asset_id, plan.dep_anchor - 1))


def reading_amounts(asset: Asset, readings) -> list[tuple[WorkloadReading, Decimal | None]]:
    """Each reading with the depreciation of its month (accumulated(p) - accumulated(p - 1)), from the
    readings themselves: ``cumulative - workload`` is the cumulative before the month. None for a
    month no schedule of the card charges (before its start, after ``dep_stop``); a month before
    ``dep_anchor`` is charged under the segment in force then."""
    readings = list(readings)
    if not readings:
        return []
    bases = {}   # W0 of each schedule met
    rows = []
    for reading in readings:
        plan = schedule_in_force(asset, reading.period)
        if reading.period < plan.dep_anchor or (asset.dep_stop is not None and reading.period > asset.dep_stop):
            rows.append((reading, None))
            continue
        if id(plan) not in bases:
            bases[id(plan)] = _cumulative(asset.pk, plan.dep_anchor - 1)
        base = bases[id(plan)]
        before = units_accumulated(plan, reading.cumulative - reading.workload, base)
        rows.append((reading, units_accumulated(plan, reading.cumulative, base) - before))
    return rows


def charged_months(asset: Asset, period: int) -> int:
    """Months charged by the end of ``period`` (straight-line): under the schedule in force then and
    the earlier segments."""
    p = _capped(asset, period)
    plan = schedule_in_force(asset, p)
    if plan.dep_method == DepreciationMethod.NONE or plan.dep_months == 0:
        return 0
    earlier = sum(max(0, min(s.valid_to - s.dep_anchor + 1, s.dep_months)) for s in segments_of(asset)
                  if s.valid_to < p)
    return earlier + max(0, min(p - plan.dep_anchor + 1, plan.dep_months))


class _UnitsShare(Func):
    """``base + round(share * part / whole)`` to the cent, half up, for share, part >= 0; NULL when
    whole is 0. Exact on both databases, amounts in cents and workloads in hundredths: SQLite holds
    decimals as floats, so each is rounded back to the whole number it stands for and the division is
    integer arithmetic; PostgreSQL divides exact numerics to 20 decimals (its default would keep about
    16 significant digits), far finer than the distance of a quotient of whole numbers below 10^20
    from a half. ``whole`` appears once there: it holds a readings' subquery. Twin of
    ``units_accumulated``."""

    arity = 4
    output_field = models.DecimalField(**MONEY)

    def _compiled(self, compiler):
        return [compiler.compile(e) for e in self.get_source_expressions()]

    def as_sql(self, compiler, connection, **extra_context):
        (base, bp), (share, sp), (part, pp), (whole, wp) = self._compiled(compiler)
        sql = (f"CAST(({base}) + ROUND(CAST(ROUND(({share}) * 100) * ROUND(({part}) * 100) AS numeric(60, 20)) / "
               f"NULLIF(ROUND(({whole}) * 100), 0), 0) / 100 AS numeric({MONEY['max_digits']}, "
               f"{MONEY['decimal_places']}))")
        return sql, [*bp, *sp, *pp, *wp]

    def as_sqlite(self, compiler, connection, **extra_context):
        (base, bp), (share, sp), (part, pp), (whole, wp) = self._compiled(compiler)

        def whole_number(sql):
            return f"CAST(ROUND(({sql}) * 100) AS INTEGER)"

        # Integer division by 0 is NULL in SQLite.
        sql = (f"(({base}) + ((2 * {whole_number(share)} * {whole_number(part)} + {whole_number(whole)}) / "
               f"(2 * {whole_number(whole)})) / 100.0)")
        return sql, [*bp, *sp, *pp, *wp, *wp]


def _units_expr(period: int, prefix: str, p, *, pk: str = "pk", stop=None) -> Case:
    """The units-of-production twin (see the module docstring): correlated subqueries on the readings,
    reached only by units cards (the first branch of ``accumulated_expr``). On a segment (折旧计划段)
    the readings are the segment's card's (``pk="asset_id"``) and ``stop`` reaches the card's
    ``dep_stop`` from the readings' subquery."""
    def f(name):
        return F(f"{prefix}{name}")
    workload_field = models.DecimalField(max_digits=16, decimal_places=2)
    money_field = models.DecimalField(**MONEY)
    readings = WorkloadReading.objects.filter(asset_id=OuterRef(f"{prefix}{pk}")).order_by("-period")
    stop = OuterRef(f"{prefix}dep_stop") if stop is None else stop

    def latest(queryset):
        return Coalesce(Subquery(queryset.values("cumulative")[:1], output_field=workload_field), Value(ZERO),
                        output_field=workload_field)

    total = f("total_workload")
    cumulative = Least(latest(readings.filter(period__lte=period)
                              .filter(period__lte=Coalesce(stop, Value(period)))), total)
    # W0 capped at the total: when it reaches it, part and whole are 0 and the share is NULL, so the
    # card carries its whole value (the W0 >= T line of the rule) with the subquery written twice only.
    base = Least(latest(readings.filter(period__lt=OuterRef(f"{prefix}dep_anchor"))), total)
    return Case(
        When(LessThan(p, f("dep_anchor") - 1), then=Value(ZERO)),
        When(LessThan(p, f("dep_anchor")), then=f("dep_base")),
        When(Q(**{f"{prefix}total_workload__isnull": True}) | Q(**{f"{prefix}total_workload__lte": 0}),
             then=f("dep_base")),
        default=Coalesce(_UnitsShare(f("dep_base"), f("original_value") - f("dep_base"), cumulative - base,
                                     total - base), f("original_value"), output_field=money_field),
        output_field=money_field,
    )


def accumulated_expr(period: int, prefix: str = "", *, units: bool = True, segments: bool = True) -> Case:
    """SQL expression of the accumulated depreciation at the end of ``period`` (a constant month).
    ``prefix`` reaches the card through a relation (``"asset__"``). ``units=False`` leaves out the
    units-of-production branch, for a query over the other cards only: PostgreSQL evaluates the
    readings' subqueries only for units cards, but it plans every row as if it might (the estimate
    of a card table scan grows a hundredfold, which changes the join) and never in parallel.
    ``segments=False`` likewise leaves out the earlier schedules (``segment_expr``), for a query over
    cards whose own schedule governs the month (``dep_anchor <= period``)."""
    p = Case(When(**{f"{prefix}dep_stop__lt": period}, then=F(f"{prefix}dep_stop")), default=Value(period),
             output_field=models.IntegerField())
    current = _schedule_expr(period, prefix, p, units=units)
    if not segments:
        return current
    return Case(
        # Only cards with segments reach their subquery, and only for months before their anchor.
        When(Q(**{f"{prefix}dep_segmented": True}) & LessThan(p, F(f"{prefix}dep_anchor")),
             then=segment_expr(period, prefix)),
        default=current, output_field=models.DecimalField(**MONEY))


def accumulated_column(period: int) -> FrozenExpression:
    """``accumulated_expr(period)`` for a query on the cards themselves (a list page, the API),
    compiled to SQL once per process and month instead of for every query (core.expressions)."""
    return FrozenExpression(Asset, ("accumulated", period), lambda: accumulated_expr(period),
                            output_field=models.DecimalField(**MONEY))


def segment_expr(period: int, prefix: str = "") -> Subquery:
    """The accumulated depreciation at the end of ``period`` under the card's segment (折旧计划段) in
    force then: the one with the smallest ``valid_to >= min(period, dep_stop)``, the card's rule
    evaluated on its fields. A correlated subquery, for cards with ``dep_segmented`` and a month
    before their ``dep_anchor`` (NULL for a card without segments)."""
    stop = OuterRef(f"{prefix}dep_stop")
    segment, p = _segment_in_force(period, prefix)
    rule = _schedule_expr(period, "", p, units=True, pk="asset_id", stop=OuterRef(stop))
    return Subquery(segment.annotate(acc=rule).values("acc")[:1], output_field=models.DecimalField(**MONEY))


def _segment_in_force(period: int, prefix: str):
    """The segments of the outer query's card in force at ``min(period, dep_stop)``, the first one
    first, and that month (an expression of the card)."""
    stop = OuterRef(f"{prefix}dep_stop")
    p = Case(When(LessThan(stop, Value(period)), then=stop), default=Value(period),
             output_field=models.IntegerField())
    return ScheduleSegment.objects.filter(asset_id=OuterRef(f"{prefix}pk"), valid_to__gte=p).order_by("valid_to"), p


def original_value_expr(period: int, prefix: str = ""):
    """SQL twin of ``original_value_at``: the segment's original value for a month before the anchor
    of a card with segments, else the card's."""
    p = Case(When(**{f"{prefix}dep_stop__lt": period}, then=F(f"{prefix}dep_stop")), default=Value(period),
             output_field=models.IntegerField())
    segment, _p = _segment_in_force(period, prefix)
    money_field = models.DecimalField(**MONEY)
    return Case(
        When(Q(**{f"{prefix}dep_segmented": True}) & LessThan(p, F(f"{prefix}dep_anchor")),
             then=Subquery(segment.values("original_value")[:1], output_field=money_field)),
        default=F(f"{prefix}original_value"), output_field=money_field)


def _schedule_expr(period: int, prefix: str, p, *, units: bool, pk: str = "pk", stop=None) -> Case:
    """The rule on the schedule fields reached by ``prefix`` (a card's, or a segment's with ``pk``
    and ``stop`` as in ``_units_expr``) at month ``p``, ``min(period, dep_stop)``."""
    def f(name):
        return (F(f"{prefix}{name}"))
    k = ExpressionWrapper(p - f("dep_anchor") + 1, output_field=models.IntegerField())
    money_field = models.DecimalField(**MONEY)
    return Case(
        # Units cards first: the straight-line rows never reach the readings' subqueries.
        *([When(Q(**{f"{prefix}dep_method": DepreciationMethod.UNITS}),
                then=_units_expr(period, prefix, p, pk=pk, stop=stop))]
          if units else []),
        When(Q(**{f"{prefix}dep_method": DepreciationMethod.NONE}) | Q(**{f"{prefix}dep_months": 0}),
             then=Value(ZERO)),
        When(GreaterThanOrEqual(k, f("dep_months")), then=f("original_value")),
        When(LessThanOrEqual(k, Value(0)),
             then=Case(When(GreaterThanOrEqual(p, f("dep_anchor") - 1), then=f("dep_base")), default=Value(ZERO),
                       output_field=money_field)),
        default=ExpressionWrapper(f("dep_base") + Cast(k, money_field) * f("dep_monthly"), output_field=money_field),
        output_field=money_field,
    )


# ---------------------------------------------------------------------------------------------
# The monthly run
# ---------------------------------------------------------------------------------------------

def _current(unit, period: int):
    """Cards of ``unit``'s subtree whose own schedule may charge ``period`` (the amount may still be
    0): straight-line cards with a schedule, units-of-production cards (工作量法) from their start."""
    return (Asset.objects.filter(owner_unit__path__startswith=unit.path)
            .exclude(dep_method=DepreciationMethod.NONE)
            .filter(Q(dep_months__gt=0) | Q(dep_method=DepreciationMethod.UNITS), dep_anchor__lte=period)
            .exclude(dep_stop__lt=period))


def _earlier(unit, period: int):
    """Cards of ``unit``'s subtree with segments (折旧计划段) in force in ``period``: a value
    adjustment approved from a later month, the months in between not charged yet."""
    return (Asset.objects.filter(owner_unit__path__startswith=unit.path, dep_segmented=True,
                                 dep_anchor__gt=period)
            .exclude(dep_stop__lt=period))


def _chargeable(unit, period: int):
    """Cards of ``unit``'s subtree that may take a charge in ``period``."""
    return _current(unit, period) | _earlier(unit, period)


def _insert_chunk(run: DepreciationRun, period: int, low: int, high: int, *, units: bool = True,
                  earlier: bool = False) -> int:
    """INSERT … SELECT the month's ledger rows for cards with low <= id < high: one statement for the
    straight-line cards, one for the units-of-production cards (工作量法) when ``units`` (the chunk
    has some), so the readings' subqueries never weigh on the plan of the others (see
    ``accumulated_expr``), and one for cards whose segments govern the month when ``earlier``.
    Returns rows written."""
    cards = _current(run.unit, period).filter(pk__gte=low, pk__lt=high)
    written = _insert_rows(run, period, cards.exclude(dep_method=DepreciationMethod.UNITS),
                           lambda p: accumulated_expr(p, units=False, segments=False))
    if units:
        # A units card is charged only in a month with a reading, or in the month a value adjustment
        # starts (dep_anchor): one indexed probe spares the others the rule's subqueries.
        worked = WorkloadReading.objects.filter(asset_id=OuterRef("pk"), period=period)
        units_cards = (cards.filter(dep_method=DepreciationMethod.UNITS)
                       .filter(models.Exists(worked) | Q(dep_anchor=period)))
        written += _insert_rows(run, period, units_cards, lambda p: accumulated_expr(p, segments=False))
    if earlier:
        # Both months lie before dep_anchor: the segments alone govern them.
        written += _insert_rows(run, period, _earlier(run.unit, period).filter(pk__gte=low, pk__lt=high),
                                segment_expr)
    return written


def _insert_rows(run: DepreciationRun, period: int, cards, accumulated) -> int:
    """The INSERT … SELECT of ``_insert_chunk`` over ``cards``, ``accumulated(p)`` the SQL twin to use."""
    money_field = models.DecimalField(**MONEY)
    already = DepreciationEntry.objects.filter(asset_id=models.OuterRef("pk"), period=period)
    qs = (cards.exclude(models.Exists(already))
          .annotate(e_acc=accumulated(period), e_prev=accumulated(period - 1))
          .annotate(e_amount=ExpressionWrapper(F("e_acc") - F("e_prev"), output_field=money_field))
          .filter(e_amount__gt=0)
          .annotate(e_asset=F("pk"), e_period=Value(period), e_owner=F("owner_unit_id"),
                    e_class=F("class_code"), e_run=Value(run.pk))
          .values_list("e_asset", "e_period", "e_amount", "e_acc", "e_owner", "e_class", "e_run")
          .order_by())
    sql, params = qs.query.sql_with_params()
    table = connection.ops.quote_name(DepreciationEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in
                        ("asset_id", "period", "amount", "accumulated", "owner_unit_id", "class_code", "run_id"))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)
        return cursor.rowcount


def _each_chunk(work, lows: list[int]):
    """Yield ``work(low)`` for each chunk as it completes: in this connection, or shared among worker
    threads with a connection each (see ``run_execute``). A failed chunk stops the others and raises."""
    workers = min(settings.JIGUAN_DEPRECIATION_WORKERS, len(lows))
    if workers < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        for low in lows:
            yield work(low)
        return
    todo, results, stop = queue.SimpleQueue(), queue.SimpleQueue(), threading.Event()
    for low in lows:
        todo.put(low)

    def worker():
        try:
            while not stop.is_set():
                try:
                    low = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    results.put((True, work(low)))
                except BaseException as exc:  # handed to the caller's thread, which raises it
                    stop.set()
                    results.put((False, exc))
                    return
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, name=f"depreciation-{i}", daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    try:
        for _ in lows:
            ok, value = results.get()
            if not ok:
                raise value
            yield value
    finally:
        stop.set()
        for thread in threads:
            thread.join()


log = logging.getLogger(__name__)


def heartbeat_timeout() -> timedelta:
    return timedelta(minutes=settings.JIGUAN_DEPRECIATION_HEARTBEAT_MINUTES)


def _stalled(run: DepreciationRun, now=None) -> bool:
    """A running run whose worker has shown no progress for longer than the heartbeat timeout."""
    beat = run.heartbeat_at or run.created_at
    return beat is not None and beat < (now or timezone.now()) - heartbeat_timeout()


def run_start(*, unit, period: int, actor) -> DepreciationRun:
    """Create (or reset) the run of ``unit`` for ``period``; the work is done by ``run_execute``,
    queued by ``run_enqueue``. Refuses a month in the future and a second run while one is going
    (a run whose worker stopped beating is not going: it may be started again). ``actor`` starts it
    and is asked ``policies.depreciation_run`` over ``unit``."""
    from . import policies

    policies.depreciation_run(actor, unit)
    today = timezone.localdate()
    if period > period_of(today):
        raise ValueError(_("不能计提未来月份（%(period)s）的折旧。") % {"period": period_label(period)})
    with transaction.atomic():
        run = DepreciationRun.objects.select_for_update().filter(unit=unit, period=period).first()
        if run is not None and run.status == RunStatus.RUNNING and run.done < run.total and not _stalled(run):
            raise ValueError(_("%(period)s 的折旧正在计提中，请稍候。") % {"period": period_label(period)})
        total = _chargeable(unit, period).count()
        if run is None:
            run = DepreciationRun.objects.create(unit=unit, period=period, total=total, started_by=actor,
                                                 heartbeat_at=timezone.now())
        else:
            # Idempotent: running the month again rewrites the same ledger.
            DepreciationEntry.objects.filter(run=run).delete()
            DepreciationRun.objects.filter(pk=run.pk).update(
                status=RunStatus.RUNNING, total=total, done=0, entry_count=0, amount=ZERO, error="",
                finished_at=None, started_by=actor, heartbeat_at=timezone.now(), attempt=F("attempt") + 1,
                updated_at=timezone.now())
            run.refresh_from_db()
        audit.record(Action.STATE, run, after={"period": period_label(period), "unit": unit.pk, "cards": total},
                     message=_("开始计提 %(period)s 折旧") % {"period": period_label(period)})
    return run


class Superseded(Exception):
    """The run is no longer this attempt's: failed (by the sweep) or started again meanwhile."""


def _hold(run: DepreciationRun) -> None:
    """In a chunk's transaction: make sure ``run`` is still running as this attempt, and keep it so
    until the chunk commits. On PostgreSQL the row is locked FOR KEY SHARE: chunks of one attempt
    share it (and the progress updates do not wait for it), ``run_start``'s SELECT … FOR UPDATE
    waits for the chunk, so a restart deletes what the earlier attempt wrote and no later chunk of
    that attempt writes again."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(DepreciationRun._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s AND status = %s AND attempt = %s FOR KEY SHARE",
                           [run.pk, RunStatus.RUNNING, run.attempt])
            ours = cursor.fetchone() is not None
    else:
        ours = DepreciationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, attempt=run.attempt).exists()
    if not ours:
        raise Superseded


def run_execute(run: DepreciationRun, progress=None) -> DepreciationRun:
    """Charge the month in chunks of card ids, committing each chunk and updating the progress.

    It works for ``run.attempt`` only: each chunk and every update of the run requires the run
    still 计提中 as that attempt; once it is not (failed by the sweep, started again) it stops and
    changes nothing more.

    On PostgreSQL, outside a transaction (a job, a command), the chunks are shared among
    ``JIGUAN_DEPRECIATION_WORKERS`` connections (default 2): the chunks are independent id ranges and
    PostgreSQL runs no INSERT … SELECT in parallel by itself. Inside a transaction (a test, a caller's
    atomic block) other connections would not see its rows, so the chunks run in it, one by one."""
    period = run.period
    units = Q(dep_method=DepreciationMethod.UNITS, dep_anchor__lte=period)
    earlier = Q(dep_segmented=True, dep_anchor__gt=period)
    bounds = _chargeable(run.unit, period).aggregate(
        low=models.Min("pk"), high=models.Max("pk"),
        units_low=models.Min("pk", filter=units), units_high=models.Max("pk", filter=units),
        earlier_low=models.Min("pk", filter=earlier), earlier_high=models.Max("pk", filter=earlier))

    def within(kind, low, high):
        return bounds[f"{kind}_low"] is not None and bounds[f"{kind}_low"] < high and bounds[f"{kind}_high"] >= low

    def chunk(low: int) -> int:
        """One chunk in its own transaction: the cards it covered."""
        high = low + CHUNK
        with transaction.atomic():
            _hold(run)
            _insert_chunk(run, period, low, high, units=within("units", low, high),
                          earlier=within("earlier", low, high))
            return _chargeable(run.unit, period).filter(pk__gte=low, pk__lt=high).count()

    mine = DepreciationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, attempt=run.attempt)
    done = 0
    try:
        if bounds["low"] is not None:
            lows = list(range(bounds["low"], bounds["high"] + 1, CHUNK))
            for covered in _each_chunk(chunk, lows):
                done += covered
                now = timezone.now()
                if not mine.update(done=min(done, run.total), heartbeat_at=now, updated_at=now):
                    raise Superseded
                if progress:
                    progress(done, run.total)
        totals = DepreciationEntry.objects.filter(run=run).aggregate(n=models.Count("pk"), s=models.Sum("amount"))
        with transaction.atomic():
            if not mine.update(status=RunStatus.DONE, done=run.total, entry_count=totals["n"] or 0,
                               amount=money(totals["s"] or 0), finished_at=timezone.now(), updated_at=timezone.now()):
                raise Superseded
            run.refresh_from_db()
            audit.record(Action.STATE, run, after={"entries": run.entry_count, "amount": str(run.amount)},
                         message=_("完成计提 %(period)s 折旧：%(n)s 笔，%(amount)s 元") % {
                             "period": run.period_label, "n": run.entry_count, "amount": money_text(run.amount)})
    except Superseded:
        log.info("depreciation run %s: attempt %s superseded, stopped", run.pk, run.attempt)
        run.refresh_from_db()
        return run
    except Exception as exc:
        mine.update(status=RunStatus.FAILED, error=str(exc)[:2000], updated_at=timezone.now())
        raise
    return run


def run_fail(run: DepreciationRun, reason: str, only_if: Q | None = None) -> bool:
    """Mark a running run failed with ``reason`` (audited); False if it was no longer running (or
    no longer matches ``only_if``)."""
    with transaction.atomic():
        failed = (DepreciationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).filter(only_if or Q())
                  .update(status=RunStatus.FAILED, error=reason[:2000], updated_at=timezone.now()))
        if failed:
            run.refresh_from_db()
            audit.record(Action.STATE, run, before={"status": RunStatus.RUNNING}, after={"status": RunStatus.FAILED},
                         message=_("计提 %(period)s 折旧失败：%(reason)s") % {"period": run.period_label,
                                                                          "reason": reason})
    return bool(failed)


def run_enqueue(run: DepreciationRun, *, actor) -> DepreciationRun:
    """Queue the job that charges ``run`` (inline when Celery is eager). When the job cannot be
    queued (the broker is down), the run fails at once with the reason instead of staying 计提中.
    An error of the job itself, run inline, has failed the run already and propagates."""
    from .jobs import depreciation_run

    try:
        depreciation_run.start(run.pk, run.attempt, actor=actor)
    except Exception as exc:
        run.refresh_from_db()
        if run.status != RunStatus.RUNNING:
            raise  # the job ran inline and failed: run_execute recorded why
        log.exception("depreciation run %s could not be queued", run.pk)
        run_fail(run, _("计提任务未能提交到后台执行（%(error)s），请稍后重新计提。") % {
            "error": str(exc)[:300] or type(exc).__name__})
    run.refresh_from_db()
    return run


def runs_sweep(now=None) -> int:
    """Fail the runs still 计提中 whose worker has shown no progress for longer than the heartbeat
    timeout (the worker died, the job was lost): they say so and may be run again. Returns how many.
    Periodic (Celery beat ``depreciation-sweep``) and ``manage.py depreciation_sweep``."""
    now = now or timezone.now()
    cutoff = now - heartbeat_timeout()
    minutes = settings.JIGUAN_DEPRECIATION_HEARTBEAT_MINUTES
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    count = 0
    for run in DepreciationRun.objects.filter(silent, status=RunStatus.RUNNING).select_related("unit").order_by("pk"):
        count += run_fail(run, only_if=silent, reason=_("计提任务中断：超过 %(m)s 分钟没有进展（执行任务的进程可能已退出），"
                                 "已处理 %(done)s / %(total)s 项，请重新计提。") % {
            "m": minutes, "done": run.done, "total": run.total})
    return count

