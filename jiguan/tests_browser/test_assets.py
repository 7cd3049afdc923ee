"""Assets (资产管理) in the browser (issue 4, acceptance 7): a desktop computer's life from
registration to disposal — registered, issued to a person, transferred to another city's agency with
the leader's approval in 我的待办, then scrapped by its new owner — on a desktop and on a phone;
change, return, value adjustment and repair on a card; the list's pinyin search, class filter,
Excel export and label sheet; the monthly depreciation run, the summary report and a configuration
request over the standard; and the not-found page for a card outside the user's scope.

The shipped standards tables are loaded by migrations; the live-server tests are transactional and
their flush removes them, so ``standards`` loads them again. Fixtures of jiguan/assets/tests/ are
not visible here: the flows and the leaders are set up below as there."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.tests_browser.conftest import login, logout, ready, shot
from jiguan.tests_browser.pickers import pick, picker_box

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
ACQUIRED = date(2024, 1, 15)  # the computer of the acceptance example (issue 4, acceptance 1)
SPEC = "启天 M455"


# Fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def standards(transactional_db):
    """The standards tables the assets module reads (flushed by earlier transactional tests)."""
    from django.apps import apps

    from jiguan.assets.standards_data import ensure

    ensure(apps)  # idempotent: what the migrations load, flushed by transactional tests


@pytest.fixture
def leaders(tree):
    """The heads of 甲市机关事务管理局 and 乙市机关事务管理局: the first step of every asset flow."""
    return {
        "a_leader": make_user("a_leader", tree.city_a_agency, [("unit_leader", tree.city_a_agency, True)],
                              full_name="周强"),
        "b_leader": make_user("b_leader", tree.city_b_agency, [("unit_leader", tree.city_b_agency, True)],
                              full_name="冯刚"),
    }


@pytest.fixture
def asset_flows(standards, tree, leaders):
    """One-step flows at the province for the asset business types: the applicant's unit
    leader decides (a department applies through its agency)."""
    from jiguan.org.models import Role
    from jiguan.workflow.models import ApproverRelation, Flow, FlowStep

    with acting_as(None):
        for code, name in [("assets.transfer", "资产调拨审批"), ("assets.disposal", "资产处置审批"),
                           ("assets.purchase", "资产配置审批"), ("assets.value_change", "资产价值调整审批")]:
            flow = Flow.objects.create(business_type=code, name=name, unit=tree.province)
            FlowStep.objects.create(flow=flow, order=1, name="单位负责人审批",
                                    approver_role=Role.objects.get(code="unit_leader"),
                                    relation=ApproverRelation.SAME_UNIT)


def register(owner_unit, actor, name="台式计算机", class_code="A02010105", value="6000.00", count=1, **fields):
    """Cards registered through the service, as a user would on the 资产登记 page."""
    from jiguan.assets import services

    values = {"name": name, "class_code": class_code, "original_value": Decimal(value),
              "acquisition_method": "purchase", "acquired_on": ACQUIRED, "funding_source": "fiscal",
              "status": "in_use", **fields}
    with acting_as(actor):
        return services.asset_register(owner_unit=owner_unit, count=count, on=timezone.localdate(), **values)


def two_years_ago() -> date:
    """When the fixture's computers were bought: half-way through their life whenever the tests run."""
    today = timezone.localdate()
    return date(today.year - 2, today.month, 1)


@pytest.fixture
def city_a_cards(standards, tree, users):
    """What 甲市's asset manager already holds: two computers, a laptop, a printer, a desk, and an
    idle computer. 乙市 has a computer too (out of 甲市's scope)."""
    actor = users["a_assets"]
    cards = {
        "desktops": register(tree.city_a_agency, actor, count=2, spec_model="启天 M430", brand="联想",
                             location="2 楼 201 室", acquired_on=two_years_ago()),
        "laptop": register(tree.city_a_agency, actor, name="便携式计算机", class_code="A02010108", value="6800.00",
                           spec_model="ThinkPad X1", brand="联想", location="2 楼 203 室")[0],
        "printer": register(tree.county_a_agency, actor, name="激光打印机", class_code="A02020000", value="2300.00",
                            brand="惠普", location="1 楼 105 室", acquired_on=date(2022, 6, 8))[0],
        "desk": register(tree.city_a_agency, actor, name="办公桌", class_code="A05010000", value="2600.00",
                         measure_unit="张", location="2 楼 201 室", acquired_on=date(2019, 3, 20))[0],
        "idle": register(tree.city_a_agency, actor, spec_model="启天 M420", brand="联想", status="idle",
                         location="负一楼库房", acquired_on=date(2021, 9, 1))[0],
    }
    register(tree.city_b_agency, users["b_assets"], spec_model="H3C X5", brand="华三", location="乙市 3 楼")
    return cards


