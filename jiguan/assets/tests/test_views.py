"""The pages of the assets app, as a user sees them: lists in scope, search, export, the card with
its depreciation and timeline, the operation forms, documents and the monthly run."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiguan.assets import depreciation
from jiguan.assets.models import (
    Asset,
    AssetEvent,
    AssetSettings,
    AssetStatus,
    ConfigurationRequest,
    DepreciationEntry,
    DepreciationRun,
    Disposal,
    DocStatus,
    EventKind,
    RepairRecord,
    RunStatus,
    Transfer,
    ValueChange,
    period_of,
)
from jiguan.assets.tables import yuan
from jiguan.core.testing import make_user

from .conftest import decide

pytestmark = pytest.mark.django_db

LIST = reverse("assets:asset_list")
REAL_LOCALDATE = timezone.localdate


def frozen_today(day: date):
    """Patch "today" (timezone.localdate() without arguments) for the pages and services."""
    def localdate(value=None, timezone=None):
        return day if value is None else REAL_LOCALDATE(value, timezone)

    return mock.patch("django.utils.timezone.localdate", side_effect=localdate)


def text(response) -> str:
    return response.content.decode()


def field(response, key: str) -> str:
    """The text of one figure on the card page (``<dd id="f-<key>">``)."""
    match = re.search(rf'id="f-{key}">(.*?)</dd>', text(response), re.S)
    assert match, f"f-{key} not on the page"
    return match.group(1).strip()


@pytest.fixture
def card(tree, register, users):
    return register(tree.city_a_agency, actor=users["a_assets"])


@pytest.fixture
def viewer(tree):
    """A unit leader of 甲市机关事务管理局: reads cards, may not operate on them."""
    return make_user("a_viewer", tree.city_a_agency, [("unit_leader", tree.city_a_agency, True)])


# ---------------------------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------------------------

def test_the_list_shows_only_cards_in_scope(tree, users, register, client_for):
    a_card = register(tree.city_a_agency, name="甲市的电脑")
    b_card = register(tree.city_b_agency, name="乙市的电脑")
    a_page = text(client_for(users["a_assets"]).get(LIST))
    b_page = text(client_for(users["b_assets"]).get(LIST))
    assert a_card.code in a_page and b_card.code not in a_page
    assert b_card.code in b_page and a_card.code not in b_page
    assert client_for(users["b_assets"]).get(a_card.get_absolute_url()).status_code == 404


def test_search_by_pinyin_initials_and_class_subtree(tree, users, register, client_for):
    desk = register(tree.city_a_agency, name="办公桌", class_code="A05010000", measure_unit="张")
    computer = register(tree.city_a_agency)
    client = client_for(users["a_assets"])
    page = text(client.get(LIST, {"q": "bgz"}))
    assert desk.code in page and computer.code not in page
    page = text(client.get(LIST, {"class_code": "A02010000"}))     # 信息化设备 and everything below it
    assert computer.code in page and desk.code not in page
    page = text(client.get(LIST, {"class_code": "A05000000"}))
    assert desk.code in page and computer.code not in page


def test_the_excel_export_holds_the_filtered_rows(tree, users, register, client_for):
    register(tree.city_a_agency, count=3)
    register(tree.city_a_agency, name="办公桌", class_code="A05010000")
    register(tree.city_b_agency)                                  # out of scope
    response = client_for(users["a_assets"]).get(LIST, {"class_code": "A02", "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[2], rows[3:]  # below the title and the 范围/条件/导出时间 line
    shown = Asset.objects.filter(owner_unit__path__startswith=tree.city_a.path, class_code__startswith="A02")
    assert len(body) == shown.count() == 3
    assert "净值（元）" in header and "资产编码" in header
    net = body[0][header.index("净值（元）")]
    card = Asset.objects.get(code=body[0][header.index("资产编码")])
    assert Decimal(str(net)) == card.net_value_at(period_of(timezone.localdate()))


def test_the_list_query_count_does_not_grow_with_the_rows(tree, users, register, client_for,
                                                          django_assert_max_num_queries):
    client = client_for(users["a_assets"])
    register(tree.city_a_agency, count=2, department=tree.city_a_dept, user=users["a_assets"])
    client.get(LIST)                                              # warm the caches of the page
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    register(tree.city_a_agency, count=25, department=tree.city_a_dept, user=users["a_assets"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = text(client.get(LIST))
    assert len(re.findall(r'<td[^>]*><a href="/assets/\d+/">', page)) == 27


def test_the_list_buttons_and_the_label_sheet_keeps_the_filters(tree, users, card, client_for, viewer):
    page = text(client_for(users["a_assets"]).get(LIST, {"status": "in_use", "q": "tsjsj"}))
    assert 'id="register-link"' in page and 'id="import-link"' in page
    assert f'{reverse("assets:label_sheet")}?status=in_use&amp;q=tsjsj' in page
    page = text(client_for(viewer).get(LIST))
    assert 'id="register-link"' not in page and 'id="import-link"' not in page
    assert card.code in page


# ---------------------------------------------------------------------------------------------
# The card
# ---------------------------------------------------------------------------------------------

def test_the_acceptance_computer_shows_2916_55_accumulated_at_the_end_of_november_2026(card, users, client_for):
    client = client_for(users["a_assets"])
    with frozen_today(date(2026, 11, 23)):
        response = client.get(card.get_absolute_url())
    assert field(response, "accumulated") == "2,916.55"
    assert field(response, "net-value") == "3,083.45"
    assert field(response, "monthly") == "83.33"
    assert field(response, "months") == "35 个月"
    assert field(response, "life") == "6 年（72 个月）"
    # Any month can be asked for; without one the page shows this month's figures.
    assert field(client.get(card.get_absolute_url(), {"month": "2026-11"}), "accumulated") == "2,916.55"
    assert field(client.get(card.get_absolute_url(), {"month": "2029-12"}), "accumulated") == "6,000.00"
    expected = depreciation.accumulated_at(card, period_of(timezone.localdate()))
    assert field(client.get(card.get_absolute_url()), "accumulated") == yuan(expected)


def test_the_card_groups_its_fields_and_shows_the_timeline_newest_first(card, users, client_for):
    page = text(client_for(users["a_assets"]).get(card.get_absolute_url()))
    for title in ("基本信息", "价值与折旧", "使用信息", "来源"):
        assert title in page
    assert "购置" in page and "财政拨款" in page and "计算机设备" in page    # names from the standards
    assert 'data-kind="register"' in page


def test_a_user_without_the_permission_sees_no_buttons_and_gets_403(card, viewer, users, client_for):
    client = client_for(viewer)
    page = text(client.get(card.get_absolute_url()))
    assert card.code in page
    for button in ("action-change", "action-issue", "action-return", "action-value", "action-repair",
                   "action-transfer", "action-dispose"):
        assert f'id="{button}"' not in page
    assert 'id="action-label"' in page
    for name in ("asset_change", "asset_issue", "asset_return", "asset_value", "asset_repair"):
        url = reverse(f"assets:{name}", args=[card.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {}).status_code == 403
    assert client_for(users["staff"]).get(LIST).status_code == 403


def test_the_manager_sees_the_buttons_the_status_allows(card, users, client_for):
    page = text(client_for(users["a_assets"]).get(card.get_absolute_url()))
    for button in ("action-change", "action-issue", "action-return", "action-value", "action-repair",
                   "action-transfer", "action-dispose", "action-label"):
        assert f'id="{button}"' in page
    assert f'{reverse("assets:transfer_create")}?assets={card.pk}' in page


# ---------------------------------------------------------------------------------------------
# Registration and operations
# ---------------------------------------------------------------------------------------------

def register_data(tree, **changes):
    data = {"owner_unit": tree.city_a_agency.pk, "name": "台式计算机", "class_code": "A02010105",
            "quantity": "1", "measure_unit": "台", "count": "1", "status": "in_use",
            "acquisition_method": "purchase", "acquired_on": "2024-01-15", "funding_source": "fiscal",
            "original_value": "6000.00", "dep_method": "straight_line", "location": "301 室"}
    data.update(changes)
    return data


def test_the_register_form_creates_a_card_and_shows_its_code(tree, users, client_for):
    client = client_for(users["a_assets"])
    assert client.get(reverse("assets:asset_create")).status_code == 200
    response = client.post(reverse("assets:asset_create"), register_data(tree, user="a_assets"), follow=True)
    card = Asset.objects.get()
    assert response.redirect_chain[-1][0] == card.get_absolute_url()
    page = text(response)
    assert f"资产编码 {card.code}" in page and card.code.startswith("350100")
    assert card.user == users["a_assets"] and card.life_months == 72 and card.location == "301 室"


def test_a_batch_registration_lists_the_new_cards(tree, users, client_for):
    response = client_for(users["a_assets"]).post(reverse("assets:asset_create"), register_data(tree, count="3"),
                                                  follow=True)
    codes = sorted(Asset.objects.values_list("code", flat=True))
    assert len(codes) == 3
    assert response.redirect_chain[-1][0] == f"{LIST}?code_from={codes[0]}&code_to={codes[-1]}"
    page = text(response)
    assert 'id="batch-notice"' in page and all(code in page for code in codes)


def test_a_service_error_shows_on_its_field_and_nothing_is_saved(tree, users, client_for):
    response = client_for(users["a_assets"]).post(reverse("assets:asset_create"),
                                                  register_data(tree, life_months="12"))
    assert response.status_code == 200
    assert "不得低于《政府固定资产折旧年限表》" in text(response)
    assert not Asset.objects.exists()


def test_the_register_form_offers_only_units_in_scope(tree, users, client_for):
    response = client_for(users["a_assets"]).post(reverse("assets:asset_create"),
                                                  register_data(tree, owner_unit=tree.city_b_agency.pk))
    assert response.status_code == 200 and not Asset.objects.exists()
    assert "选择一个有效的选项" in text(response)


def test_issue_then_return_changes_the_status_and_writes_the_timeline(tree, users, register, client_for):
    card = register(tree.city_a_agency, status="idle")
    holder = make_user("holder", tree.city_a_dept, full_name="张使用")
    client = client_for(users["a_assets"])
    response = client.post(reverse("assets:asset_issue", args=[card.pk]),
                           {"user": holder.pk, "department": tree.city_a_dept.pk, "location": "502 室",
                            "on": "2026-11-20"})
    assert response.status_code == 302 and response["Location"] == card.get_absolute_url()
    card.refresh_from_db()
    assert card.status == AssetStatus.IN_USE and card.user == holder and card.location == "502 室"
    response = client.post(reverse("assets:asset_return", args=[card.pk]), {"on": "2026-11-21"})
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.status == AssetStatus.IDLE and card.user is None
    page = text(client.get(card.get_absolute_url()))
    assert page.index('data-kind="return"') < page.index('data-kind="issue"') < page.index('data-kind="register"')
    assert "张使用" in page
    kinds = list(AssetEvent.objects.filter(asset=card).order_by("id").values_list("kind", flat=True))
    assert kinds == [EventKind.REGISTER, EventKind.ISSUE, EventKind.RETURN]


def test_issue_offers_only_people_of_the_owner_and_refuses_an_empty_form(card, tree, users, client_for):
    outsider = make_user("outsider", tree.city_b_agency)
    client = client_for(users["a_assets"])
    url = reverse("assets:asset_issue", args=[card.pk])
    page = text(client.get(url))
    assert "a_assets" in page or users["a_assets"].display_name in page
    assert outsider.display_name not in page
    response = client.post(url, {"user": outsider.pk, "on": "2026-11-20"})
    assert response.status_code == 200
    response = client.post(url, {"on": "2026-11-20"})
    assert "请选择领用人或领用部门" in text(response)


def test_change_value_adjustment_and_repair(card, users, leaders, asset_flows, client_for,
                                           django_capture_on_commit_callbacks):
    client = client_for(users["a_assets"])
    url = reverse("assets:asset_change", args=[card.pk])
    data = {"name": card.name, "measure_unit": card.measure_unit, "status": "in_use",
            "using_unit": card.using_unit_id, "location": "档案室", "brand": "联想"}
    assert client.post(url, data).status_code == 302
    card.refresh_from_db()
    assert card.location == "档案室" and card.brand == "联想"
    response = client.post(reverse("assets:asset_value", args=[card.pk]),
                           {"delta": "1200.00", "on": "2026-12-01", "reason": "加装内存"})
    change = ValueChange.objects.get(asset=card)
    assert response.status_code == 302 and response["Location"] == change.get_absolute_url()
    card.refresh_from_db()
    assert card.original_value == Decimal("6000.00")                     # not before approval
    page = text(client.get(change.get_absolute_url()))
    assert "审批中" in page and "+1,200.00" in page and "7,200.00" in page and "单位负责人审批" in page
    assert "正在办理价值调整" in text(client.get(card.get_absolute_url()))
    response = client.post(reverse("assets:asset_value", args=[card.pk]),
                           {"delta": "100.00", "on": "2026-12-01", "reason": "再加装"})
    assert f"已在进行中的价值调整 {change.number} 中" in text(response)
    decide(change, leaders["leader"], django_capture_on_commit_callbacks)
    card.refresh_from_db()
    change.refresh_from_db()
    assert card.original_value == Decimal("7200.00") and change.status == DocStatus.COMPLETED
    assert change.number in text(client.get(reverse("assets:value_change_list")))
    response = client.post(reverse("assets:asset_value", args=[card.pk]), {"delta": "0", "on": "2026-12-01",
                                                                          "reason": "无"})
    assert "调整金额不能为 0" in text(response)
    response = client.post(reverse("assets:asset_repair", args=[card.pk]),
                           {"repaired_on": "2026-11-10", "cost": "350.00", "vendor": "联想服务站",
                            "result": "更换硬盘", "under_repair": "on"})
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.status == AssetStatus.REPAIR and RepairRecord.objects.get().vendor == "联想服务站"
    page = text(client.get(card.get_absolute_url()))
    assert "更换硬盘" in page and "350.00" in page
    assert [e for e in AssetEvent.objects.filter(asset=card).values_list("kind", flat=True)][1:] == [
        EventKind.CHANGE, EventKind.VALUE_REQUESTED, EventKind.VALUE, EventKind.REPAIR]


def test_out_of_scope_operations_are_404(card, users, client_for):
    client = client_for(users["b_assets"])
    assert client.get(reverse("assets:asset_issue", args=[card.pk])).status_code == 404
    assert client.post(reverse("assets:asset_change", args=[card.pk]), {"name": "x"}).status_code == 404


# ---------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------

def test_a_transfer_from_the_card_through_the_page(card, tree, users, leaders, asset_flows, register, client_for):
    desk = register(tree.city_a_agency, name="办公桌", class_code="A05010000", status="idle")
    client = client_for(users["a_assets"])
    url = reverse("assets:transfer_create")
    page = text(client.get(url, {"assets": str(card.pk)}))
    assert f'name="assets" value="{card.pk}" id="card-{card.pk}" checked' in page
    # The search adds idle or in-use cards of the giving unit (an htmx partial).
    partial = text(client.get(url, {"candidates": "1", "from_unit": tree.city_a_agency.pk, "q": "bgz",
                                    "assets": card.pk}, HTTP_HX_REQUEST="true"))
    assert desk.code in partial and card.code not in partial and "<html" not in partial
    # The receiving unit may be outside the applicant's scope.
    response = client.post(url, {"from_unit": tree.city_a_agency.pk, "to_unit": tree.city_b_agency.pk,
                                 "reason": "工作调整", "assets": [card.pk, desk.pk]})
    transfer = Transfer.objects.get()
    assert response.status_code == 302 and response["Location"] == transfer.get_absolute_url()
    assert transfer.asset_count == 2 and transfer.status == DocStatus.PENDING
    page = text(client.get(transfer.get_absolute_url()))
    assert "审批中" in page and card.code in page and desk.code in page and 'id="approval-link"' in page
    page = text(client.get(card.get_absolute_url()))
    assert 'id="open-transfer"' in page and 'id="action-transfer"' not in page and 'id="action-dispose"' not in page
    assert transfer.number in text(client.get(reverse("assets:transfer_list")))
    # The receiving side sees the transfer, not yet the cards.
    b_client = client_for(users["b_assets"])
    assert b_client.get(transfer.get_absolute_url()).status_code == 200
    assert b_client.get(card.get_absolute_url()).status_code == 404


def test_a_transfer_needs_cards_and_shows_the_service_errors(card, tree, users, asset_flows, client_for):
    client = client_for(users["a_assets"])
    url = reverse("assets:transfer_create")
    response = client.post(url, {"from_unit": tree.city_a_agency.pk, "to_unit": tree.city_a_agency.pk,
                                 "reason": "x", "assets": [card.pk]})
    assert "调入单位不能与调出单位相同" in text(response)
    response = client.post(url, {"from_unit": tree.city_a_agency.pk, "to_unit": tree.city_b_agency.pk,
                                 "reason": "x"})
    assert "请至少选择一项资产" in text(response)
    assert not Transfer.objects.exists()


def test_a_disposal_and_its_result(card, tree, users, leaders, asset_flows, client_for,
                                   django_capture_on_commit_callbacks):

    client = client_for(users["a_assets"])
    url = reverse("assets:disposal_create")
    data = {"unit": tree.city_a_agency.pk, "method": "scrap", "reason": "无法维修", "assets": [card.pk]}
    response = client.post(url, data)
    assert "第二十一条" in text(response) and not Disposal.objects.exists()
    response = client.post(url, {**data, "reason_code": "obsolete"})
    disposal = Disposal.objects.get()
    assert response["Location"] == disposal.get_absolute_url()
    page = text(client.get(disposal.get_absolute_url()))
    assert "报废" in page and "因技术原因确需淘汰" in page and card.code in page
    decide(disposal, leaders["leader"], django_capture_on_commit_callbacks)
    response = client.post(reverse("assets:disposal_result", args=[disposal.pk]),
                           {"reply_no": "榕机管〔2026〕12号", "income": "150.00"})
    assert response.status_code == 302
    disposal.refresh_from_db()
    assert disposal.reply_no == "榕机管〔2026〕12号" and disposal.income == Decimal("150.00")
    page = text(client.get(disposal.get_absolute_url()))
    assert "已完成" in page and "榕机管〔2026〕12号" in page
    page = text(client.get(card.get_absolute_url()))
    assert "已处置" in page and 'id="action-change"' not in page and 'id="action-issue"' not in page


def test_a_configuration_request_over_the_cap_with_an_idle_card_in_scope(tree, users, register, asset_flows,
                                                                         client_for):
    idle = register(tree.city_a_agency, status="idle")
    client = client_for(users["a_assets"])
    url = reverse("assets:configuration_create")
    data = {"unit": tree.city_a_agency.pk, "item_name": "台式计算机", "class_code": "A02010105", "quantity": "2",
            "unit_price": "6500", "reason": "新进人员"}
    partial = text(client.get(url, {**data, "check": "1"}, HTTP_HX_REQUEST="true"))
    assert 'id="over-badge"' in partial and "5000" in partial and "中央行政单位通用办公设备家具配置标准" in partial
    assert idle.code in partial and "<html" not in partial
    page = text(client.post(url, {**data, "check": "1"}))                # 核对 without JavaScript
    assert 'id="over-badge"' in page and not ConfigurationRequest.objects.exists()
    page = text(client.post(url, data))                                  # idle cards: a reason is required
    assert "应优先调剂使用" in page and not ConfigurationRequest.objects.exists()
    response = client.post(url, {**data, "idle_reason": "闲置电脑配置过低"})
    request = ConfigurationRequest.objects.get()
    assert response["Location"] == request.get_absolute_url() and request.over_standard
    page = text(client.get(request.get_absolute_url()))
    assert 'id="over-badge"' in page and "二手来源" in page and idle.code in page


# ---------------------------------------------------------------------------------------------
# Depreciation and settings
# ---------------------------------------------------------------------------------------------

def test_a_run_reaches_100_percent_and_the_ledger_lists_its_entries(card, tree, users, client_for,
                                                                    django_capture_on_commit_callbacks):
    client = client_for(users["a_assets"])
    month = timezone.localdate().strftime("%Y-%m")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assets:run_create"), {"unit": tree.city_a.pk, "month": month})
    run = DepreciationRun.objects.get()
    assert response["Location"] == run.get_absolute_url()
    assert run.status == RunStatus.DONE and run.entry_count == 1
    page = text(client.get(run.get_absolute_url()))
    assert "100%" in page and 'id="ledger-link"' in page and 'hx-trigger="every' not in page
    entry = DepreciationEntry.objects.get()
    assert entry.amount == card.accumulated_at(run.period) - card.accumulated_at(run.period - 1)
    ledger = text(client.get(reverse("assets:ledger"), {"period": month, "owner": tree.city_a.pk}))
    assert card.code in ledger and yuan(entry.amount) in ledger
    assert card.code not in text(client.get(reverse("assets:ledger"), {"period": "2020-01"}))
    assert card.code not in text(client_for(users["b_assets"]).get(reverse("assets:ledger")))


def test_a_running_run_polls_itself(tree, users, card, client_for):
    from jiguan.core.context import acting_as

    with acting_as(users["a_assets"]):
        run = depreciation.run_start(unit=tree.city_a, period=period_of(timezone.localdate()),
                                     actor=users["a_assets"])
    client = client_for(users["a_assets"])
    page = text(client.get(run.get_absolute_url()))
    assert 'hx-trigger="every 1s"' in page and "0 / 1" in page
    depreciation.run_execute(run)
    partial = text(client.get(run.get_absolute_url(), HTTP_HX_REQUEST="true"))
    assert "100%" in partial and "hx-trigger" not in partial and "<html" not in partial


def test_a_future_month_is_refused(tree, users, client_for):
    future = period_of(timezone.localdate()) + 1
    response = client_for(users["a_assets"]).post(reverse("assets:run_create"), {
        "unit": tree.city_a.pk, "month": f"{future // 12:04d}-{future % 12 + 1:02d}"})
    assert response.status_code == 200 and "不能计提未来月份" in text(response)
    assert not DepreciationRun.objects.exists()


def test_settings_are_for_the_system_administrator(tree, users, client_for):
    url = reverse("assets:settings")
    assert client_for(users["a_assets"]).get(url).status_code == 403
    client = client_for(users["sysadmin"])
    page = text(client.get(url, {"unit": tree.city_a.pk}))
    assert "{region}{year}{seq:06d}" in page
    response = client.post(url, {"unit": tree.city_a.pk, "code_pattern": "JA{year}{seq:05d}",
                                 "start_rule": "next_month", "custom_fields": "asset_tag=财务编号"})
    assert response.status_code == 302
    row = AssetSettings.objects.get(unit=tree.city_a)
    assert row.code_pattern == "JA{year}{seq:05d}" and row.custom_fields == [{"key": "asset_tag", "label": "财务编号"}]
    response = client.post(url, {"unit": tree.city_a.pk, "code_pattern": "JA{year}", "start_rule": "same_month"})
    assert response.status_code == 200 and "必须包含流水号" in text(response)


# ---------------------------------------------------------------------------------------------
# Review findings 6 and 11: the card picker's unit and the route preview's card are read with
# parse_id (a non-ASCII digit is no id, never a 500); the picker offers no card any open document holds
# ---------------------------------------------------------------------------------------------

def test_a_non_ascii_digit_in_the_picker_the_route_preview_and_a_decision_is_no_id(tree, users, card, client_for,
                                                                                   api_client_for):
    client = client_for(users["a_assets"])
    for url in (reverse("assets:transfer_create"), reverse("assets:disposal_create")):
        for unit_field in ("from_unit", "unit"):
            response = client.get(url, {unit_field: "²", "q": "a", "candidates": "1"}, HTTP_HX_REQUEST="true")
            assert response.status_code == 200 and card.code not in text(response), url
        assert client.get(url, {"from_unit": "²", "unit": "²", "q": "a"}).status_code == 200
    preview = client.get("/workflow/route-preview/", {"business_type": "assets.value_change", "asset": "²",
                                                      "delta": "100"})
    assert preview.status_code == 200
    response = api_client_for(users["a_assets"]).post("/api/v1/workflow/requests/²/approve/", {}, format="json")
    assert response.status_code == 404


def test_the_picker_offers_no_card_held_by_an_open_value_change(tree, users, register, asset_flows, client_for):
    from jiguan.assets import services
    from jiguan.core.context import acting_as

    adjusted, free = register(tree.city_a_agency, count=2)
    with acting_as(users["a_assets"]):
        change = services.value_change_create(asset=adjusted, delta=Decimal("800"), on=timezone.localdate(),
                                              reason="加装内存", actor=users["a_assets"])
    client = client_for(users["a_assets"])
    for url, unit_field in ((reverse("assets:transfer_create"), "from_unit"),
                            (reverse("assets:disposal_create"), "unit")):
        partial = text(client.get(url, {"candidates": "1", unit_field: tree.city_a_agency.pk, "q": "tsjsj"},
                                  HTTP_HX_REQUEST="true"))
        assert free.code in partial and adjusted.code not in partial, url
    assert change.number  # still open: the card comes back once it closes
