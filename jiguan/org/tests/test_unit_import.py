"""Importing organisation units: the pages, all-or-nothing, scope, set-based commit equal to the service."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.core.testing.imports import (
    XLSX,
    csv_bytes,
    page_errors,
    page_messages,
    report_rows,
    upload,
    xlsx_bytes,
)
from jiguan.org import services
from jiguan.org.demo import credit_code
from jiguan.org.imports import UnitImporter
from jiguan.org.models import OrgKind, OrgUnit

URL = "/org/units/import/"
TEMPLATE_URL = "/org/units/import/template.xlsx"
HEADER = ["名称", "简称", "类型", "上级单位", "行政区划代码", "统一社会信用代码", "排序"]


@pytest.fixture(autouse=True)
def import_settings(settings, tmp_path):
    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"  # uploads, job state and error reports
    return settings


def code(serial, kind=OrgKind.AGENCY, region="350100"):
    return credit_code(kind, region, 5000 + serial)


def unit_rows(agencies, parent="甲市", prefix="甲市", region="350100", serial=0):
    """Per agency: the agency under ``parent`` and two departments under it (3 rows each)."""
    rows = []
    for i in range(1, agencies + 1):
        name = f"{prefix}第{serial + i}局"
        rows.append([name, f"第{serial + i}局", "机关", parent, region, code(serial + i, region=region), i])
        rows.append(["办公室", "", "内设机构", name, "", "", 1])
        rows.append(["财务科", "", "内设机构", name, "", "", 2])
    return rows


def new_units():
    return OrgUnit.objects.filter(name__contains="第")


@pytest.fixture
def admin_client(users, client_for):
    return client_for(users["sysadmin"])


@pytest.fixture
def city_a_admin(tree):
    return make_user("a_sysadmin", tree.city_a_agency, [("system_admin", tree.city_a, True)])


# Pages ----------------------------------------------------------------------------------------


def test_page_shows_form_instructions_and_template_link(admin_client):
    response = admin_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "导入组织机构" in html and 'enctype="multipart/form-data"' in html
    assert TEMPLATE_URL in html and "下载导入模板" in html
    assert "统一社会信用代码" in html and "只要有一行有错误，就不会导入任何数据" in html
    assert "可选：省级、市级、县级、乡镇级、机关、事业单位、内设机构" in html


def test_template_download_opens_in_openpyxl(admin_client):
    response = admin_client.get(TEMPLATE_URL)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["组织机构", "填写说明"]
    assert [c.value for c in wb["组织机构"][1]] == HEADER
    example = [c.value for c in wb["组织机构"][2]]
    assert example[:4] == ["甲市教育局", "市教育局", "机关", "甲市"]
    notes = {row[0].value: row[1].value for row in wb["填写说明"].iter_rows(min_row=2, max_row=8)}
    assert notes["名称"] == "必填" and notes["上级单位"] == "必填" and notes["简称"] == "选填"


@pytest.mark.parametrize("username", ["a_assets", "staff", "secadmin", "auditor"])
def test_import_needs_the_import_permission(users, client_for, username):
    client = client_for(users[username])
    assert client.get(URL).status_code == 403
    assert client.get(TEMPLATE_URL).status_code == 403
    assert upload(client, URL, xlsx_bytes(unit_rows(1), HEADER)).status_code == 403
    assert not new_units().exists()


# Importing ------------------------------------------------------------------------------------


def test_thirty_valid_rows_import_with_correct_paths(admin_client, tree):
    before = OrgUnit.objects.count()
    response = upload(admin_client, URL, xlsx_bytes(unit_rows(10), HEADER))
    assert response.status_code == 302 and response["Location"] == "/org/units/"
    assert OrgUnit.objects.count() == before + 30
    page = admin_client.get(response["Location"])
    assert "已成功导入 30 个单位。" in page.content.decode()
    for unit in new_units().select_related("parent"):
        assert unit.path == f"{unit.parent.path}{unit.pk}/"
        assert unit.depth == unit.parent.depth + 1
        assert unit.path.startswith(tree.city_a.path)
    agency = OrgUnit.objects.get(name="甲市第7局")
    assert agency.parent_id == tree.city_a.pk and agency.depth == 2 and agency.sort_order == 7
    assert {u.name for u in agency.children.all()} == {"办公室", "财务科"}


def snapshot(root, exclude_ids):
    """Every unit below ``root`` (but those in ``exclude_ids``) keyed by its chain of names below root."""
    units = list(OrgUnit.objects.filter(path__startswith=root.path).exclude(pk__in=exclude_ids).exclude(pk=root.pk))
    names = {u.pk: u.name for u in OrgUnit.objects.all()}
    fields = ["kind", "name", "short_name", "region_code", "credit_code", "credit_code_override",
              "credit_code_override_reason", "sort_order", "is_active"]
    result = {}
    for u in units:
        ids = [int(p) for p in u.path.strip("/").split("/")]
        assert ids[-1] == u.pk and ids[-2] == u.parent_id
        chain = tuple(names[i] for i in ids[ids.index(root.pk) + 1:])
        result[chain] = {f: getattr(u, f) for f in fields} | {"depth": u.depth - root.depth}
    return result


def test_import_gives_exactly_what_the_service_gives(admin_client, tree):
    rows = unit_rows(10, parent="甲县", prefix="县")
    existing = set(OrgUnit.objects.values_list("pk", flat=True))
    assert upload(admin_client, URL, xlsx_bytes(rows, HEADER)).status_code == 302
    imported = snapshot(tree.county_a, existing)
    # The same rows through services.orgunit_create, under 乙县 (same depth as 甲县); a credit code
    # is unique in the whole tree, so the imported units give theirs up first.
    OrgUnit.objects.filter(path__startswith=tree.county_a.path).exclude(pk__in=existing).update(credit_code="")
    kinds = {str(label): value for value, label in OrgKind.choices}
    created = {"甲县": tree.county_b}
    with acting_as(None):
        for name, short, kind, parent, region, credit, order in rows:
            unit = services.orgunit_create(parent=created[parent], kind=kinds[kind], name=name, short_name=short,
                                           region_code=region, credit_code=credit, sort_order=order)
            created.setdefault(name, unit)
    by_service = snapshot(tree.county_b, existing)
    assert len(imported) == 30
    assert imported == by_service


def test_three_levels_and_credit_code_references(admin_client, tree):
    rows = [
        ["新区", "", "县级", "甲市", "350122", "", 0],
        ["新区机关事务中心", "", "事业单位", "新区", "350122", code(1, OrgKind.INSTITUTION, "350122"), 0],
        ["综合科", "", "内设机构", code(1, OrgKind.INSTITUTION, "350122"), "", "", 0],  # parent by credit code
        ["新区办公室", "", "内设机构", tree.city_a_agency.credit_code.lower(), "", "", 0],  # existing, by code
    ]
    assert upload(admin_client, URL, xlsx_bytes(rows, HEADER)).status_code == 302
    section = OrgUnit.objects.get(name="综合科")
    assert section.depth == 4 and section.parent.name == "新区机关事务中心"
    assert section.path == f"{tree.city_a.path}{section.parent.parent_id}/{section.parent_id}/{section.pk}/"
    assert OrgUnit.objects.get(name="新区办公室").parent_id == tree.city_a_agency.pk


def test_one_bad_row_imports_nothing_and_is_listed(admin_client):
    rows = unit_rows(10)
    good = rows[15][5]  # file row 17 (the header is row 1): the sixth agency
    bad_code = good[:17] + ("0" if good[17] != "0" else "1")
    rows[15][5] = bad_code
    before = OrgUnit.objects.count()
    audit_before = AuditEvent.objects.count()
    response = upload(admin_client, URL, xlsx_bytes(rows, HEADER))
    assert response.status_code == 200
    assert OrgUnit.objects.count() == before and AuditEvent.objects.count() == audit_before
    assert page_errors(response) == [(17, "统一社会信用代码", bad_code)]
    message = page_messages(response)[(17, "统一社会信用代码")]
    assert "校验位错误" in message
    html = response.content.decode()
    assert "未导入任何数据" in html and "第 17 行" in html and "统一社会信用代码" in html
    assert message.split("：")[0] in html
    # The error report can be downloaded, by the same user only.
    report_url = response.context["report_url"]
    report = admin_client.get(report_url)
    assert report.status_code == 200 and report["Content-Type"] == XLSX
    assert report_rows(report)[1][:3] == [17, "统一社会信用代码", bad_code]
    assert admin_client.get(URL + "?report=" + "0" * 32).status_code == 404
    assert admin_client.get(URL + "?report=../../etc/passwd").status_code == 404


def test_several_bad_rows_are_all_listed(admin_client, tree):
    rows = unit_rows(5)
    rows[2][2] = "科室"  # row 4: unknown kind
    rows[4][0] = ""  # row 6: no name
    rows[6][3] = "不存在的单位"  # row 8: unknown parent
    rows[9][4] = "35010"  # row 11: region code of 5 digits
    rows[12][5] = rows[0][5]  # row 14: credit code repeated from row 2 ...
    rows[12][2], rows[12][4] = "市级", ""  # ... and an administrative unit without a region code
    rows.append(["甲市第1局", "", "机关", "甲市", "", "", 0])  # row 17: same name under the same parent as row 2
    response = upload(admin_client, URL, xlsx_bytes(rows, HEADER))
    assert response.status_code == 200 and not new_units().exists()
    messages = page_messages(response)
    assert set(messages) == {(4, "类型"), (6, "名称"), (8, "上级单位"), (11, "行政区划代码"), (14, "统一社会信用代码"),
                             (14, "行政区划代码"), (17, "名称")}
    assert "找不到上级单位“不存在的单位”" in messages[(8, "上级单位")]
    assert messages[(14, "统一社会信用代码")] == "与第 2 行的“统一社会信用代码”重复。"
    assert messages[(14, "行政区划代码")] == "行政层级单位必须填写行政区划代码。"
    assert "与第 2 行重复" in messages[(17, "名称")]
    assert response.context["result"].bad_rows == 6


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_in_utf8_bom_and_gbk(admin_client, encoding):
    response = upload(admin_client, URL, csv_bytes(unit_rows(3), HEADER, encoding), name="units.csv")
    assert response.status_code == 302
    assert new_units().filter(name__startswith="甲市第").count() == 3
    assert OrgUnit.objects.get(name="甲市第2局").credit_code == code(2)


def test_missing_required_header_is_refused(admin_client):
    header = [h for h in HEADER if h != "上级单位"]
    rows = [r[:3] + r[4:] for r in unit_rows(1)]
    response = upload(admin_client, URL, xlsx_bytes(rows, header))
    assert response.status_code == 200 and not new_units().exists()
    assert "缺少必填列：上级单位" in response.content.decode()


def test_reimporting_the_same_file_is_refused(admin_client):
    content = xlsx_bytes(unit_rows(2), HEADER)
    assert upload(admin_client, URL, content).status_code == 302
    count = OrgUnit.objects.count()
    response = upload(admin_client, URL, content)
    assert response.status_code == 200
    messages = page_messages(response)
    assert messages[(2, "名称")] == "上级单位“甲市”下已有名为“甲市第1局”的单位。"
    assert messages[(2, "统一社会信用代码")] == "该统一社会信用代码已被其他单位使用：一个统一社会信用代码只能登记一个单位。"
    assert OrgUnit.objects.count() == count


def test_ambiguous_parent_name_and_parent_after_child(admin_client, tree):
    rows = [
        ["资料室", "", "内设机构", "办公室", "", "", 0],  # row 2: 办公室 is on row 4, after this row
        ["某局", "", "机关", "甲市", "350100", "", 0],
        ["办公室", "", "内设机构", "某局", "", "", 0],
        ["办公室", "", "内设机构", "甲市机关事务管理局", "", "", 0],
        ["档案室", "", "内设机构", "办公室", "", "", 0],  # row 6: two 办公室 above
    ]
    response = upload(admin_client, URL, xlsx_bytes(rows, HEADER))
    messages = page_messages(response)
    assert set(messages) == {(2, "上级单位"), (6, "上级单位")}
    assert "第 4 行，位于本行之后" in messages[(2, "上级单位")]
    assert "不唯一" in messages[(6, "上级单位")] and "统一社会信用代码" in messages[(6, "上级单位")]


def test_parent_outside_the_scope_is_refused(city_a_admin, client_for, tree):
    client = client_for(city_a_admin)
    rows = [
        ["甲市新局", "", "机关", "甲县", "350121", "", 0],  # in scope
        ["乙市新局", "", "机关", "乙市", "350200", "", 0],  # city B, by name
        ["乙市新科", "", "内设机构", tree.city_b_agency.credit_code, "", "", 0],  # city B, by credit code
        ["省新科", "", "内设机构", "测试省", "", "", 0],  # above the scope
    ]
    response = upload(client, URL, xlsx_bytes(rows, HEADER))
    assert response.status_code == 200
    assert not OrgUnit.objects.filter(name__in=["甲市新局", "乙市新局", "乙市新科", "省新科"]).exists()
    assert set(page_messages(response)) == {(3, "上级单位"), (4, "上级单位"), (5, "上级单位")}
    assert all("找不到上级单位" in e.message for e in response.context["errors"])
    # Within the scope it imports.
    assert upload(client, URL, xlsx_bytes(rows[:1], HEADER)).status_code == 302
    assert OrgUnit.objects.get(name="甲市新局").parent_id == tree.county_a.pk


def test_one_audit_record_per_import(admin_client, users):
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    assert upload(admin_client, URL, xlsx_bytes(unit_rows(4), HEADER), name="新增单位.xlsx").status_code == 302
    events = list(AuditEvent.objects.filter(id__gt=before))
    assert [e.action for e in events] == [Action.IMPORT]
    event = events[0]
    assert event.actor_id == users["sysadmin"].pk and event.object_type == "org.orgunit"
    assert event.object_repr == "新增单位.xlsx" and event.after["created"] == 12
    assert "导入组织机构 12 个" in event.message


@pytest.mark.parametrize("name, content, message", [
    ("units.xls", b"\xd0\xcf\x11\xe0", "不支持 Excel 97-2003（.xls）格式"),
    ("units.txt", b"abc", "只能上传 .xlsx 或 .csv 文件"),
    ("units.pdf", b"%PDF", "只能上传 .xlsx 或 .csv 文件"),
])
def test_wrong_file_types_are_refused(admin_client, name, content, message):
    response = upload(admin_client, URL, content, name=name)
    assert response.status_code == 200 and message in response.content.decode()


def test_files_over_the_size_limit_are_refused(admin_client, settings):
    settings.JIGUAN_IMPORT = {**getattr(settings, "JIGUAN_IMPORT", {}), "MAX_UPLOAD_MB": 0.001}
    response = upload(admin_client, URL, xlsx_bytes(unit_rows(10), HEADER))
    assert response.status_code == 200 and not new_units().exists()
    assert "文件过大" in response.content.decode()


def test_corrupt_xlsx_is_a_clear_message(admin_client):
    response = upload(admin_client, URL, b"PK\x03\x04 not really a zip")
    assert response.status_code == 200 and "文件已损坏" in response.content.decode()


# Queries ----------------------------------------------------------------------------------------


def insert_batches(rows_per_level):
    """INSERT statements the database needs for one level (SQLite caps parameters per statement)."""
    fields = [f for f in OrgUnit._meta.concrete_fields if f.name != "id"]
    batch = min(UnitImporter.chunk_size or 2000, connection.ops.bulk_batch_size(fields, [None] * rows_per_level))
    return -(-rows_per_level // batch)


def test_validation_queries_do_not_grow_with_rows(users, django_assert_max_num_queries):
    actor = users["sysadmin"]
    actor.get_scope("org.import_orgunit")  # permissions are loaded once per request
    counts = []
    for agencies in (10, 100):
        content = io.BytesIO(xlsx_bytes(unit_rows(agencies, serial=agencies), HEADER))
        with CaptureQueriesContext(connection) as captured:
            result = UnitImporter(actor).run(content, "x.xlsx", dry_run=True)
        assert not result.has_errors and result.total_rows == agencies * 3
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 2


def test_import_queries_do_not_grow_with_rows(admin_client, django_assert_max_num_queries):
    """30 and 300 rows (two levels) take the same queries; only the INSERT statements the database's
    parameter limit splits a level into differ (SQLite: 999 parameters; PostgreSQL: one per level)."""
    admin_client.get(URL)  # session and user loaded
    other = []
    for agencies in (10, 100):
        rows = unit_rows(agencies, serial=agencies)  # agencies, then two departments each
        inserts = insert_batches(agencies) + insert_batches(2 * agencies)
        with django_assert_max_num_queries(19 + inserts) as captured:
            assert upload(admin_client, URL, xlsx_bytes(rows, HEADER)).status_code == 302
        sql = [q["sql"] for q in captured.captured_queries]
        assert sum(s.startswith('INSERT INTO "org_orgunit"') for s in sql) == inserts
        other.append(len(sql) - inserts)
    assert other[0] == other[1]
    assert new_units().filter(kind=OrgKind.AGENCY).count() == 110
    assert OrgUnit.objects.filter(parent__name__startswith="甲市第").count() == 220


def test_a_column_with_data_under_a_blank_header_refuses_the_file(admin_client):
    """Issue 16, item 10: a blank header cell over 统一社会信用代码's column loses no code."""
    header = [h if h != "统一社会信用代码" else "" for h in HEADER]
    response = upload(admin_client, URL, xlsx_bytes(unit_rows(2), header))
    assert response.status_code == 200 and not new_units().exists()
    assert response.context["result"].file_errors[0] == (
        f"第 F 列有数据但没有列标题（第 2 行为“{code(1)}”）：请填写列标题，或删除该列。")