def expected_depreciation(value: Decimal, months_of_life: int, today: date, acquired: date = ACQUIRED,
                          disposed: bool = False) -> tuple[Decimal, Decimal]:
    """(accumulated, net) of a straight-line card at the end of this month, counted by hand: the
    month of acquisition is charged (当月增加当月计提), the month of disposal is not (当月减少当月不再
    计提), the last month takes the remainder."""
    months = (today.year - acquired.year) * 12 + today.month - acquired.month + (0 if disposed else 1)
    monthly = (value / months_of_life).quantize(Decimal("0.01"))
    accumulated = value if months >= months_of_life else monthly * months
    return accumulated, value - accumulated


def yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


# Helpers -----------------------------------------------------------------------------------------


def go(page, phone: bool, name: str) -> None:
    """Open a page through the left navigation (behind the 菜单 button on a phone: Bootstrap's
    offcanvas, so the page's scripts must be attached)."""
    ready(page)
    if phone:
        page.get_by_role("button", name="菜单").tap()
        page.locator("#sidebar").get_by_role("link", name=name).tap()
    else:
        page.locator("#sidebar").get_by_role("link", name=name).click()


def click(page, phone: bool, selector: str) -> None:
    if phone:
        page.locator(selector).tap()
    else:
        page.locator(selector).click()


def timeline(page):
    return page.locator("#timeline > li")


def check_fits(page, phone: bool) -> None:
    if phone:
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"sideways scrolling on {page.url}"


def approve_in_todo(page, phone: bool, title_part: str, comment: str, screenshot: str) -> None:
    """The leader opens the request from 我的待办 and approves it."""
    go(page, phone, "我的待办")
    expect(page.locator("h1")).to_have_text("我的待办")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name=re.compile(re.escape(title_part))).click()
    expect(page.locator("h1")).to_contain_text(title_part)
    expect(page.locator("#decision-card")).to_be_visible()
    page.fill("#id_comment", comment)
    check_fits(page, phone)
    shot(page, screenshot)
    click(page, phone, "#approve")
    expect(page.locator(".alert-success")).to_contain_text("已同意：")
    expect(page.locator("#request-status")).to_have_text("已通过")


