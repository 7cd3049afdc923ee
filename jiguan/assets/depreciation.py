"""Depreciation (折旧), government accounting standard No. 3 (FACTS §2).

Monthly, straight-line by default, no residual value; classes that are not depreciated are skipped.
A card carries its schedule (models.Asset ``dep_*``):

    k = min(p, dep_stop) - dep_anchor + 1              months charged under the schedule by month p
    accumulated(p) = 0                                  k <= 0 and nothing charged before the anchor
                   = dep_base + k * dep_monthly         0 < k < dep_months
                   = original_value                     k >= dep_months (the last month takes the rest)

so a computer of 6,000.00 yuan, 6 years (72 months), from 2024-01 is charged 83.33 a month; by
2026-11 (35 months) 2,916.55; in 2029-12 the last month takes 83.57 and the total is exactly 6,000.00.

The same formula exists twice, in Python (``accumulated_at``) and as a SQL expression
(``accumulated_expr``) for set-based runs and reports; tests hold them equal.

``run_month`` charges one month for every card of a unit's subtree with INSERT … SELECT in chunks of
card ids (progress on the ``DepreciationRun`` row), never a Python loop over cards.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, models, transaction
from django.db.models import Case, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action

from .models import (
    MONEY,
    ZERO,
    Asset,
    DepreciationEntry,
    DepreciationMethod,
    DepreciationRun,
    RunStatus,
    StartRule,
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


def accumulated_at(asset: Asset, period: int) -> Decimal:
    """Accumulated depreciation of ``asset`` at the end of month ``period`` (Python twin of
    ``accumulated_expr``)."""
    if asset.dep_method == DepreciationMethod.NONE or asset.dep_months == 0:
        return ZERO
    p = min(period, asset.dep_stop) if asset.dep_stop is not None else period
    k = p - asset.dep_anchor + 1
    if k <= 0:
        return asset.dep_base if p >= asset.dep_anchor - 1 else ZERO
    if k >= asset.dep_months:
        return money(asset.original_value)
    return money(asset.dep_base + k * asset.dep_monthly)


def charged_months(asset: Asset, period: int) -> int:
    if asset.dep_method == DepreciationMethod.NONE or asset.dep_months == 0:
        return 0
    p = min(period, asset.dep_stop) if asset.dep_stop is not None else period
    return max(0, min(p - asset.dep_anchor + 1, asset.dep_months))


def accumulated_expr(period: int, prefix: str = "") -> Case:
    """SQL expression of the accumulated depreciation at the end of ``period`` (a constant month).
    ``prefix`` reaches the card through a relation (``"asset__"``)."""
    def f(name):
        return (F(f"{prefix}{name}"))
    p = Case(When(**{f"{prefix}dep_stop__lt": period}, then=f("dep_stop")), default=Value(period),
             output_field=models.IntegerField())
    k = ExpressionWrapper(p - f("dep_anchor") + 1, output_field=models.IntegerField())
    money_field = models.DecimalField(**MONEY)
    return Case(
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

def _chargeable(unit, period: int):
    """Cards of ``unit``'s subtree that may take a charge in ``period`` (the amount may still be 0)."""
    return (Asset.objects.filter(owner_unit__path__startswith=unit.path)
            .exclude(dep_method=DepreciationMethod.NONE).filter(dep_months__gt=0, dep_anchor__lte=period)
            .exclude(dep_stop__lt=period))


def _insert_chunk(run: DepreciationRun, period: int, low: int, high: int) -> int:
    """INSERT … SELECT the month's ledger rows for cards with low <= id < high. Returns rows written."""
    money_field = models.DecimalField(**MONEY)
    already = DepreciationEntry.objects.filter(asset_id=models.OuterRef("pk"), period=period)
    qs = (_chargeable(run.unit, period).filter(pk__gte=low, pk__lt=high)
          .exclude(models.Exists(already))
          .annotate(e_acc=accumulated_expr(period), e_prev=accumulated_expr(period - 1))
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


def run_start(*, unit, period: int, actor) -> DepreciationRun:
    """Create (or reset) the run of ``unit`` for ``period``; the work is done by ``run_execute``.
    Refuses a month in the future and a second run while one is going."""
    today = timezone.localdate()
    if period > period_of(today):
        raise ValueError(_("不能计提未来月份（%(period)s）的折旧。") % {"period": period_label(period)})
    with transaction.atomic():
        run = DepreciationRun.objects.select_for_update().filter(unit=unit, period=period).first()
        if run is not None and run.status == RunStatus.RUNNING and run.done < run.total:
            raise ValueError(_("%(period)s 的折旧正在计提中，请稍候。") % {"period": period_label(period)})
        total = _chargeable(unit, period).count()
        if run is None:
            run = DepreciationRun.objects.create(unit=unit, period=period, total=total, started_by=actor)
        else:
            # Idempotent: running the month again rewrites the same ledger.
            DepreciationEntry.objects.filter(run=run).delete()
            DepreciationRun.objects.filter(pk=run.pk).update(
                status=RunStatus.RUNNING, total=total, done=0, entry_count=0, amount=ZERO, error="",
                finished_at=None, started_by=actor)
            run.refresh_from_db()
        audit.record(Action.STATE, run, after={"period": period_label(period), "unit": unit.pk, "cards": total},
                     message=_("开始计提 %(period)s 折旧") % {"period": period_label(period)})
    return run


def run_execute(run: DepreciationRun, progress=None) -> DepreciationRun:
    """Charge the month in chunks of card ids, committing each chunk and updating the progress."""
    period = run.period
    bounds = _chargeable(run.unit, period).aggregate(low=models.Min("pk"), high=models.Max("pk"))
    done = 0
    try:
        if bounds["low"] is not None:
            low = bounds["low"]
            while low <= bounds["high"]:
                high = low + CHUNK
                with transaction.atomic():
                    _insert_chunk(run, period, low, high)
                    done += _chargeable(run.unit, period).filter(pk__gte=low, pk__lt=high).count()
                    DepreciationRun.objects.filter(pk=run.pk).update(done=min(done, run.total))
                if progress:
                    progress(done, run.total)
                low = high
        totals = DepreciationEntry.objects.filter(run=run).aggregate(n=models.Count("pk"), s=models.Sum("amount"))
        with transaction.atomic():
            DepreciationRun.objects.filter(pk=run.pk).update(
                status=RunStatus.DONE, done=run.total, entry_count=totals["n"] or 0,
                amount=money(totals["s"] or 0), finished_at=timezone.now())
            run.refresh_from_db()
            audit.record(Action.STATE, run, after={"entries": run.entry_count, "amount": str(run.amount)},
                         message=_("完成计提 %(period)s 折旧：%(n)s 笔，%(amount)s 元") % {
                             "period": run.period_label, "n": run.entry_count, "amount": run.amount})
    except Exception as exc:
        DepreciationRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=str(exc)[:2000])
        raise
    return run

