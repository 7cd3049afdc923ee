"""Importing asset cards (资产卡片导入): all or nothing, the same card as the service, 2010 class codes,
scope, set-based commit with a bounded number of queries, and the background job with its progress page."""

import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from jiguan.assets import events as asset_events
from jiguan.assets import services
from jiguan.assets.imports import AssetImporter
from jiguan.assets.models import Asset, AssetEvent, AssetStatus, EventKind
from jiguan.audit.models import Action, AuditEvent
from jiguan.core import events
from jiguan.core.context import acting_as
from jiguan.core.events.testing import Receiver
from jiguan.core.imports import ImportJob, importer_for
from jiguan.core.models import DeliveryStatus, Event, EventDelivery
from jiguan.core.testing.imports import (
    XLSX,
    api_upload,
    csv_bytes,
    follow_job,
    job_token,
    page_errors,
    page_messages,
    report_rows,
    upload,
    xlsx_bytes,
)

URL = "/assets/import/"
TEMPLATE_URL = "/assets/import/template.xlsx"
API = "/api/v1/assets/import/"
HEADER = ["资产名称", "资产分类代码", "规格型号", "品牌", "数量", "计量单位", "原值（元）", "取得方式", "取得日期", "资金来源",
          "供应商", "合同编号", "发票号", "产权单位", "使用单位", "使用部门", "使用人", "存放地点", "使用状态", "折旧类别",
          "折旧年限（月）", "保修截止日期", "备注"]
COLUMN = {label: index for index, label in enumerate(HEADER)}
OWNER = "甲市机关事务管理局"


@pytest.fixture(autouse=True)
def import_settings(settings, tmp_path):
    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"  # import files go through the private storage
    return settings


def card_row(i, **changes):
    """One row of the file as a list in HEADER order; ``changes`` by column label."""
    values = {"资产名称": f"台式计算机{i}", "资产分类代码": "A02010105", "规格型号": "ThinkCentre M90", "品牌": "联想",
              "数量": 1, "计量单位": "台", "原值（元）": f"{6000 + i}.50", "取得方式": "购置", "取得日期": "2024-01-15",
              "资金来源": "财政拨款", "供应商": "某科技有限公司", "合同编号": f"HT-2024-{i:04d}",
              "发票号": f"0{44001900 + i}", "产权单位": OWNER, "使用单位": "", "使用部门": "", "使用人": "",
              "存放地点": "3 楼 301", "使用状态": "在用", "折旧类别": "", "折旧年限（月）": "", "保修截止日期": "", "备注": ""}
    values.update(changes)
    return [values[h] for h in HEADER]


def card_rows(n, start=1, **changes):
    return [card_row(i, **changes) for i in range(start, start + n)]


@pytest.fixture
def manager(users):
    return users["prov_assets"]


@pytest.fixture
def manager_client(manager, client_for):
    return client_for(manager)


# Pages ----------------------------------------------------------------------------------------------


def test_page_shows_form_instructions_and_template_link(manager_client):
    response = manager_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "导入资产卡片" in html and 'enctype="multipart/form-data"' in html and TEMPLATE_URL in html
    assert "GB/T 14885-2010" in html and "只要有一行有错误，就不会导入任何数据" in html
    assert "购置" in html and "财政拨款" in html and "计算机设备" in html  # names from the standards tables


def test_template_has_every_column_and_an_example_row(manager_client):
    response = manager_client.get(TEMPLATE_URL)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["资产卡片", "填写说明"]
    assert [c.value for c in wb["资产卡片"][1]] == HEADER
    example = dict(zip(HEADER, [c.value for c in wb["资产卡片"][2]], strict=True))
    assert example["资产分类代码"] == "A02010105" and example["取得方式"] == "购置" and example["产权单位"] == OWNER
    notes = {row[0].value: row[1].value for row in wb["填写说明"].iter_rows(min_row=2, max_row=24)}
    assert notes["原值（元）"] == "必填" and notes["产权单位"] == "必填" and notes["使用人"] == "选填"