# 1. Register → issue → transfer → dispose, on a desktop and on a phone -----------------------------


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_computer_from_registration_to_disposal(device, new_page, live_server, users, tree, leaders,
                                                  asset_flows, city_a_cards):
    from jiguan.assets.models import Asset, AssetStatus, Disposal, DocStatus, Transfer
    from jiguan.tests_browser.conftest import PHONE

    phone = device == "phone"
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2) if phone else new_page()
    prefix = "phone-" if phone else ""

    # 甲市's asset manager opens 资产卡片 and registers a new desktop computer.
    login(page, live_server, "a_assets")
    go(page, phone, "资产卡片")
    expect(page.locator("h1")).to_have_text("资产卡片")
    expect(page.locator("#asset-table tbody tr")).to_have_count(6)  # 甲市 and 甲县, not 乙市
    check_fits(page, phone)
    shot(page, f"{prefix}assets-list")

    click(page, phone, "#register-link")
    expect(page.locator("h1")).to_have_text("资产登记")
    pick(page, "id_owner_unit", "甲市机关", "甲市机关事务管理局", tap=phone)
    page.fill("#id_name", "台式计算机")
    pick(page, "id_class_code", "台式", "台式计算机", tap=phone)
    expect(page.locator("#id_class_code")).to_have_value("A02010105")
    page.fill("#id_spec_model", SPEC)
    page.fill("#id_brand", "联想")
    page.select_option("#id_acquisition_method", label="购置")
    page.fill("#id_acquired_on", ACQUIRED.isoformat())
    page.select_option("#id_funding_source", label="财政拨款")
    page.fill("#id_supplier", "福州某某信息技术有限公司")
    page.fill("#id_invoice_no", "35002400112233")
    page.fill("#id_original_value", "6000.00")
    page.fill("#id_location", "3 楼 305 室")
    check_fits(page, phone)
    shot(page, f"{prefix}assets-register")
    click(page, phone, "#submit")

    expect(page.locator(".alert-success")).to_contain_text("资产已登记，资产编码")
    card = Asset.objects.get(spec_model=SPEC)
    expect(page.locator(".alert-success")).to_contain_text(f"资产已登记，资产编码 {card.code}。")
    expect(page.locator("#asset-code")).to_have_text(card.code)
    accumulated, net = expected_depreciation(Decimal("6000.00"), 72, timezone.localdate())
    expect(page.locator("#f-original-value")).to_have_text("6,000.00")
    expect(page.locator("#f-life")).to_have_text("6 年（72 个月）")
    expect(page.locator("#f-monthly")).to_have_text("83.33")
    expect(page.locator("#f-accumulated")).to_have_text(yuan(accumulated))
    expect(page.locator("#f-net-value")).to_have_text(yuan(net))
    expect(page.locator("#f-acquisition")).to_have_text("购置")
    expect(page.locator("#f-funding")).to_have_text("财政拨款")
    expect(timeline(page)).to_have_count(1)
    expect(timeline(page).nth(0)).to_contain_text("验收登记")
    check_fits(page, phone)
    shot(page, f"{prefix}assets-card")

    # 领用: issued to 赵磊 of 甲市资产管理科.
    click(page, phone, "#action-issue")
    expect(page.locator("h1")).to_have_text("资产领用")
    pick(page, "id_user", "赵磊", "赵磊（staff）", tap=phone)
    pick(page, "id_department", "资产管理", "甲市资产管理科", tap=phone)
    page.fill("#id_location", "3 楼 306 室")
    check_fits(page, phone)
    shot(page, f"{prefix}assets-issue")
    click(page, phone, "#submit")
    expect(page.locator(".alert-success")).to_contain_text("已办理领用。")
    expect(page.locator("#f-user")).to_have_text("赵磊")
    expect(page.locator("#f-department")).to_have_text("甲市资产管理科")
    expect(page.locator("#f-location")).to_have_text("3 楼 306 室")
    expect(timeline(page).nth(0)).to_contain_text("领用")

    # 调拨 to 乙市机关事务管理局: the card is preselected, the applicant picks the receiving unit.
    click(page, phone, "#action-transfer")
    expect(page.locator("h1")).to_have_text("申请调拨")
    expect(page.locator("#selected-cards")).to_contain_text(card.code)
    expect(page.locator("#id_from_unit")).to_have_value(str(tree.city_a_agency.pk))
    # 调入单位 is a picker: any agency of the province, found by typing (pick waits for the scripts).
    pick(page, "id_to_unit", "乙市机关", "乙市机关事务管理局", tap=phone)
    expect(page.locator("#id_to_unit")).to_have_value(str(tree.city_b_agency.pk))
    page.fill("#id_reason", "乙市机关事务管理局新设资产管理岗位，调剂一台台式计算机。")
    check_fits(page, phone)
    shot(page, f"{prefix}assets-transfer-form")
    click(page, phone, "#submit")
    expect(page.locator(".alert-success")).to_contain_text("调拨申请已提交审批。")
    transfer = Transfer.objects.get()
    expect(page.locator("h1")).to_contain_text(transfer.number)
    expect(page.locator("#document-status")).to_contain_text("审批中")
    expect(page.locator("#items")).to_contain_text(card.code)
    # Before the approval the owner has not changed.
    page.goto(live_server.url + card.get_absolute_url())
    expect(page.locator("#f-owner-unit")).to_have_text("甲市机关事务管理局")
    expect(page.locator("#open-transfer")).to_contain_text(transfer.number)
    expect(page.locator("#action-transfer")).to_have_count(0)
    logout_on(page, phone)

    # 甲市机关事务管理局's head approves in 我的待办.
    login(page, live_server, "a_leader")
    approve_in_todo(page, phone, transfer.number, "同意调拨，请办理交接手续。", f"{prefix}assets-transfer-approve")
    logout_on(page, phone)
    transfer.refresh_from_db()
    assert transfer.status == DocStatus.COMPLETED

    # 乙市's asset manager now owns the card: its timeline shows the request and the transfer.
    login(page, live_server, "b_assets")
    page.goto(live_server.url + card.get_absolute_url())
    expect(page.locator("#f-owner-unit")).to_have_text("乙市机关事务管理局")
    expect(page.locator("#f-using-unit")).to_have_text("乙市机关事务管理局")
    expect(page.locator("#f-user")).to_have_text("—")
    kinds = timeline(page).locator("strong")
    expect(kinds).to_have_text(["调拨", "申请调拨", "领用", "验收登记"])
    expect(timeline(page).nth(0)).to_contain_text("甲市机关事务管理局 → 乙市机关事务管理局")
    expect(timeline(page).nth(0)).to_contain_text("周强")
    check_fits(page, phone)
    shot(page, f"{prefix}assets-card-timeline")

    # 处置: scrapped, with the Art 21 reason.
    click(page, phone, "#action-dispose")
    expect(page.locator("h1")).to_have_text("申请处置")
    expect(page.locator("#selected-cards")).to_contain_text(card.code)
    expect(page.locator("#id_unit")).to_have_value(str(tree.city_b_agency.pk))
    page.select_option("#id_method", label="报废")
    page.select_option("#id_reason_code", label="因技术原因确需淘汰或者无法维修、无维修价值")
    page.fill("#id_reason", "主板损坏，经售后检测无维修价值。")
    check_fits(page, phone)
    shot(page, f"{prefix}assets-disposal-form")
    click(page, phone, "#submit")
    expect(page.locator(".alert-success")).to_contain_text("处置申请已提交审批。")
    disposal = Disposal.objects.get()
    expect(page.locator("#method")).to_have_text("报废")
    page.goto(live_server.url + card.get_absolute_url())
    expect(page.locator("#f-status")).to_have_text("待处置")
    logout_on(page, phone)

    # 乙市机关事务管理局's head approves; the card closes.
    login(page, live_server, "b_leader")
    approve_in_todo(page, phone, disposal.number, "同意报废。", f"{prefix}assets-disposal-approve")
    logout_on(page, phone)

    login(page, live_server, "b_assets")
    page.goto(live_server.url + card.get_absolute_url())
    expect(page.locator("h1")).to_contain_text("已处置")
    expect(page.locator("#f-status")).to_have_text("已处置")
    today = timezone.localdate()
    expect(page.locator("#f-disposed")).to_have_text(today.isoformat())  # one date format: 2026-12-03
    expect(timeline(page).nth(0)).to_contain_text(f"处置完成（{disposal.number}）")
    accumulated, net = expected_depreciation(Decimal("6000.00"), 72, today, disposed=True)
    expect(page.locator("#f-this-month")).to_have_text("0.00")
    expect(page.locator("#f-accumulated")).to_have_text(yuan(accumulated))
    expect(page.locator("#f-net-value")).to_have_text(yuan(net))
    for action in ("#action-issue", "#action-transfer", "#action-dispose", "#action-change"):
        expect(page.locator(action)).to_have_count(0)
    check_fits(page, phone)
    shot(page, f"{prefix}assets-card-disposed")

    card.refresh_from_db()
    assert (card.owner_unit_id, card.status) == (tree.city_b_agency.pk, AssetStatus.DISPOSED)


