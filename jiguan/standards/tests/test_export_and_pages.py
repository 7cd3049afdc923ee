import io
from datetime import date

from openpyxl import load_workbook

from jiguan.audit.models import Action, AuditEvent
from jiguan.core import menu
from jiguan.standards.selectors import StandardNotFound, standard_value, standard_values

from .helpers import approve, propose


def sheet_rows(response):
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    return rows[2], rows[3:]  # below the title and the 条件/导出时间 line


def test_the_excel_export_contains_the_rows_shown(users, client_for):
    client = client_for(users["a_assets"])
    query = {"q": "设备"}
    page = client.get("/standards/tables/depreciation_life/", query)
    shown = [row["object"].key for row in page.context["rows"]]
    assert "computer" in shown and "vehicle" not in shown  # search narrows the list
    response = client.get("/standards/tables/depreciation_life/", {**query, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, rows = sheet_rows(response)
    assert header[:2] == ("资产类别", "上级")
    assert [r[0] for r in rows] == shown
    by_key = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    computer = by_key["computer"]
    assert (computer["名称"], computer["最低折旧年限"], computer["单位"]) == ("计算机设备", 6, "年")
    assert "财会〔2017〕4号" in computer["依据文件"]
    assert computer["可信度"] == "原文确认 [C]"
    assert str(computer["生效日期"])[:10] == "2017-01-01"
    assert AuditEvent.objects.filter(action=Action.EXPORT, actor=users["a_assets"]).exists()


def test_the_export_follows_the_chosen_date(users, flow, approver, client_for):
    approve(propose(users["sysadmin"], key="computer", value="5"), approver)
    client = client_for(users["staff"])
    for on, expected in (("2026-06-01", 6), ("2027-06-01", 5)):
        header, rows = sheet_rows(client.get("/standards/tables/depreciation_life/",
                                             {"on": on, "q": "computer", "export": "xlsx"}))
        assert [(r[0], r[header.index("最低折旧年限")]) for r in rows] == [("computer", expected)]
    page = client.get("/standards/tables/depreciation_life/", {"on": "2016-12-31"})
    assert page.context["rows"] == []  # before the depreciation table took effect


def test_the_standards_menu(users, approver, client_for):
    assert "standards" in [s.key for s in menu.registered()]

    def items(user):
        nav = client_for(user).get("/").context["nav_sections"]
        return [i["label"] for s in nav if s["key"] == "standards" for i in s["items"]]

    assert items(users["staff"]) == ["标准目录"]
    assert items(users["sysadmin"]) == ["标准目录", "变更申请"]
    assert items(approver) == ["标准目录", "变更申请"]
    assert items(users["auditor"]) == []


def test_table_create_and_edit_by_the_system_administrator(users, client_for):
    client = client_for(users["sysadmin"])
    response = client.post("/standards/tables/new/", {
        "code": "meal_price", "name": "食堂餐标", "kind": "standard", "value_label": "单价", "value_unit": "元",
        "default_source": "本局规定", "sort_order": 900})
    assert response.status_code == 302 and response["Location"] == "/standards/tables/meal_price/"
    response = client.post("/standards/tables/meal_price/edit/", {
        "code": "changed", "name": "食堂就餐标准", "kind": "standard", "value_label": "单价", "value_unit": "元",
        "default_source": "本局规定", "sort_order": 900})
    assert response.status_code == 302
    page = client.get("/standards/tables/meal_price/")
    assert page.context["standard_table"].name == "食堂就餐标准"  # the code never changes
    assert AuditEvent.objects.filter(object_type="standards.standardtable", action=Action.UPDATE).exists()
    response = client.post("/standards/tables/new/", {"code": "new", "name": "x", "kind": "code", "sort_order": 0})
    assert response.status_code == 200 and "系统保留" in str(response.context["form"].errors)
    assert client_for(users["a_assets"]).get("/standards/tables/new/").status_code == 403


def test_standard_value_errors_and_batch_reads(db):
    assert standard_value("depreciation_life", "computer", date(2020, 5, 1)).value == 6
    with_time = standard_value("office_area", "county.zhengke",
                               __import__("datetime").datetime(2025, 1, 1, 9, 0))
    assert with_time.value == 18
    for args, message in (
            (("nope", "x", date(2020, 1, 1)), "数据标准表“nope”不存在。"),
            (("depreciation_life", "nope", date(2020, 1, 1)), "数据标准“固定资产最低折旧年限”中没有“nope”。"),
            (("depreciation_life", "computer", date(2016, 12, 31)),
             "数据标准“固定资产最低折旧年限”中“computer”在 2016-12-31 没有有效的版本。")):
        try:
            standard_value(*args)
        except StandardNotFound as exc:
            assert str(exc) == message
        else:
            raise AssertionError(args)
    lives = standard_values("depreciation_life", date(2025, 1, 1))
    assert (lives["computer"].value, lives["vehicle"].value, lives["building_steel"].value) == (6, 8, 50)