@pytest.mark.parametrize("username", ["staff", "auditor", "sysadmin"])
def test_import_needs_the_import_permission(users, client_for, username):
    client = client_for(users[username])
    assert client.get(URL).status_code == 403
    assert client.get(TEMPLATE_URL).status_code == 403
    assert upload(client, URL, xlsx_bytes(card_rows(2), HEADER)).status_code == 403
    assert not Asset.objects.exists()


def test_the_example_row_of_the_template_is_ignored(manager_client):
    template = load_workbook(io.BytesIO(manager_client.get(TEMPLATE_URL).content))
    ws = template["资产卡片"]
    ws.append(card_row(1))
    buffer = io.BytesIO()
    template.save(buffer)
    assert upload(manager_client, URL, buffer.getvalue()).status_code == 302
    assert list(Asset.objects.values_list("name", flat=True)) == ["台式计算机1"]


# Acceptance 2: 1,000 rows, one bad row ---------------------------------------------------------------


def test_one_bad_row_in_1000_imports_nothing_then_the_corrected_file_imports_all(manager_client, manager, tree):
    rows = card_rows(1000)
    rows[536][COLUMN["原值（元）"]] = "abc"  # file row 538 (the header is row 1)
    audit_before = AuditEvent.objects.count()
    response = upload(manager_client, URL, xlsx_bytes(rows, HEADER), name="资产卡片.xlsx")
    assert response.status_code == 200
    assert not Asset.objects.exists() and not AssetEvent.objects.exists()
    assert AuditEvent.objects.count() == audit_before
    assert page_errors(response) == [(538, "原值（元）", "abc")]
    assert response.context["errors"][0].message == "应为数字。"
    assert response.context["result"].total_rows == 1000 and response.context["result"].bad_rows == 1
    html = response.content.decode()
    assert "未导入任何数据" in html and "第 538 行" in html and "应为数字。" in html
    # The error report names the same row and column.
    report = manager_client.get(response.context["report_url"])
    assert report.status_code == 200 and report["Content-Type"] == XLSX
    assert report_rows(report)[1:] == [[538, "原值（元）", "abc", "应为数字。"]]

    rows[536][COLUMN["原值（元）"]] = "6537.50"
    response = upload(manager_client, URL, xlsx_bytes(rows, HEADER), name="资产卡片.xlsx")
    assert response.status_code == 302 and response["Location"] == "/assets/"
    assert "已成功导入 1000 张资产卡片。" in manager_client.get("/assets/").content.decode()
    cards = Asset.objects.all()
    assert cards.count() == 1000
    assert len(set(cards.values_list("code", flat=True))) == 1000
    assert cards.filter(owner_unit=tree.city_a_agency, using_unit=tree.city_a_agency).count() == 1000
    assert Asset.objects.get(name="台式计算机537").original_value == Decimal("6537.50")
    # The default pattern: region of the owner + registration year + 6-digit serial, in file order.
    year = timezone.localdate().year
    first, last = Asset.objects.get(name="台式计算机1"), Asset.objects.get(name="台式计算机1000")
    assert (first.code, last.code) == (f"350100{year}000001", f"350100{year}001000")
    events = AssetEvent.objects.filter(kind=EventKind.IMPORT)
    assert events.count() == 1000 and events.filter(actor=manager).count() == 1000
    event = events.get(asset=first)
    assert event.summary == "导入登记：台式计算机1，原值 6,001.50 元"
    assert event.data == {"code": first.code, "owner_unit": OWNER, "file": "资产卡片.xlsx", "row": 2}
    audit = AuditEvent.objects.filter(id__gt=0).order_by("-id").first()
    assert AuditEvent.objects.count() == audit_before + 1
    assert audit.action == Action.IMPORT and audit.object_type == "assets.asset" and audit.actor_id == manager.pk
    assert audit.after["created"] == 1000 and audit.after["codes"] == [[first.code, last.code]]
    assert "导入资产卡片 1000 张" in audit.message