def test_the_to_unit_picker_waits_for_the_page_scripts(page, live_server, users, tree, asset_flows, city_a_cards):
    """What made the journey above fail under load: the 调入单位 box was typed into as soon as it was
    parsed, before the scripts had attached their handlers, and the typing was lost. Here the page's
    scripts are held back (htmx, a script at the end of the page, is not served until the test lets
    it through; the picker's script runs after the page is parsed): the page is not ready and typing
    lists nothing; once the scripts have run the page is marked ready and the picker lists matches."""
    login(page, live_server, "a_assets")
    held = []

    def hold(route):
        held.append(route)

    page.route("**/static/vendor/htmx/htmx.min.js", hold)
    card = city_a_cards["idle"]
    with page.expect_request(lambda request: request.url.endswith("/htmx.min.js")):
        page.goto(f"{live_server.url}{reverse('assets:transfer_create')}?assets={card.pk}", wait_until="commit")
    box = picker_box(page, "id_to_unit")
    expect(box).to_be_editable()
    expect(page.locator("body")).not_to_have_attribute("data-ready", "1")
    box.fill("乙市机关")
    expect(page.locator("#id_to_unit_list")).not_to_have_class(re.compile(r"\bshow\b"))  # no handler yet

    assert len(held) == 1, held  # routed after the request event, before the round trips above
    held[0].continue_()
    pick(page, "id_to_unit", "乙市机关", "乙市机关事务管理局")
    expect(page.locator("#id_to_unit")).to_have_value(str(tree.city_b_agency.pk))


