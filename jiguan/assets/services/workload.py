"""Workload readings (工作量记录) of units-of-production cards (工作量法)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit

from .. import depreciation, policies
from ..models import (
    ZERO,
    Asset,
    DepreciationEntry,
    DepreciationMethod,
    DepreciationRun,
    EventKind,
    RunStatus,
    WorkloadReading,
    period_label,
    period_of,
)
from .common import _actor, _locked, event_add, settings_for

# ---------------------------------------------------------------------------------------------
# Workload readings (工作量记录) of units-of-production cards (工作量法)
# ---------------------------------------------------------------------------------------------

def workload_closed_through(asset: Asset) -> int | None:
    """The last month a depreciation run has charged (or is charging) for ``asset``: the latest
    completed or running run over its owning unit or a unit above it, or its own latest ledger row
    (charged under a former owner). A units card's month without workload leaves no ledger row, so
    the runs are what close its months."""
    ids = [int(x) for x in asset.owner_unit.path.strip("/").split("/") if x]
    run = (DepreciationRun.objects.filter(unit_id__in=ids, status__in=[RunStatus.DONE, RunStatus.RUNNING])
           .aggregate(p=models.Max("period"))["p"])
    entry = DepreciationEntry.objects.filter(asset=asset).aggregate(p=models.Max("period"))["p"]
    return max((p for p in (run, entry) if p is not None), default=None)


def _workload_label(asset: Asset, value: Decimal) -> str:
    return f"{value:,.2f} {asset.workload_unit}".strip()


@transaction.atomic
def workload_record(*, asset: Asset, period: int, workload, actor=None, note: str = "") -> WorkloadReading:
    """录入工作量: the workload of a units-of-production card (工作量法) in month ``period``, new or a
    correction, and the cumulative of this and every later reading kept right with one UPDATE.

    A month already charged by a depreciation run is closed (``workload_closed_through``): its
    reading cannot be recorded or changed any more, since the ledger of that month and the months
    after it would no longer add up to the accumulated depreciation. A missed or wrong workload is
    put right in the next open month's reading: the cumulative, which drives the charge, comes out
    the same (a correction in the current period, as for any closed accounting month).
    ``actor`` records it (``recorded_by``; the acting user when not given) and is asked
    ``policies.card_workload``."""
    asset = _locked(asset)
    policies.card_workload(actor if getattr(actor, "pk", None) else None, asset)
    actor = actor if getattr(actor, "pk", None) else _actor()
    if asset.dep_method != DepreciationMethod.UNITS:
        raise ValidationError(_("资产“%(code)s”不按工作量法计提折旧，不能录入工作量。") % {"code": asset.code})
    if not (asset.total_workload or 0) > 0:
        raise ValidationError(_("资产“%(code)s”没有预计总工作量，不能按工作量法计提折旧。") % {"code": asset.code})
    try:
        workload = Decimal(workload)
    except (TypeError, ValueError, ArithmeticError):
        workload = None
    if workload is None or not workload.is_finite():
        raise ValidationError({"workload": _("请填写本月工作量。")})
    if workload < 0:
        raise ValidationError({"workload": _("工作量不能为负数。")})
    if workload.as_tuple().exponent < -2 and workload != workload.quantize(depreciation.CENT):
        raise ValidationError({"workload": _("工作量最多保留两位小数。")})
    workload = workload.quantize(depreciation.CENT)
    label = period_label(period)
    if period > period_of(timezone.localdate()):
        raise ValidationError({"period": _("不能录入未来月份（%(period)s）的工作量。") % {"period": label}})
    if period < asset.dep_anchor:
        start = depreciation.start_period(asset.acquired_on, settings_for(asset.owner_unit).start_rule)
        if asset.dep_anchor > start:
            message = _("该资产的价值调整自 %(start)s 起生效，此前月份的工作量不能再录入或修改。")
        else:
            message = _("该资产自 %(start)s 起计提折旧，不能录入 %(period)s 的工作量。")
        raise ValidationError({"period": message % {"start": period_label(asset.dep_anchor), "period": label}})
    if asset.dep_stop is not None and period > asset.dep_stop:
        raise ValidationError({"period": _("资产已于 %(date)s 处置，处置当月起不再计提折旧，不能录入 %(period)s 的工作量。")
                               % {"date": asset.disposed_on or period_label(asset.dep_stop + 1), "period": label}})
    closed = workload_closed_through(asset)
    if closed is not None and period <= closed:
        raise ValidationError({"period": _("%(closed)s 及以前月份的折旧已经计提，这些月份的工作量不能再录入或修改。"
                                           "请把漏录或需更正的工作量计入 %(next)s 或以后月份的工作量。")
                               % {"closed": period_label(closed), "next": period_label(closed + 1)}})

    note = (note or "").strip()
    reading = WorkloadReading.objects.filter(asset=asset, period=period).first()
    if reading is not None and reading.workload == workload and reading.note == note:
        return reading  # recorded again as it is: nothing to write
    before = audit.snapshot(reading) if reading is not None else None
    previous = (WorkloadReading.objects.filter(asset=asset, period__lt=period).order_by("-period")
                .values_list("cumulative", flat=True).first()) or ZERO
    old_workload = reading.workload if reading is not None else ZERO
    reading = reading or WorkloadReading(asset=asset, period=period)
    reading.workload, reading.cumulative = workload, previous + workload
    reading.note, reading.recorded_by = note, actor
    reading.full_clean()
    reading.save()
    change = reading.workload - old_workload
    if change:  # the later readings' cumulative moves by the same amount: one UPDATE
        WorkloadReading.objects.filter(asset=asset, period__gt=period).update(cumulative=F("cumulative") + change)
    if before is None:
        audit.record_create(reading, message=_("资产 %(code)s 录入 %(period)s 工作量") % {
            "code": asset.code, "period": label})
    else:
        audit.record_update(reading, before, message=_("资产 %(code)s 更正 %(period)s 工作量") % {
            "code": asset.code, "period": label})
    reached = _("，已达到预计总工作量") if reading.cumulative >= asset.total_workload else ""
    summary = _("%(verb)s %(period)s 工作量：%(workload)s，累计 %(cumulative)s%(reached)s") % {
        "verb": _("录入") if before is None else _("更正"), "period": label,
        "workload": _workload_label(asset, workload), "cumulative": _workload_label(asset, reading.cumulative),
        "reached": reached}
    event_add(asset, EventKind.WORKLOAD, summary, actor=actor,
              data={"reading": reading.pk, "period": label, "workload": workload, "cumulative": reading.cumulative,
                    "before": before and {"workload": before.get("workload"), "cumulative": before.get("cumulative")}})
    return reading
