"""Units-of-production depreciation (工作量法): workload readings, the rule and its SQL twin, the
monthly run, reports, the form page and the API, as users see them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jiguan.assets import depreciation, selectors, services
from jiguan.assets.models import (
    Asset,
    AssetEvent,
    DepreciationEntry,
    DepreciationMethod,
    EventKind,
    WorkloadReading,
    period_index,
    period_of,
)
from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import acting_as
from jiguan.core.testing import make_user

from .conftest import decide

pytestmark = pytest.mark.django_db

# A vehicle of 300,000.00 yuan expected to run 500,000 km: 0.60 yuan a km.
VEHICLE = {"name": "公务用车", "class_code": "A02030000", "original_value": Decimal("300000.00"),
           "measure_unit": "辆", "acquired_on": date(2025, 1, 10), "dep_method": DepreciationMethod.UNITS,
           "total_workload": Decimal("500000"), "workload_unit": "km"}
JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG = (period_index(2025, m) for m in range(1, 9))
# month -> (workload, cumulative, accumulated at the end of the month, the month's charge)
READINGS = {
    JAN: ("10000", "10000.00", "6000.00", "6000.00"),
    FEB: ("12345.67", "22345.67", "13407.40", "7407.40"),
    # MAR: no reading, no work, no charge
    APR: ("8888.88", "31234.55", "18740.73", "5333.33"),
    MAY: ("400000", "431234.55", "258740.73", "240000.00"),
    JUN: ("60000", "491234.55", "294740.73", "36000.00"),
    JUL: ("20000", "511234.55", "300000.00", "5259.27"),     # past the total: only the rest
    AUG: ("1000", "512234.55", "300000.00", "0.00"),         # fully depreciated: nothing more
}


def accumulated_sql(card, period):
    return Asset.objects.filter(pk=card.pk).annotate(a=depreciation.accumulated_expr(period)).get().a


def record(card, period, workload, user, note=""):
    with acting_as(user):
        return services.workload_record(asset=card, period=period, workload=Decimal(workload), actor=user, note=note)


def fresh(card):
    return Asset.objects.get(pk=card.pk)


def period_error(exc) -> str:
    return " ".join(exc.value.message_dict["period"])


@pytest.fixture
def vehicle(tree, register):
    return register(tree.city_a_agency, **VEHICLE)


@pytest.fixture
def driven(vehicle, users):
    """The vehicle with every reading of READINGS recorded."""
    for period, (workload, *_rest) in READINGS.items():
        record(vehicle, period, workload, users["a_assets"])
    return fresh(vehicle)


def run_months(unit, periods, actor):
    with acting_as(actor):
        for period in periods:
            run = depreciation.run_start(unit=unit, period=period, actor=actor)
            depreciation.run_execute(run)
    return run


# ---------------------------------------------------------------------------------------------
# The rule and its twins
# ---------------------------------------------------------------------------------------------

def test_registration_starts_a_units_card_in_its_acquisition_month(vehicle):
    assert (vehicle.dep_method, vehicle.dep_anchor, vehicle.dep_months, vehicle.dep_base) == (
        DepreciationMethod.UNITS, JAN, 0, Decimal("0"))
    assert vehicle.accumulated_at(AUG) == Decimal("0.00") == accumulated_sql(vehicle, AUG)


def test_readings_give_the_monthly_amounts_and_stop_exactly_at_the_original_value(driven):
    cumulative = dict(WorkloadReading.objects.filter(asset=driven).values_list("period", "cumulative"))
    for period, (_workload, total, accumulated, amount) in READINGS.items():
        assert cumulative[period] == Decimal(total), period
        assert driven.accumulated_at(period) == Decimal(accumulated), period
        assert driven.accumulated_at(period) - driven.accumulated_at(period - 1) == Decimal(amount), period
    assert driven.accumulated_at(MAR) == driven.accumulated_at(FEB) == Decimal("13407.40")   # a month off
    assert driven.accumulated_at(JUL) == Decimal("300000.00") == driven.original_value
    assert driven.net_value_at(period_index(2030, 1)) == Decimal("0.00")
    assert driven.accumulated_at(JAN - 1) == Decimal("0.00")


def test_the_cent_is_rounded_half_up_in_both_twins(tree, register, users):
    # A copier of 12,345.65 yuan over 300 thousand pages (配置标准: 6 years or 300,000 pages);
    # 150 thousand pages make exactly 6,172.825, which is 6,172.83 to the cent (half up, not half even,
    # and not the 6,172.82 that binary floating point gives).
    copier = register(tree.city_a_agency, name="复印机", class_code="A02020000", original_value=Decimal("12345.65"),
                      acquired_on=date(2025, 1, 5), dep_method=DepreciationMethod.UNITS,
                      total_workload=Decimal("300"), workload_unit="千张")
    record(copier, JAN, "150", users["a_assets"])
    assert copier.accumulated_at(JAN) == Decimal("6172.83") == accumulated_sql(copier, JAN)


def test_python_and_sql_twins_agree_month_by_month(driven, tree, register, users):
    big = register(tree.city_a_agency, name="挖掘机", class_code="A02030000", original_value=Decimal("98765432.19"),
                   acquired_on=date(2025, 2, 1), dep_method=DepreciationMethod.UNITS,
                   total_workload=Decimal("99999.97"), workload_unit="台时")
    for period, hours in [(FEB, "0.01"), (MAR, "333.33")]:
        record(big, period, hours, users["a_assets"])
    with acting_as(users["a_assets"]):   # re-anchored in April: the twins must agree after it too
        services.asset_value_adjust(asset=big, delta=Decimal("1234567.89"), on=date(2025, 4, 1), reason="大修")
    for period, hours in [(MAY, "49999.99"), (JUL, "12345.67")]:
        record(big, period, hours, users["a_assets"])
    no_total = register(tree.city_a_agency, **{**VEHICLE, "name": "旧车", "total_workload": Decimal("1")})
    Asset.objects.filter(pk=no_total.pk).update(total_workload=None)  # a card from before the rule was enforced
    for card in (driven, fresh(big), fresh(no_total)):
        for period in range(JAN - 2, AUG + 3):
            assert card.accumulated_at(period) == accumulated_sql(card, period), (card.name, period)


def test_a_correction_moves_the_cumulative_of_the_later_months(driven, users):
    record(driven, FEB, "12000", users["a_assets"], note="里程表更正")
    cumulative = dict(WorkloadReading.objects.filter(asset=driven).values_list("period", "cumulative"))
    assert (cumulative[FEB], cumulative[APR], cumulative[AUG]) == (
        Decimal("22000.00"), Decimal("30888.88"), Decimal("511888.88"))
    assert driven.accumulated_at(FEB) == Decimal("13200.00") == accumulated_sql(driven, FEB)
    assert driven.accumulated_at(APR) == Decimal("18533.33") == accumulated_sql(driven, APR)
    event = AssetEvent.objects.filter(asset=driven, kind=EventKind.WORKLOAD).latest("id")
    assert event.summary == "更正 2025-02 工作量：12,000.00 km，累计 22,000.00 km"
    audit = AuditEvent.objects.filter(object_type="assets.workloadreading").latest("id")
    assert audit.action == Action.UPDATE and audit.actor == users["a_assets"]
    assert (audit.before["workload"], audit.after["workload"]) == ("12345.67", "12000.00")


def test_every_reading_is_audited_and_on_the_timeline(vehicle, users):
    reading = record(vehicle, JAN, "10000", users["a_assets"], note="1 月里程")
    assert (reading.cumulative, reading.recorded_by, reading.note) == (Decimal("10000"), users["a_assets"], "1 月里程")
    audit = AuditEvent.objects.get(object_type="assets.workloadreading", object_id=str(reading.pk))
    assert audit.action == Action.CREATE and audit.message == f"资产 {vehicle.code} 录入 2025-01 工作量"
    event = AssetEvent.objects.get(asset=vehicle, kind=EventKind.WORKLOAD)
    assert event.summary == "录入 2025-01 工作量：10,000.00 km，累计 10,000.00 km"
    assert event.actor == users["a_assets"]
    record(vehicle, JAN, "10000", users["a_assets"], note="1 月里程")     # the same again: nothing written
    assert AuditEvent.objects.filter(object_type="assets.workloadreading").count() == 1
    assert AssetEvent.objects.filter(asset=vehicle, kind=EventKind.WORKLOAD).count() == 1
    record(vehicle, FEB, "490000", users["a_assets"])
    assert AssetEvent.objects.filter(asset=vehicle, kind=EventKind.WORKLOAD).latest("id").summary == (
        "录入 2025-02 工作量：490,000.00 km，累计 500,000.00 km，已达到预计总工作量")


def test_a_value_adjustment_spreads_the_new_value_over_the_remaining_workload(vehicle, users):
    record(vehicle, JAN, "10000", users["a_assets"])
    record(vehicle, FEB, "12345.67", users["a_assets"])
    with acting_as(users["a_assets"]):
        card = services.asset_value_adjust(asset=vehicle, delta=Decimal("30000"), on=date(2025, 3, 1),
                                           reason="加装警用设备")
    # Charged by February stays (13,407.40); the new value less it, 316,592.60, over the remaining
    # 500,000 - 22,345.67 = 477,654.33 km.
    assert (card.dep_anchor, card.dep_base, card.original_value) == (MAR, Decimal("13407.40"), Decimal("330000.00"))
    assert card.accumulated_at(FEB) == Decimal("13407.40")
    record(card, MAR, "10000", users["a_assets"])
    assert card.accumulated_at(MAR) == Decimal("13407.40") + Decimal("6628.07") == accumulated_sql(card, MAR)
    record(card, APR, "467654.33", users["a_assets"])      # exactly the rest of the total
    assert card.accumulated_at(APR) == Decimal("330000.00") == accumulated_sql(card, APR)
    with pytest.raises(ValidationError) as exc:
        record(card, FEB, "1", users["a_assets"])
    assert period_error(exc) == "该资产的价值调整自 2025-03 起生效，此前月份的工作量不能再录入或修改。"
    with acting_as(users["a_assets"]), pytest.raises(ValidationError) as exc:
        services.asset_value_adjust(asset=card, delta=Decimal("-320000"), on=date(2025, 5, 1), reason="错误")
    assert exc.value.message_dict["delta"] == ["调整后原值不能低于已计提的累计折旧 330000.00 元。"]


def test_an_increase_on_a_fully_depreciated_card_is_charged_in_the_month_it_starts(driven, tree, users):
    sep = period_index(2025, 9)
    with acting_as(users["a_assets"]):
        card = services.asset_value_adjust(asset=driven, delta=Decimal("10000"), on=date(2025, 9, 1), reason="加装")
    assert card.accumulated_at(AUG) == Decimal("300000.00") == accumulated_sql(card, AUG)
    assert card.accumulated_at(sep) == Decimal("310000.00") == accumulated_sql(card, sep)   # no workload left
    run_months(tree.city_a, [sep, sep + 1], users["a_assets"])
    assert list(DepreciationEntry.objects.filter(asset=card).values_list("period", "amount")) == [
        (sep, Decimal("10000.00"))]


def test_no_charge_after_disposal(vehicle, tree, users, leaders, asset_flows, django_capture_on_commit_callbacks):
    today = period_of(timezone.localdate())
    record(vehicle, JAN, "10000", users["a_assets"])
    record(vehicle, today, "5000", users["a_assets"])        # this month, before it is disposed of
    with acting_as(users["a_assets"]):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[vehicle.pk], method="scrap",
                                            reason_code="obsolete", reason="报废", actor=users["a_assets"])
    decide(disposal, leaders["leader"], django_capture_on_commit_callbacks)
    card = fresh(vehicle)
    assert card.dep_stop == today - 1                      # 当月减少当月不再计提
    assert card.accumulated_at(today) == Decimal("6000.00") == accumulated_sql(card, today)
    assert card.accumulated_at(today + 6) == Decimal("6000.00") == accumulated_sql(card, today + 6)
    with pytest.raises(ValidationError) as exc:
        record(card, today, "6000", users["a_assets"])
    assert "处置当月起不再计提折旧" in period_error(exc)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

def test_what_cannot_be_recorded(vehicle, tree, register, users):
    computer = register(tree.city_a_agency)
    with pytest.raises(ValidationError) as exc:
        record(computer, JAN, "10", users["a_assets"])
    assert exc.value.messages == [f"资产“{computer.code}”不按工作量法计提折旧，不能录入工作量。"]
    future = period_of(timezone.localdate()) + 1
    with pytest.raises(ValidationError) as exc:
        record(vehicle, future, "10", users["a_assets"])
    assert period_error(exc) == f"不能录入未来月份（{future // 12}-{future % 12 + 1:02d}）的工作量。"
    with pytest.raises(ValidationError) as exc:
        record(vehicle, JAN - 1, "10", users["a_assets"])
    assert period_error(exc) == "该资产自 2025-01 起计提折旧，不能录入 2024-12 的工作量。"
    with pytest.raises(ValidationError) as exc:
        record(vehicle, JAN, "-1", users["a_assets"])
    assert exc.value.message_dict["workload"] == ["工作量不能为负数。"]
    with pytest.raises(ValidationError) as exc:
        record(vehicle, JAN, "1.234", users["a_assets"])
    assert "workload" in exc.value.message_dict
    assert not WorkloadReading.objects.exists()


def test_registration_needs_a_total_workload_above_zero(tree, register):
    for total in (None, Decimal("0"), Decimal("-5")):
        with pytest.raises(ValidationError) as exc:
            register(tree.city_a_agency, **{**VEHICLE, "total_workload": total})
        assert exc.value.message_dict["total_workload"] == ["工作量法须填写大于 0 的预计总工作量。"]


def test_a_class_that_is_not_depreciated_stays_so_whatever_the_method(tree, register):
    relic = register(tree.city_a_agency, **{**VEHICLE, "name": "青铜鼎", "class_code": "A03000000"})
    assert relic.dep_method == DepreciationMethod.NONE


def test_a_charged_month_is_closed_and_the_user_is_told_where_to_put_the_correction(vehicle, tree, users):
    record(vehicle, JAN, "10000", users["a_assets"])
    run_months(tree.city_b, [JAN, FEB], users["b_assets"])          # another city's runs close nothing here
    record(vehicle, FEB, "100", users["a_assets"])
    run_months(tree.province, [JAN, FEB, MAR], users["prov_assets"])  # a run above the card closes its months
    for month in (JAN, MAR):
        with pytest.raises(ValidationError) as exc:
            record(vehicle, month, "200", users["a_assets"])
        assert period_error(exc) == ("2025-03 及以前月份的折旧已经计提，这些月份的工作量不能再录入或修改。"
                                     "请把漏录或需更正的工作量计入 2025-04 或以后月份的工作量。")
    record(vehicle, APR, "300", users["a_assets"])
    assert WorkloadReading.objects.get(asset=vehicle, period=APR).cumulative == Decimal("10400.00")


# ---------------------------------------------------------------------------------------------
# The monthly run and reports
# ---------------------------------------------------------------------------------------------

def test_the_monthly_run_charges_units_cards_set_based_and_idempotently(driven, tree, register, users):
    computer = register(tree.city_a_agency, acquired_on=date(2025, 1, 10))
    run = run_months(tree.city_a, range(JAN, AUG + 1), users["a_assets"])
    again = run_months(tree.city_a, [MAY], users["a_assets"])          # the same month again
    ledger = {e.period: e for e in DepreciationEntry.objects.filter(asset=driven)}
    assert sorted(ledger) == [JAN, FEB, APR, MAY, JUN, JUL]            # none for March (no reading), August (full)
    for period, entry in ledger.items():
        assert (entry.amount, entry.accumulated) == (Decimal(READINGS[period][3]), Decimal(READINGS[period][2]))
        assert (entry.owner_unit, entry.class_code) == (tree.city_a_agency, "A02030000")
    assert sum(e.amount for e in ledger.values()) == Decimal("300000.00")
    assert DepreciationEntry.objects.filter(asset=computer).count() == 8   # straight-line beside it, unchanged
    run.refresh_from_db()
    again.refresh_from_db()
    assert (run.period, run.entry_count, run.amount) == (AUG, 1, Decimal("83.33"))
    assert (again.entry_count, again.amount) == (2, Decimal("240083.33"))
    assert DepreciationEntry.objects.filter(run=again).count() == 2


def test_reports_sum_units_cards_at_any_date(driven, tree, register, users):
    register(tree.city_a_agency, acquired_on=date(2025, 1, 10))        # a computer of 6,000.00, 83.33 a month
    summary = selectors.asset_summary(users["prov_assets"], tree.city_a, date(2025, 4, 30), level=5)
    by_class = {r.class_code: r for r in summary.rows if r.kind == selectors.ROW}
    assert by_class["A0203"].accumulated == Decimal("18740.73")          # the vehicle, by its workload
    assert by_class["A0201"].accumulated == Decimal("333.32")            # the computer, 4 months
    assert (summary.total.count, summary.total.original_value) == (2, Decimal("306000.00"))
    assert summary.total.accumulated == Decimal("19074.05")
    assert summary.total.net_value == Decimal("286925.95")


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------

def test_the_card_page_shows_the_readings_and_the_form_records_one(vehicle, tree, register, users, client_for):
    client = client_for(users["a_assets"])
    record(vehicle, JAN, "10000", users["a_assets"])
    run_months(tree.city_a, [JAN], users["a_assets"])
    page = client.get(reverse("assets:asset_detail", args=[vehicle.pk]), {"month": "2025-02"}).content.decode()
    assert 'id="action-workload"' in page and 'id="workload-table"' in page
    assert "预计总工作量" in page and "500,000.00 km" in page
    form_url = reverse("assets:asset_workload", args=[vehicle.pk])
    form = client.get(form_url)
    assert form.status_code == 200 and 'value="2025-02"' in form.content.decode()   # the next open month
    response = client.post(form_url, {"period": "2025-02", "workload": "12345.67", "note": "2 月"})
    assert response.status_code == 302 and response["Location"].endswith("#workload")
    page = client.get(reverse("assets:asset_detail", args=[vehicle.pk]), {"month": "2025-02"}).content.decode()
    assert "22,345.67" in page and "7,407.40" in page and "待计提" in page and "已计提" in page
    assert "13,407.40" in page                                           # 累计折旧 at the end of 2025-02
    response = client.post(form_url, {"period": "2025-01", "workload": "1"})
    assert response.status_code == 200
    assert "2025-01 及以前月份的折旧已经计提" in response.content.decode()
    computer = register(tree.city_a_agency)
    assert 'id="action-workload"' not in client.get(reverse("assets:asset_detail", args=[computer.pk])).content.decode()


def test_a_user_outside_the_unit_cannot_reach_the_form(vehicle, users, client_for):
    url = reverse("assets:asset_workload", args=[vehicle.pk])
    assert client_for(users["b_assets"]).get(url).status_code == 404
    assert client_for(users["b_assets"]).post(url, {"period": "2025-01", "workload": "1"}).status_code == 404
    assert not WorkloadReading.objects.exists()


# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------

def test_the_api_records_and_lists_readings(vehicle, users, api_client_for):
    api = api_client_for(users["a_assets"])
    url = f"/api/v1/assets/{vehicle.pk}/workload/"
    response = api.post(url, {"period": "2025-01", "workload": "10000", "note": "1 月"}, format="json")
    assert response.status_code == 201, response.json()
    assert {k: response.json()[k] for k in ("period", "workload", "cumulative", "depreciation", "charged")} == {
        "period": "2025-01", "workload": "10000.00", "cumulative": "10000.00", "depreciation": "6000.00",
        "charged": False}
    api.post(url, {"period": "2025-02", "workload": "12345.67"}, format="json")
    listing = api.get(url).json()
    assert listing["count"] == 2
    assert [(r["period"], r["depreciation"]) for r in listing["results"]] == [("2025-02", "7407.40"),
                                                                              ("2025-01", "6000.00")]
    card = api.get(f"/api/v1/assets/{vehicle.pk}/").json()
    assert card["depreciation"]["accumulated"] == "13407.40"     # at the end of this month


def test_api_errors_are_structured(vehicle, tree, register, users, api_client_for):
    api = api_client_for(users["a_assets"])
    url = f"/api/v1/assets/{vehicle.pk}/workload/"
    response = api.post(url, {"period": "2025-13", "workload": "1"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["period"] == ["期间格式应为 YYYY-MM，如 2026-11。"]
    response = api.post(url, {"period": "2024-12", "workload": "1"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "validation_error", "message": "提交的数据有误。", "fields": {
        "period": ["该资产自 2025-01 起计提折旧，不能录入 2024-12 的工作量。"]}}
    computer = register(tree.city_a_agency)
    response = api.post(f"/api/v1/assets/{computer.pk}/workload/", {"period": "2025-01", "workload": "1"},
                        format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "non_field_errors": [f"资产“{computer.code}”不按工作量法计提折旧，不能录入工作量。"]}


def test_api_scope_and_permission(vehicle, tree, users, api_client_for):
    url = f"/api/v1/assets/{vehicle.pk}/workload/"
    body = {"period": "2025-01", "workload": "1"}
    outside = api_client_for(users["b_assets"])
    assert outside.post(url, body, format="json").status_code == 404
    assert outside.get(url).status_code == 404
    leader = make_user("a_leader", tree.city_a_agency, [("unit_leader", tree.city_a_agency, True)])
    response = api_client_for(leader).post(url, body, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "您没有录入工作量的权限。"
    assert api_client_for(leader).get(url).status_code == 200       # a leader reads the readings
    assert not WorkloadReading.objects.exists()