def test_import_gives_exactly_what_the_service_gives(manager_client, manager, tree, users):
    rows = [
        card_row(1),
        card_row(2, 使用部门="甲市资产管理科", 使用人="staff", 使用状态="闲置", **{"折旧年限（月）": 96}, 数量=3,
                 计量单位="套", 保修截止日期="2027-01-14", 备注="含显示器", 资金来源="other"),
        card_row(3, 资产名称="办公桌", 资产分类代码="a05010000", 取得方式="reallocation", 取得日期=date(2025, 6, 30),
                 资金来源="", 使用单位=OWNER),
        card_row(4, 资产名称="青铜鼎", 资产分类代码="A03000000", **{"原值（元）": 90000}, 折旧类别="", 使用状态="公物仓"),
        card_row(5, 资产名称="办公楼", 资产分类代码="A01000000", 折旧类别="钢结构、钢筋混凝土结构房屋",
                 **{"原值（元）": "12,000,000.00"}),
    ]
    assert upload(manager_client, URL, xlsx_bytes(rows, HEADER)).status_code == 302
    imported = list(Asset.objects.order_by("id"))
    today = timezone.localdate()
    with acting_as(manager):
        by_service = [services.asset_register(owner_unit=tree.city_a_agency, on=today, **fields)[0] for fields in [
            {"name": "台式计算机1", "class_code": "A02010105", "spec_model": "ThinkCentre M90", "brand": "联想",
             "original_value": Decimal("6001.50"), "acquisition_method": "purchase", "acquired_on": date(2024, 1, 15),
             "funding_source": "fiscal", "supplier": "某科技有限公司", "contract_no": "HT-2024-0001",
             "invoice_no": "044001901", "location": "3 楼 301"},
            {"name": "台式计算机2", "class_code": "A02010105", "spec_model": "ThinkCentre M90", "brand": "联想",
             "original_value": Decimal("6002.50"), "acquisition_method": "purchase", "acquired_on": date(2024, 1, 15),
             "funding_source": "other", "supplier": "某科技有限公司", "contract_no": "HT-2024-0002",
             "invoice_no": "044001902", "location": "3 楼 301", "department": tree.city_a_dept,
             "user": users["staff"], "status": AssetStatus.IDLE, "life_months": 96, "quantity": 3,
             "measure_unit": "套", "warranty_end": date(2027, 1, 14), "note": "含显示器"},
            {"name": "办公桌", "class_code": "A05010000", "spec_model": "ThinkCentre M90", "brand": "联想",
             "original_value": Decimal("6003.50"), "acquisition_method": "reallocation",
             "acquired_on": date(2025, 6, 30), "supplier": "某科技有限公司", "contract_no": "HT-2024-0003",
             "invoice_no": "044001903", "location": "3 楼 301"},
            {"name": "青铜鼎", "class_code": "A03000000", "spec_model": "ThinkCentre M90", "brand": "联想",
             "original_value": Decimal("90000"), "acquisition_method": "purchase", "acquired_on": date(2024, 1, 15),
             "funding_source": "fiscal", "supplier": "某科技有限公司", "contract_no": "HT-2024-0004",
             "invoice_no": "044001904", "location": "3 楼 301", "status": AssetStatus.WAREHOUSE},
            {"name": "办公楼", "class_code": "A01000000", "spec_model": "ThinkCentre M90", "brand": "联想",
             "original_value": Decimal("12000000.00"), "acquisition_method": "purchase",
             "acquired_on": date(2024, 1, 15), "funding_source": "fiscal", "supplier": "某科技有限公司",
             "contract_no": "HT-2024-0005", "invoice_no": "044001905", "location": "3 楼 301",
             "dep_category": "building_steel"},
        ]]
    skip = {"id", "code", "created_at", "updated_at"}
    fields = [f.attname for f in Asset._meta.concrete_fields if f.name not in skip]
    for mine, theirs in zip(imported, by_service, strict=True):
        assert {f: getattr(mine, f) for f in fields} == {f: getattr(theirs, f) for f in fields}, mine.name
    # The derived values are the expected ones, not only equal.
    computer, desk, relic, building = imported[1], imported[2], imported[3], imported[4]
    assert (computer.dep_category, computer.life_months, computer.user_id) == ("computer", 96, users["staff"].pk)
    assert (desk.class_name, desk.dep_category, desk.life_months) == ("家具", "furniture", 180)
    assert (relic.dep_method, relic.life_months) == ("none", 0)
    assert (building.dep_category, building.life_months) == ("building_steel", 600)
    # Other systems hear of both registrations alike: one 登记 event per card (issue 18).
    payloads = {e.object_id: e.payload for e in Event.objects.filter(kind=asset_events.REGISTERED)}
    for mine, theirs in zip(imported, by_service, strict=True):
        ours, service = dict(payloads[mine.pk]), dict(payloads[theirs.pk])
        assert (ours.pop("code"), service.pop("code")) == (mine.code, theirs.code)
        assert ours == service, mine.name
    assert Event.objects.get(kind=asset_events.REGISTERED, object_id=imported[1].pk).object_repr == str(imported[1])