def logout_on(page, phone: bool) -> None:
    if phone:
        ready(page)  # the user menu is a Bootstrap dropdown
        page.locator("#user-menu").tap()
        page.get_by_role("button", name="退出登录").tap()
        page.wait_for_url("**/login/")
    else:
        logout(page)


def test_change_return_value_adjustment_and_repair(page, live_server, users, tree, leaders, asset_flows,
                                                   city_a_cards):
    card = city_a_cards["desktops"][0]
    login(page, live_server, "a_assets")
    page.goto(live_server.url + card.get_absolute_url())

    # 变更: a user and a keeper are named; the handover is recorded by itself.
    page.click("#action-change")
    expect(page.locator("h1")).to_have_text("资产变更")
    pick(page, "id_user", "赵磊", "赵磊（staff）")
    pick(page, "id_keeper", "陈静", "陈静（a_assets）")
    page.fill("#id_location", "2 楼 202 室")
    shot(page, "assets-change")
    page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("变更已保存。")
    expect(page.locator("#f-user")).to_have_text("赵磊")
    expect(page.locator("#f-keeper")).to_have_text("陈静")
    expect(timeline(page).locator("strong")).to_have_text(["交接", "变更", "验收登记"])
    expect(timeline(page).nth(0)).to_contain_text("交接：- → 赵磊")

    # 交回: the computer comes back to the store and is idle (available for reallocation).
    page.click("#action-return")
    expect(page.locator("h1")).to_have_text("资产交回")
    page.fill("#id_location", "负一楼库房")
    shot(page, "assets-return")
    page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("已办理交回。")
    expect(page.locator("#f-status")).to_have_text("闲置")
    expect(page.locator("#f-user")).to_have_text("—")

    # 价值调整: an upgrade of 800 yuan from this month, requested and approved by the unit's leader;
    # then the net value is spread over the months left.
    charged = 24  # bought two years ago: the months before this one
    before = Decimal("83.33") * charged
    monthly = ((Decimal("6800.00") - before) / (72 - charged)).quantize(Decimal("0.01"))
    page.click("#action-value")
    expect(page.locator("h1")).to_have_text("价值调整")
    page.fill("#id_delta", "800")
    page.fill("#id_reason", "加装内存和固态硬盘")
    shot(page, "assets-value")
    page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("价值调整申请已提交。")
    expect(page.locator("h1")).to_contain_text("资产价值调整 TZ-")
    expect(page.locator("#document-status")).to_have_text("审批中")
    expect(page.locator("#value-change-after")).to_have_text("6,800.00")
    shot(page, "assets-value-change")
    page.click("#value-change-asset")
    expect(page.locator("#open-value_change")).to_contain_text("该资产正在办理价值调整")
    expect(page.locator("#f-original-value")).to_have_text("6,000.00")       # not before approval
    logout(page)
    login(page, live_server, "a_leader")
    approve_in_todo(page, False, "资产价值调整", "同意升级", "assets-value-approve")
    logout(page)
    login(page, live_server, "a_assets")
    page.goto(live_server.url + card.get_absolute_url())
    expect(page.locator("#f-original-value")).to_have_text("6,800.00")
    expect(page.locator("#f-monthly")).to_have_text(yuan(monthly))
    expect(page.locator("#f-accumulated")).to_have_text(yuan(before + monthly))
    expect(timeline(page).nth(0)).to_contain_text("价值调整：+800.00 元，调整后原值 6,800.00 元（加装内存和固态硬盘）")
    expect(timeline(page).nth(0)).to_contain_text("周强")

    # 维修登记, the computer stays in repair.
    page.click("#action-repair")
    expect(page.locator("h1")).to_have_text("维修登记")
    page.fill("#id_cost", "350")
    page.fill("#id_vendor", "甲市某某电脑维修部")
    page.fill("#id_result", "更换电源")
    page.check("#id_under_repair")
    shot(page, "assets-repair")
    page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("维修记录已保存。")
    expect(page.locator("#f-status")).to_have_text("维修中")
    expect(page.locator("#repairs")).to_contain_text("更换电源")
    expect(page.locator("#repairs")).to_contain_text("350.00 元")
    expect(timeline(page).locator("strong")).to_have_text(["维修", "价值调整", "申请价值调整", "交回", "交接", "变更", "验收登记"])
    shot(page, "assets-card-history")


