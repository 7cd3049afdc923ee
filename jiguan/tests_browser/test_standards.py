"""Data standards in the browser (issue 3): browsing the tables with their values, sources and
confidence, a key's version history, and importing a GB/T 14885-2022 catalogue from Excel, which
becomes one change request that the standards approver decides in 我的待办.

The shipped tables are loaded by a data migration; the browser tests run on a live server with
transactional tests, whose flush removes them, so the ``standards`` fixture loads them again."""

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.standards import services, shipped
from jiguan.standards.models import RequestKind, StandardChangeRequest
from jiguan.tests_browser.conftest import login, logout, shot
from jiguan.workflow.models import ApprovalRequest

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GBT = "GB/T 14885-2022《固定资产等资产基础分类与代码》"
HEADER = ["分类代码", "上级键", "名称", "依据文件", "可信度", "备注"]


@pytest.fixture
def standards(transactional_db):
    from django.apps import apps

    shipped.load(apps)  # idempotent: what migration 0002 loads


@pytest.fixture
def approver(tree, standards):
    return make_user("std_approver", tree.prov_agency, [("standards_approver", tree.province, True)],
                     full_name="孙丽")


@pytest.fixture
def flow(tree, approver):
    with acting_as(None, channel="command"):
        return services.default_flow_ensure(unit=tree.province)


def catalogue(bad_parent: bool = False) -> bytes:
    """Part of the GB/T 14885-2022 catalogue under 设备 → 信息化设备 → 计算机: the 门类 confirmed
    against the standard's text, and a few classes; optionally one row with a parent that exists
    nowhere."""
    rows = [
        ["A02000000", "", "设备", GBT, "[C]", "门类名称和代码已与标准原文核对"],
        ["A02010000", "A02000000", "信息化设备", GBT, "[C]", ""],
        ["A02010100", "A02010000", "计算机", GBT, "[C]", ""],
        ["A02010101", "A02010100", "巨/大/中型机", GBT, "[C]", ""],
        ["A02010102", "A02010100", "小型机", GBT, "[C]", ""],
        ["A02010103", "A02010100", "服务器", GBT, "[C]", ""],
        ["A02010104", "A02010100", "工作站", GBT, "[C]", ""],
        ["A02010105", "A02010100", "台式计算机", GBT, "[C]", ""],
        ["A02010106", "A02010100" if not bad_parent else "A0201O100", "平板式计算机", GBT, "[C]", ""],
        ["A02010199", "A02010100", "其他计算机", GBT, "[C]", ""],
    ]
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(page, content: bytes, name: str = "GB-T14885-2022-计算机.xlsx"):
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": XLSX, "buffer": content}])
    page.click("#submit")


def test_browse_the_tables_and_a_keys_history(page, live_server, users, standards):
    login(page, live_server, "sysadmin")
    nav = page.get_by_role("navigation", name="主导航")
    nav.get_by_role("link", name="标准目录").click()
    expect(page.locator("h1")).to_have_text("标准目录")
    rows = page.locator("table tbody tr")
    expect(rows.filter(has_text="depreciation_life")).to_contain_text("固定资产最低折旧年限")
    expect(rows.filter(has_text="gbt14885").first).to_contain_text("资产分类与代码（GB/T 14885-2022）")
    shot(page, "standards-tables")

    # 固定资产最低折旧年限: computer equipment 6 years, vehicles 8, with their source and confidence.
    page.get_by_role("link", name="固定资产最低折旧年限").click()
    expect(page.locator("h1")).to_have_text("固定资产最低折旧年限")
    expect(page.locator("#table-info")).to_contain_text("depreciation_life")
    computer = page.locator("table.table-list tbody tr", has=page.get_by_role("link", name="computer", exact=True))
    expect(computer).to_contain_text("计算机设备")
    expect(computer).to_contain_text("6 年")
    expect(computer).to_contain_text("财会〔2017〕4号")
    expect(computer.locator(".confidence")).to_have_text("[C]")
    vehicle = page.locator("table.table-list tbody tr", has=page.get_by_role("link", name="vehicle", exact=True))
    expect(vehicle).to_contain_text("车辆")
    expect(vehicle).to_contain_text("8 年")
    expect(vehicle.locator(".confidence")).to_have_text("[C]")
    expect(page.locator("#import-link")).to_be_visible()
    expect(page.locator("#export-xlsx")).to_be_visible()
    shot(page, "standards-depreciation")

    # A key's version history.
    computer.get_by_role("link", name="computer", exact=True).click()
    expect(page.locator("h1")).to_contain_text("computer")
    versions = page.locator("#versions tbody tr")
    expect(versions).to_have_count(1)
    expect(versions.first).to_contain_text("现行")
    expect(versions.first).to_contain_text("2017-01-01")
    expect(versions.first).to_contain_text("平台预置")
    shot(page, "standards-history")

    # 办公室人均使用面积标准: a section chief (正科级) of a county office, 18 m².
    nav.get_by_role("link", name="标准目录").click()
    page.get_by_role("link", name="办公室人均使用面积标准").click()
    expect(page.locator("h1")).to_have_text("办公室人均使用面积标准")
    page.fill("#id_q", "county")
    page.get_by_role("button", name="筛选", exact=True).click()
    rows = page.locator("table.table-list tbody tr")
    expect(rows.filter(has_text="县级机关")).to_have_count(1)
    expect(rows.filter(has_text="municipal")).to_have_count(0)  # the search narrows the list
    zhengke = page.locator("table.table-list tbody tr",
                           has=page.get_by_role("link", name="county.zhengke", exact=True))
    expect(zhengke).to_contain_text("正科级")
    expect(zhengke).to_contain_text("18 m²")
    expect(zhengke.locator(".confidence")).to_have_text("[S]")
    shot(page, "standards-office-area")