def test_an_import_tells_the_subscribers_and_a_refused_one_tells_nobody(manager_client, django_capture_on_commit_callbacks):
    receiver = Receiver("accounts-secret-0123456789")
    try:
        with acting_as(None, channel="command"):
            events.subscriber_create(name="资产账务系统", url=receiver.url, secret=receiver.secret,
                                     kinds=[asset_events.REGISTERED])
        rows = card_rows(3)
        rows[1][COLUMN["原值（元）"]] = "abc"
        assert upload(manager_client, URL, xlsx_bytes(rows, HEADER)).status_code == 200
        assert not Event.objects.exists() and not EventDelivery.objects.exists()
        rows[1][COLUMN["原值（元）"]] = "6002.50"
        with django_capture_on_commit_callbacks(execute=True):
            assert upload(manager_client, URL, xlsx_bytes(rows, HEADER)).status_code == 302
        cards = list(Asset.objects.order_by("id"))
        bodies = receiver.events()
        assert [b["object"]["id"] for b in bodies] == [c.pk for c in cards]
        assert [b["data"]["code"] for b in bodies] == [c.code for c in cards]
        assert bodies[1]["data"]["original_value"] == "6002.50" and receiver.bad_signatures == 0
        assert set(EventDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    finally:
        receiver.close()


def test_csv_in_gbk_imports(manager_client):
    rows = card_rows(3, 资产名称="办公椅", 资产分类代码="A05010000", 数量=40, 计量单位="把")
    response = upload(manager_client, URL, csv_bytes(rows, HEADER, "gbk"), name="资产.csv")
    assert response.status_code == 302
    chairs = Asset.objects.filter(name="办公椅")
    assert chairs.count() == 3 and set(chairs.values_list("quantity", "measure_unit", "class_name")) == {
        (40, "把", "家具")}
    assert chairs.first().name_initials == "bgy"


# GB/T 14885-2010 codes --------------------------------------------------------------------------------


def test_a_2010_code_maps_to_its_2022_class(manager_client):
    rows = [card_row(1, 资产分类代码="2010101", 折旧类别="计算机设备"),
            card_row(2, 资产分类代码=2010101, 折旧类别="office_equipment")]  # a number cell, a category key
    response = upload(manager_client, URL, xlsx_bytes(rows, HEADER))
    assert response.status_code == 302
    card = Asset.objects.get(name="台式计算机1")
    assert (card.class_code, card.class_name, card.dep_category, card.life_months) == ("A02000000", "设备", "computer", 72)
    assert Asset.objects.get(name="台式计算机2").dep_category == "office_equipment"
    event = card.events.get()
    assert event.data["gbt14885_2010"] == "2010101"
    assert "GB/T 14885-2010 分类代码 2010101 对照为 A02000000" in event.summary


def test_2010_codes_that_cannot_be_mapped_are_reported(manager_client):
    rows = [
        card_row(1, 资产分类代码="6010101"),  # 家具、用具、装具及动植物 -> A05000000 / A06000000
        card_row(2, 资产分类代码="9010101"),  # no such 2010 top class
        card_row(3, 资产分类代码="2010101"),  # 设备 needs a depreciation category
        card_row(4, 资产分类代码="A09999999"),  # not in the 2022 table
    ]
    response = upload(manager_client, URL, xlsx_bytes(rows, HEADER))
    assert response.status_code == 200 and not Asset.objects.exists()
    messages = page_messages(response)
    assert set(messages) == {(2, "资产分类代码"), (3, "资产分类代码"), (4, "折旧类别"), (5, "资产分类代码")}
    assert "对应 2022 版多个门类（A05000000、A06000000）" in messages[(2, "资产分类代码")]
    assert "请直接填写 GB/T 14885-2022 分类代码" in messages[(2, "资产分类代码")]
    assert "没有对应的 2022 版分类" in messages[(3, "资产分类代码")]
    assert messages[(4, "折旧类别")] == "该分类须选择折旧类别（如房屋的结构类型），以确定最低折旧年限。"
    assert messages[(5, "资产分类代码")] == "资产分类代码“A09999999”不在 GB/T 14885-2022 分类表中。"


# Errors -------------------------------------------------------------------------------------------------


def test_every_bad_row_is_listed_with_column_and_reason(manager_client, tree):
    future = (timezone.localdate().replace(day=1) + timezone.timedelta(days=40)).isoformat()
    rows = [
        card_row(1, 取得方式="抢购"),  # row 2
        card_row(2, 使用状态="已处置"),  # row 3
        card_row(3, 取得日期=future),  # row 4
        card_row(4, **{"折旧年限（月）": 60}),  # row 5: under the minimum of 72
        card_row(5, 使用单位="乙市机关事务管理局"),  # row 6: not below the owner
        card_row(6, 使用人="b_assets"),  # row 7: a person of city B
        card_row(7, 使用部门="财务科"),  # row 8
        card_row(8, 资产名称="", 数量=0, 折旧类别="通用设备"),  # row 9: three problems
        card_row(9, 资金来源="地方债"),  # row 10
        card_row(10),  # row 11: fine
    ]
    response = upload(manager_client, URL, xlsx_bytes(rows, HEADER))
    assert response.status_code == 200 and not Asset.objects.exists()
    messages = page_messages(response)
    assert set(messages) == {(2, "取得方式"), (3, "使用状态"), (4, "取得日期"), (5, "折旧年限（月）"), (6, "使用单位"),
                             (7, "使用人"), (8, "使用部门"), (9, "资产名称"), (9, "数量"), (9, "折旧类别"),
                             (10, "资金来源")}
    assert messages[(2, "取得方式")].startswith("“抢购”不是有效的取得方式，可选：调剂、购置")
    assert messages[(3, "使用状态")] == "“已处置”的资产不能导入：待处置、已处置只能经资产处置办理。"
    assert messages[(4, "取得日期")].startswith("取得日期不能晚于今天")
    assert messages[(5, "折旧年限（月）")] == "折旧年限不得低于《政府固定资产折旧年限表》规定的 6 年（72 个月）。"
    assert messages[(6, "使用单位")] == f"使用单位“乙市机关事务管理局”不是产权单位“{OWNER}”或其下级单位。"
    assert messages[(7, "使用人")].startswith("找不到使用人“b_assets”")
    assert messages[(8, "使用部门")] == f"找不到使用部门“财务科”：应为“{OWNER}”的内设机构名称。"
    assert messages[(9, "资产名称")] == "必填，不能为空。"
    assert messages[(9, "数量")] == "不能小于 1。"
    assert messages[(9, "折旧类别")].startswith("“通用设备”是折旧类别的分组，请填写具体类别")
    assert messages[(10, "资金来源")].startswith("“地方债”不是有效的资金来源")
    assert response.context["result"].bad_rows == 9


def test_missing_required_header_is_refused(manager_client):
    header = [h for h in HEADER if h != "产权单位"]
    rows = [r[:COLUMN["产权单位"]] + r[COLUMN["产权单位"] + 1:] for r in card_rows(2)]
    response = upload(manager_client, URL, xlsx_bytes(rows, header))
    assert response.status_code == 200 and not Asset.objects.exists()
    assert "缺少必填列：产权单位" in response.content.decode()


def test_optional_columns_may_be_left_out(manager_client):
    header = ["资产名称", "资产分类代码", "原值（元）", "取得方式", "取得日期", "产权单位"]
    response = upload(manager_client, URL, xlsx_bytes([["打印机", "A02020000", 2500, "购置", "2025-03-01", OWNER]], header))
    assert response.status_code == 302
    card = Asset.objects.get()
    assert (card.quantity, card.measure_unit, card.status, card.funding_source) == (1, "台", "in_use", "")
    assert (card.dep_category, card.life_months, card.dep_monthly) == ("office_equipment", 72, Decimal("34.72"))


# Scope --------------------------------------------------------------------------------------------------


def test_an_owner_outside_the_importers_scope_is_reported(users, client_for, tree):
    client = client_for(users["a_assets"])  # asset manager of city A
    rows = [
        card_row(1, 产权单位="甲县财政局"),  # in scope (below city A)
        card_row(2, 产权单位="乙市机关事务管理局"),  # city B, by name
        card_row(3, 产权单位=tree.city_b_agency.credit_code),  # city B, by credit code
        card_row(4, 产权单位="测试省机关事务管理局"),  # above the scope
        card_row(5, 产权单位=tree.city_a_agency.credit_code.lower()),  # in scope, by credit code
    ]
    response = upload(client, URL, xlsx_bytes(rows, HEADER))
    assert response.status_code == 200 and not Asset.objects.exists()
    assert {(e.row, e.column) for e in response.context["errors"]} == {(3, "产权单位"), (4, "产权单位"), (5, "产权单位")}
    assert all(e.message.startswith("找不到产权单位") and "数据范围" in e.message for e in response.context["errors"])
    rows = [rows[0], rows[4]]
    assert upload(client, URL, xlsx_bytes(rows, HEADER)).status_code == 302
    assert {c.owner_unit_id for c in Asset.objects.all()} == {tree.county_a_agency.pk, tree.city_a_agency.pk}
    # The county's region code starts its codes.
    assert Asset.objects.get(owner_unit=tree.county_a_agency).code.startswith("350121")


def test_an_ambiguous_owner_name_asks_for_the_credit_code(manager_client, tree):
    from jiguan.org import services as org_services
    from jiguan.org.models import OrgKind

    with acting_as(None):
        org_services.orgunit_create(parent=tree.city_b, kind=OrgKind.AGENCY, name=OWNER, region_code="350200")
    response = upload(manager_client, URL, xlsx_bytes(card_rows(1), HEADER))
    assert page_messages(response) == {(2, "产权单位"): f"产权单位“{OWNER}”不唯一：您的数据范围内有 2 个同名单位，请改填该单位的统一社会信用代码。"}
    response = upload(manager_client, URL, xlsx_bytes(card_rows(1, 产权单位=tree.city_a_agency.credit_code), HEADER))
    assert response.status_code == 302 and Asset.objects.get().owner_unit_id == tree.city_a_agency.pk


# Codes ----------------------------------------------------------------------------------------------------


def test_codes_per_prefix_continue_the_counters_and_are_never_reused(manager_client, tree, register):
    from jiguan.assets.models import AssetSettings

    AssetSettings.objects.create(unit=tree.city_a, code_pattern="{region}-{class}-{year}-{seq:04d}")
    year = timezone.localdate().year
    existing = register(tree.city_a_agency, acquired_on=timezone.localdate())
    assert existing.code == f"350100-A02-{year}-0001"
    rows = card_rows(3) + [card_row(i, 资产名称=f"书柜{i}", 资产分类代码="A05010000") for i in (10, 11)]
    rows.append(card_row(20, 产权单位="甲县财政局"))
    assert upload(manager_client, URL, xlsx_bytes(rows, HEADER)).status_code == 302
    codes = dict(Asset.objects.exclude(pk=existing.pk).values_list("name", "code"))
    assert codes == {
        "台式计算机1": f"350100-A02-{year}-0002", "台式计算机2": f"350100-A02-{year}-0003",
        "台式计算机3": f"350100-A02-{year}-0004", "书柜10": f"350100-A05-{year}-0001",
        "书柜11": f"350100-A05-{year}-0002", "台式计算机20": f"350121-A02-{year}-0001"}


# Queries ---------------------------------------------------------------------------------------------------


def writes(sql):
    """The statements that write cards and events: COPY on PostgreSQL, executemany on SQLite (logged
    as "<n> times: INSERT …")."""
    return [s for s in sql if re.match(r'(\d+ times: INSERT INTO|COPY) "assets_asset(event)?" ', s)]


def rows_for_queries(n):
    """Rows over two owners, two classes, with people: the lookups the import needs, n times."""
    return [card_row(i, 产权单位=OWNER if i % 2 else "甲县财政局", 资产分类代码="A02010105" if i % 3 else "A05010000",
                     使用人="staff" if i % 2 else "", 使用部门="甲市资产管理科" if i % 2 else "")
            for i in range(1, n + 1)]


def run_counted(actor, n, dry_run=False):
    content = io.BytesIO(xlsx_bytes(rows_for_queries(n), HEADER))
    with CaptureQueriesContext(connection) as captured:
        result = AssetImporter(actor).run(content, "x.xlsx", dry_run=dry_run)
    assert not result.has_errors, result.errors[:3]
    return [q["sql"] for q in captured.captured_queries]


def test_validation_queries_do_not_grow_with_rows(manager):
    manager.get_scope("assets.import_asset")  # permissions are loaded once per request
    counts = [len(run_counted(manager, n, dry_run=True)) for n in (30, 300)]
    assert counts[0] == counts[1] <= 16


def test_a_1000_row_import_takes_a_bounded_number_of_queries(manager, django_assert_max_num_queries):
    """Lookups once, codes once per prefix, ids reserved at once, then one statement for all the cards
    and one for all their events: a 1,000-row import is at most 60 queries on either database."""
    manager.get_scope("assets.import_asset")
    with django_assert_max_num_queries(60):
        sql = run_counted(manager, 1000)
    assert Asset.objects.count() == 1000 and AssetEvent.objects.count() == 1000
    assert len(writes(sql)) == 2


def test_2000_rows_need_no_more_queries_than_1000(manager):
    """The queries do not grow with the rows (cards and events are written in chunks of 10,000 rows)."""
    manager.get_scope("assets.import_asset")
    run_counted(manager, 6)  # the code counters exist (their first use inserts them)
    sql = [run_counted(manager, n) for n in (1000, 2000)]
    assert len(sql[0]) == len(sql[1]) and len(writes(sql[1])) == 2
    assert Asset.objects.count() == 3006 and Asset.objects.values("code").distinct().count() == 3006


# Background job ------------------------------------------------------------------------------------------


@pytest.fixture
def background(monkeypatch):
    """Files over 10 rows run as a background job (Celery is eager in tests)."""
    monkeypatch.setattr(importer_for("assets.asset"), "inline_max_rows", 10)


def test_a_large_file_runs_as_a_job_and_the_page_follows_it(manager_client, background, settings):
    response = upload(manager_client, URL, xlsx_bytes(card_rows(50), HEADER), name="大批量.xlsx")
    assert response.status_code == 302 and response["Location"].startswith(URL + "?job=")
    token = job_token(response)
    # The job ran (eagerly); its state is kept in the user's folder of the private storage, the upload is gone.
    jobs = settings.JIGUAN_PRIVATE_ROOT / "imports" / str(response.wsgi_request.user.pk) / "jobs"
    assert json.loads((jobs / f"{token}.json").read_text())["result"]["created"] == 50
    assert [p.name for p in jobs.iterdir()] == [f"{token}.json"]
    assert Asset.objects.count() == 50
    page = follow_job(manager_client, response)
    assert page.status_code == 302 and page["Location"] == "/assets/"
    assert "已成功导入 50 张资产卡片。" in manager_client.get("/assets/").content.decode()
    assert manager_client.get(response["Location"]).status_code == 404  # shown once


def test_a_job_with_a_bad_row_shows_the_errors_and_the_report(manager_client, background):
    rows = card_rows(50)
    rows[20][COLUMN["取得日期"]] = "2024-02-30"
    page = follow_job(manager_client, upload(manager_client, URL, xlsx_bytes(rows, HEADER)))
    assert page.status_code == 200 and not Asset.objects.exists()
    assert page_errors(page) == [(22, "取得日期", "2024-02-30")]
    assert "未导入任何数据" in page.content.decode()
    report = manager_client.get(page.context["report_url"])
    assert report.status_code == 200
    assert report_rows(report)[1][:2] == [22, "取得日期"]


def test_the_progress_page_polls_while_the_job_runs(manager, manager_client, client_for, users):
    job = ImportJob(manager, "a" * 32)
    job.write(state="running", phase="commit", done=3000, total=10000, estimate=10000, filename="大批量.xlsx")
    page = manager_client.get(f"{URL}?job={'a' * 32}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "正在导入：大批量.xlsx" in html and 'hx-trigger="every 1s"' in html
    assert 'aria-valuenow="65"' in html and "正在写入：3,000 / 10,000 行" in html
    partial = manager_client.get(f"{URL}?job={'a' * 32}", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    job.write(state="running", phase="validate", done=2000, total=None)
    assert "正在校验：已校验 2,000 行" in manager_client.get(f"{URL}?job={'a' * 32}").content.decode()
    job.write(state="done", result={"created": 5, "committed": True, "filename": "大批量.xlsx"})
    finished = manager_client.get(f"{URL}?job={'a' * 32}", headers={"HX-Request": "true"})
    assert finished["HX-Redirect"] == f"{URL}?job={'a' * 32}"
    # Another user's job is not found; nor is a malformed token.
    other = client_for(users["a_assets"])
    assert other.get(f"{URL}?job={'a' * 32}").status_code == 404
    assert manager_client.get(f"{URL}?job=../../x").status_code == 404


# Headers: a column is never ignored (issue 16, item 10) ------------------------------------------


def merged_brand_file(rows):
    """The file a user gets after merging the 规格型号 and 品牌 header cells: 品牌's cell is blank,
    its column still full of brands."""
    header = list(HEADER)
    header[COLUMN["品牌"]] = None
    return xlsx_bytes(rows, header)


def test_a_brand_column_under_a_merged_header_cell_refuses_the_import(manager_client):
    response = upload(manager_client, URL, merged_brand_file(card_rows(3)))
    assert response.status_code == 200 and not Asset.objects.exists()
    assert response.context["result"].file_errors[0] == (
        "第 D 列有数据但没有列标题（第 2 行为“联想”）：请填写列标题，或删除该列。")
    assert "第 D 列有数据但没有列标题" in response.content.decode()


def test_an_unknown_header_and_a_headerless_column_are_both_listed(manager_client):
    header = [*HEADER, "资产标签", None]
    rows = [[*row, "CW-1", "多余"] for row in card_rows(2)]
    response = upload(manager_client, URL, xlsx_bytes(rows, header))
    assert response.status_code == 200 and not Asset.objects.exists()
    assert response.context["result"].file_errors[:2] == [
        "第 X 列的列标题“资产标签”无法识别。",
        "第 Y 列有数据但没有列标题（第 2 行为“多余”）：请填写列标题，或删除该列。"]


def test_the_api_import_names_the_headerless_column(users, api_client_for):
    client = api_client_for(users["a_assets"])
    response = api_upload(client, API, merged_brand_file(card_rows(2)))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "import_invalid"
    assert error["rows"][0] == {"row": None, "column": "", "value": "",
                                "message": "第 D 列有数据但没有列标题（第 2 行为“联想”）：请填写列标题，或删除该列。"}
    assert not Asset.objects.exists()