# 2. The list: pinyin, class subtree, Excel, labels -----------------------------------------------


def test_the_list_searches_exports_and_prints_labels(page, live_server, users, tree, city_a_cards):
    login(page, live_server, "a_assets")
    page.goto(live_server.url + reverse("assets:asset_list"))
    rows = page.locator("#asset-table tbody tr")
    expect(rows).to_have_count(6)

    # Pinyin initials of 台式计算机: the two in use and the idle one, not the laptop.
    page.fill("#id_q", "tsjsj")
    page.get_by_role("button", name="筛选", exact=True).click()
    expect(rows).to_have_count(3)
    for row in range(3):
        expect(rows.nth(row)).to_contain_text("台式计算机")
    expect(page.locator("#asset-table")).not_to_contain_text("便携式计算机")
    shot(page, "assets-list-search")

    # A class and everything below it: 信息化设备 (A0201) holds the computers and the laptop.
    page.fill("#id_q", "")
    pick(page, "id_class_code", "A0201", "信息化设备")
    page.get_by_role("button", name="筛选", exact=True).click()
    expect(rows).to_have_count(4)
    expect(page.locator("#asset-table")).to_contain_text("便携式计算机")
    expect(page.locator("#asset-table")).not_to_contain_text("激光打印机")
    expect(page.locator("#asset-table")).not_to_contain_text("办公桌")

    # The export holds what the page shows.
    with page.expect_download() as info:
        page.click("#export-xlsx")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][0] == "资产卡片" and str(table[1][0]).startswith("范围：")  # title, scope and conditions
    header, body = table[2], [r for r in table[3:] if any(v not in (None, "") for v in r)]
    assert len(body) == 4
    names = {r[header.index("资产名称")] for r in body}
    assert names == {"台式计算机", "便携式计算机"}
    codes = {r[header.index("资产编码")] for r in body}
    assert city_a_cards["laptop"].code in codes and city_a_cards["desk"].code not in codes

    # 打印标签 opens the labels of the filtered cards as a PDF in a new tab. Chromium's PDF viewer
    # would load its own chrome-extension:// files, which the traffic check counts as leaving the
    # live server: the test hands the PDF to the browser as a download instead (what the server
    # sent is checked as it was).
    served = []

    def as_download(route):
        response = route.fetch()
        served.append(response.headers)
        headers = {**response.headers, "content-disposition": "attachment; filename=labels.pdf"}
        route.fulfill(response=response, headers=headers)

    page.context.route("**/assets/labels.pdf*", as_download)
    with page.expect_download() as download_info:
        page.click("#label-sheet-link")
    assert served[0]["content-type"] == "application/pdf"
    assert served[0]["content-disposition"].startswith("inline;")
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    document = pdfium.PdfDocument(pdf)
    try:
        text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    for code in codes:
        assert code in text, code
    assert city_a_cards["desk"].code not in text


def test_the_list_fits_1366_chooses_columns_sorts_and_acts_on_ticked_rows(new_page, live_server, users, tree,
                                                                           city_a_cards):
    """At 1366 px every default column is on screen (状态, 原值, 净值 included); 列设置 adds 存放地点 and
    is remembered; 资产编码 sorts; two ticked cards go to 申请调拨 together."""
    page = new_page(viewport={"width": 1366, "height": 768})
    login(page, live_server, "a_assets")
    page.goto(live_server.url + reverse("assets:asset_list"))
    table = page.locator("#asset-table")
    expect(table.locator("tbody tr")).to_have_count(6)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    for label in ("使用状态", "原值（元）", "净值（元）"):
        box = table.locator("thead th", has_text=label).bounding_box()
        assert box["x"] + box["width"] <= 1366, (label, box)
    expect(table.locator("thead")).not_to_contain_text("存放地点")
    shot(page, "assets-list-1366", full_page=False)

    ready(page)
    page.click("#column-chooser-toggle")
    page.check("#column-location")
    shot(page, "assets-list-columns", full_page=False)
    with page.expect_navigation():
        page.click("#column-chooser-save")
    expect(page.locator(".alert-success")).to_contain_text("已保存显示的列。")
    expect(table.locator("thead")).to_contain_text("存放地点")
    expect(table).to_contain_text("负一楼库房")
    page.reload()
    expect(table.locator("thead")).to_contain_text("存放地点")     # saved for this user

    with page.expect_navigation():
        table.locator("thead a[data-sort=code]").click()
    expect(table.locator("thead th[aria-sort=ascending]")).to_contain_text("资产编码")
    shown = [t.strip() for t in table.locator("tbody td.cell-link").all_inner_texts()]
    assert shown == sorted(shown)

    ready(page)
    expect(page.locator("#bulk-transfer")).to_be_disabled()
    desktops = city_a_cards["desktops"]
    for card in desktops:
        table.locator(f"input[data-row-check][value='{card.pk}']").check()
    expect(page.locator("#bulk-count")).to_have_text("已选 2 项")
    expect(page.locator("#bulk-transfer")).to_be_enabled()
    with page.expect_navigation():
        page.click("#bulk-transfer")
    expect(page.locator("h1")).to_have_text("申请调拨")
    for card in desktops:
        expect(page.locator("#selected-cards")).to_contain_text(card.code)