def test_import_a_catalogue_through_an_approved_change_request(page, live_server, users, flow, approver):
    login(page, live_server, "sysadmin")
    page.goto(live_server.url + "/standards/tables/gbt14885/")
    page.click("#import-link")
    expect(page.locator("h1")).to_have_text("导入资产分类与代码（GB/T 14885-2022）")
    expect(page.locator("#import-columns")).to_contain_text("分类代码")
    expect(page.locator("#download-template")).to_be_visible()
    page.fill("#id_effective_from", "2026-01-01")
    page.fill("#id_reason", "按 GB/T 14885-2022 原文补充“计算机”类的分类代码，并确认“设备”门类。")

    # One bad row: nothing is imported; the row, the column and the reason are listed.
    upload(page, catalogue(bad_parent=True))
    expect(page.locator("#import-result")).to_contain_text("未导入任何数据")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("第 10 行")
    expect(errors.first).to_contain_text("上级键")
    expect(errors.first).to_contain_text("找不到上级键“A0201O100”")
    expect(page.locator("#error-report")).to_be_visible()
    expect(page.locator("#id_effective_from")).to_have_value("2026-01-01")  # kept for the next upload
    shot(page, "standards-import-errors")
    assert not StandardChangeRequest.objects.exists()

    # The corrected file: one change request, pending in the approval flow.
    upload(page, catalogue())
    expect(page.locator(".alert-success")).to_contain_text("已生成变更申请")
    expect(page.locator("#status")).to_have_text("待审核")
    expect(page.locator("#kind")).to_have_text("批量导入")
    expect(page.locator("#item-counts")).to_contain_text("新增 6 条，修改 4 条")
    expect(page.locator("#approval-status")).to_have_text("审批中")
    items = page.locator("#items tbody tr")
    expect(items).to_have_count(10)
    door = page.locator("#items tbody tr[data-key='A02000000']")
    expect(door).to_contain_text("修改第 1 版")
    expect(door.locator("td[data-changed='confidence'] del")).to_contain_text("[?]")
    expect(page.locator("#items tbody tr[data-key='A02010103']")).to_contain_text("新增")
    shot(page, "standards-import-request")
    cr = StandardChangeRequest.objects.get()
    assert (cr.kind, cr.new_count, cr.changed_count) == (RequestKind.IMPORT, 6, 4)

    # The standards approver decides it in 我的待办; approval writes the ten versions.
    logout(page)
    login(page, live_server, "std_approver")
    page.goto(live_server.url + "/workflow/todo/")
    page.get_by_role("link", name=ApprovalRequest.objects.get().title).click()
    page.fill("#id_comment", "已与标准原文核对，同意。")
    page.click("#approve")
    expect(page.locator(".alert-success")).to_contain_text("已同意：")
    page.click("#business-object")
    expect(page.locator("#status")).to_have_text("已批准")
    expect(page.locator("#items tbody tr[data-key='A02000000']")).to_contain_text("第 2 版")
    expect(page.locator("#items tbody tr[data-key='A02010103']")).to_contain_text("第 1 版")
    shot(page, "standards-import-approved")

    # The history of the confirmed 门类: version 2 in force, compared with version 1.
    page.locator("#items tbody tr[data-key='A02000000']").get_by_role("link", name="A02000000").click()
    expect(page.locator("#versions tbody tr")).to_have_count(2)
    expect(page.locator("#versions tbody tr.table-success")).to_contain_text("现行")
    expect(page.locator("#comparison tr[data-field='confidence']")).to_contain_text("有变化")
    shot(page, "standards-history-compare")