def test_on_a_phone_each_card_of_the_list_is_a_card(phone_page, live_server, users, tree, city_a_cards):
    page = phone_page
    login(page, live_server, "a_assets")
    page.goto(live_server.url + reverse("assets:asset_list"))
    rows = page.locator("#asset-table tbody tr")
    expect(rows).to_have_count(6)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    expect(page.locator("#asset-table thead")).to_be_hidden()
    first = rows.first
    for label in ("使用状态", "使用人", "原值（元）"):
        expect(first.locator(f"td[data-label='{label}']")).to_be_visible()
    shot(page, "assets-list-phone")


def test_the_unit_head_approves_a_disposal_on_the_home_page(page, live_server, users, tree, leaders, asset_flows,
                                                             city_a_cards):
    """A disposal filed by 甲市's asset manager waits for 周强: his home page lists it with its value;
    同意 keeps him on the home page, the card is disposed of and the applicant hears the outcome."""
    from jiguan.assets import services
    from jiguan.assets.models import AssetStatus
    from jiguan.notifications.models import Notification

    card = city_a_cards["idle"]
    with acting_as(users["a_assets"]):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], method="scrap",
                                            reason_code="obsolete", reason="主板损坏，无维修价值",
                                            actor=users["a_assets"])
    login(page, live_server, "a_leader")
    panel = page.locator("#panel-workflowtodo")
    item = panel.locator(".home-todo-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(disposal.number)
    expect(item).to_contain_text("6,000.00 元")
    shot(page, "home-approve-disposal")
    with page.expect_navigation():
        item.get_by_role("button", name="同意").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator(".alert-success")).to_contain_text("已同意：")
    expect(panel.locator("#todo-empty")).to_have_text("没有等待您审批的申请。")
    card.refresh_from_db()
    assert card.status == AssetStatus.DISPOSED
    assert Notification.objects.filter(recipient=users["a_assets"], title__startswith="审批结果").exists()


# 3. Depreciation, report, configuration request --------------------------------------------------


def test_the_monthly_depreciation_run_and_the_ledger(page, live_server, users, tree, city_a_cards):
    from jiguan.assets.models import DepreciationEntry

    login(page, live_server, "a_assets")
    go(page, False, "折旧计提")
    expect(page.locator("h1")).to_have_text("折旧计提")
    page.click("#create-link")
    expect(page.locator("h1")).to_have_text("计提折旧")
    expect(picker_box(page, "id_unit")).to_have_value("甲市")
    this_month = timezone.localdate().strftime("%Y-%m")
    expect(page.locator("#id_month")).to_have_value(this_month)
    page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("已开始计提折旧。")
    expect(page.locator("#run-percent")).to_have_text("100%")
    expect(page.locator("#run-status")).to_have_text("已完成")
    entries = DepreciationEntry.objects.filter(owner_unit__path__startswith=tree.city_a.path)
    expect(page.locator("#run-done")).to_have_text(re.compile(r"^6 / 6$"))
    expect(page.locator("#run-entries")).to_have_text(str(entries.count()))
    total = sum((e.amount for e in entries), Decimal("0"))
    expect(page.locator("#run-amount")).to_have_text(yuan(total))
    shot(page, "assets-depreciation-run")

    page.click("#ledger-link")
    expect(page.locator("h1")).to_have_text("折旧明细账")
    expect(page.locator("table tbody tr")).to_have_count(entries.count())
    desktop = page.locator("table tbody tr").filter(has_text=city_a_cards["desktops"][0].code)
    accumulated, _net = expected_depreciation(Decimal("6000.00"), 72, timezone.localdate(), two_years_ago())
    expect(desktop).to_contain_text("83.33")
    expect(desktop).to_contain_text(yuan(accumulated))
    expect(page.locator("table tbody")).not_to_contain_text("乙市")
    shot(page, "assets-ledger")


def test_the_summary_report(page, live_server, users, tree, city_a_cards):
    from jiguan.assets.models import Asset

    login(page, live_server, "a_assets")
    go(page, False, "资产报表")
    expect(page.locator("h1")).to_have_text("资产汇总表")
    expect(page.locator("#report-caption")).to_contain_text("统计范围：甲市及其下级单位")
    total = page.locator("#report-table tbody tr[data-kind='total']")
    expect(total).to_have_count(1)
    cards = Asset.objects.filter(owner_unit__path__startswith=tree.city_a.path)
    value = sum((c.original_value for c in cards), Decimal("0"))
    expect(total).to_contain_text(str(cards.count()))
    expect(total).to_contain_text(yuan(value))
    shot(page, "assets-report")


def test_a_configuration_request_over_the_standard_offers_the_idle_computer(page, live_server, users, tree,
                                                                            asset_flows, city_a_cards):
    from jiguan.assets.models import ConfigurationRequest

    idle = city_a_cards["idle"]
    login(page, live_server, "a_assets")
    go(page, False, "配置申请")
    expect(page.locator("h1")).to_have_text("配置申请")
    page.click("#create-link")
    expect(page.locator("h1")).to_have_text("申请配置")
    ready(page)  # the standard check below is htmx, wired when the page has loaded
    pick(page, "id_unit", "甲市机关", "甲市机关事务管理局")
    page.fill("#id_item_name", "台式计算机")
    pick(page, "id_class_code", "台式", "台式计算机")
    page.fill("#id_quantity", "2")
    page.fill("#id_unit_price", "8000")
    page.fill("#id_reason", "新进人员办公使用。")
    # The check appears while the form is filled (htmx): over the cap, with the idle card first.
    panel = page.locator("#check-panel")
    expect(panel.locator("#over-badge")).to_have_text("超标准")
    expect(panel).to_contain_text("通用办公设备家具配置标准")
    expect(panel).to_contain_text("单价 8000 元超过“台式计算机”配置标准上限")
    expect(panel.locator("#idle-matches")).to_contain_text(idle.code)
    expect(panel.locator("#idle-matches")).to_contain_text("应优先调剂使用（条例第十一条）")
    shot(page, "assets-configuration")

    # Submitting without a reason not to reallocate is refused.
    page.click("#submit")
    expect(page.locator("#id_idle_reason ~ .invalid-feedback")).to_contain_text(
        f"您的数据范围内有 1 项同类闲置资产（如 {idle.code}），应优先调剂使用")
    expect(panel.locator("#over-badge")).to_have_text("超标准")
    shot(page, "assets-configuration-refused")
    assert not ConfigurationRequest.objects.exists()
    page.fill("#id_idle_reason", "闲置的计算机为 2021 年购置，配置已不能运行业务系统。")
    page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("配置申请已提交审批。")
    request = ConfigurationRequest.objects.get()
    expect(page.locator("h1")).to_contain_text(request.number)
    expect(page.locator("h1 #over-badge")).to_have_text("超标准")
    expect(page.locator("#check-notes")).to_contain_text("通用办公设备家具配置标准")
    expect(page.locator("#idle-notes")).to_contain_text(idle.code)
    shot(page, "assets-configuration-detail")
    assert request.over_standard and request.idle_offered == 1


# 4. Out of scope ---------------------------------------------------------------------------------


def test_a_city_b_manager_gets_the_not_found_page_for_a_city_a_card(page, live_server, users, city_a_cards):
    card = city_a_cards["laptop"]
    login(page, live_server, "b_assets")
    response = page.goto(live_server.url + card.get_absolute_url())
    assert response.status == 404
    expect(page.locator("main")).to_contain_text("页面不存在")
    expect(page.locator("main")).to_contain_text("您要找的页面或记录不存在，或不在您的数据范围内。")
    expect(page.locator("main")).not_to_contain_text(card.code)
    response = page.goto(live_server.url + reverse("assets:asset_issue", args=[card.pk]))
    assert response.status == 404
