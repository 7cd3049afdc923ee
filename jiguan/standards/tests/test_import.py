"""Importing a standard table from Excel (issue 3: "a full official GB/T 14885-2022 list can be
imported from Excel"). An import never writes entries: a valid file becomes ONE change request of
kind ``import`` that goes through the approval flow "数据标准变更审批"; its approval writes every
row as a new version, set-based."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import acting_as
from jiguan.standards import services
from jiguan.standards.imports import StandardImporter
from jiguan.standards.models import (
    RequestKind,
    RequestStatus,
    StandardChangeItem,
    StandardChangeRequest,
    StandardEntry,
    StandardTable,
)
from jiguan.standards.selectors import StandardNotFound, standard_value
from jiguan.workflow.models import ApprovalRequest
from jiguan.workflow.models import RequestStatus as ApprovalStatus

from .helpers import approval_of, approve, decide, propose, state_events

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GBT = "GB/T 14885-2022《固定资产等资产基础分类与代码》"
GBT_HEADER = ["分类代码", "上级键", "名称", "依据文件", "可信度", "备注"]
DOORS = [("A01000000", "房屋和构筑物"), ("A02000000", "设备"), ("A03000000", "文物和陈列品"),
         ("A04000000", "图书和档案"), ("A05000000", "家具和用具"), ("A06000000", "特种动植物"),
         ("A07000000", "物资")]
ON = date(2027, 1, 1)
ON_TEXT = ON.isoformat()


@pytest.fixture(autouse=True)
def import_settings(settings, tmp_path):
    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"  # uploads, job state and error reports
    return settings


def xlsx_bytes(rows, header=GBT_HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def gbt_rows(per_door=6, start=11):
    """A GB/T 14885-like catalogue: the 7 门类 (confirmed now: [?] → [C], a new note) and
    ``per_door`` classes under each; the last class's parent is on a later row."""
    rows = [[code, "", name, GBT, "[C]", "门类名称与代码经原文核对"] for code, name in DOORS]
    for door, (code, name) in enumerate(DOORS, start=1):
        for j in range(start, start + per_door):
            rows.append([f"A0{door}{j:02d}0000", code, f"{name}第{j}类", GBT, "C", ""])
    rows.insert(7, ["A01119900", "A01110000", "房屋和构筑物第11类之一", "", "[C]", "上级在后面的行"])
    return rows


def upload(client, content, table="gbt14885", effective_from=ON_TEXT, reason="按标准原文补充完整分类目录",
           name="gbt14885-2022.xlsx", follow=False):
    return client.post(f"/standards/tables/{table}/import/", {
        "file": SimpleUploadedFile(name, content, content_type=XLSX), "effective_from": effective_from,
        "reason": reason}, follow=follow)


def errors_of(response):
    return [(e.row, e.column, e.value, e.message) for e in response.context["result"].errors]


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def admin(users, client_for):
    return client_for(users["sysadmin"])


# The GB/T 14885 catalogue: one bad row, corrected, approved, imported again ----------------------


def test_a_gbt14885_catalogue_is_imported_through_one_approved_change_request(
        users, flow, approver, admin, client_for):
    rows = gbt_rows()
    assert len(rows) == 50
    entries_before = StandardEntry.objects.count()

    # One bad row: nothing is imported, the page names its row and column.
    bad = [list(r) for r in rows]
    bad[20][1] = "A09000000"  # Excel row 22: a parent that exists neither in the table nor in the file
    response = upload(admin, xlsx_bytes(bad))
    assert response.status_code == 200
    assert errors_of(response) == [(22, "上级键", "A09000000",
                                    "找不到上级键“A09000000”：应为本表在生效日期有效的键，或本文件中的键。")]
    html = response.content.decode()
    assert 'id="import-errors"' in html and "第 22 行" in html and 'id="error-report"' in html
    assert not StandardChangeRequest.objects.exists() and not StandardChangeItem.objects.exists()
    assert StandardEntry.objects.count() == entries_before
    assert not ApprovalRequest.objects.exists()
    # The form keeps the date and the reason for the corrected file.
    assert response.context["form"].initial["effective_from"] == ON
    report = admin.get(response.context["report_url"])
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content)), read_only=True).active
    assert list(sheet.iter_rows(values_only=True))[1][:2] == (22, "上级键")

    # The corrected file: one pending change request with all 50 rows, routed to the approvers.
    response = upload(admin, xlsx_bytes(rows))
    cr = StandardChangeRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/standards/requests/{cr.pk}/"
    assert (cr.kind, cr.status, cr.requested_by, cr.effective_from) == (RequestKind.IMPORT, RequestStatus.PENDING,
                                                                       users["sysadmin"], ON)
    assert (cr.new_count, cr.changed_count, cr.unchanged_count, cr.import_file) == (43, 7, 0, "gbt14885-2022.xlsx")
    assert cr.items.count() == 50
    approval = approval_of(cr)
    assert approval.status == ApprovalStatus.PENDING and approval.flow == flow
    assert approval.title == ("数据标准变更：资产分类与代码（GB/T 14885-2022） 批量导入 50 条（新增 43 条，修改 7 条）"
                              "（2027-01-01 起）")
    assert list(ApprovalRequest.objects.todo_for(approver)) == [approval]
    assert StandardEntry.objects.count() == entries_before  # nothing changes before the approval
    page = client_for(approver).get(cr.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="import-items"' in html and 'data-key="A01110000"' in html and 'id="go-approve"' in html

    # Approved in the workflow: in force from the effective date, old versions stay readable.
    approve(cr, approver, comment="同意，已与标准原文核对")
    assert (cr.status, cr.decided_by, cr.decision_comment) == (RequestStatus.APPROVED, approver,
                                                                "同意，已与标准原文核对")
    assert approval_of(cr).outcome_error == ""
    new = standard_value("gbt14885", "A01110000", ON)
    assert (new.name, new.parent_key, new.version, new.confidence, new.approved_by) == (
        "房屋和构筑物第11类", "A01000000", 1, "C", approver)
    assert standard_value("gbt14885", "A01119900", ON).parent_key == "A01110000"
    with pytest.raises(StandardNotFound):
        standard_value("gbt14885", "A01110000", date(2026, 12, 31))
    old = standard_value("gbt14885", "A02000000", date(2026, 12, 31))
    door = standard_value("gbt14885", "A02000000", ON)
    assert (old.version, old.confidence, old.effective_to) == (1, "?", ON)
    assert (door.version, door.confidence, door.note, door.source) == (2, "C", "门类名称与代码经原文核对", GBT)
    assert StandardEntry.objects.count() == entries_before + 50
    assert not cr.items.filter(resulting_entry__isnull=True).exists()
    assert cr.items.get(key="A02000000").resulting_entry == door
    # The table page shows the catalogue in force on the chosen date.
    staff = client_for(users["staff"])
    before = staff.get("/standards/tables/gbt14885/", {"on": "2026-12-31", "q": "A0111"})
    after = staff.get("/standards/tables/gbt14885/", {"on": "2027-01-01", "q": "A0111"})
    assert before.context["rows"] == [] and len(after.context["rows"]) == 2
    # Audited: one import record with the counts, the submission and one approval of the batch.
    [imported] = AuditEvent.objects.filter(action=Action.IMPORT)
    assert (imported.object_type, imported.object_id, imported.actor) == (
        "standards.standardchangerequest", str(cr.pk), users["sysadmin"])
    assert (imported.after["rows"], imported.after["new"], imported.after["changed"]) == (50, 43, 7)
    assert [e.after["status"] for e in state_events(cr)] == ["approved", "pending"]
    approved = state_events(cr, "approved")[0]
    assert (approved.actor, approved.after["entries_created"], approved.after["entries_closed"]) == (approver, 50, 7)

    # The same file again: every row equals the version in force, nothing is proposed.
    response = upload(admin, xlsx_bytes(rows), effective_from="2028-01-01", follow=True)
    assert response.redirect_chain[-1][0] == "/standards/tables/gbt14885/"
    assert messages_of(response)[-1:] == ["文件共 50 行，全部与现行版本相同，没有需要变更的内容，未生成变更申请。"]
    assert StandardChangeRequest.objects.count() == 1
    assert AuditEvent.objects.filter(action=Action.IMPORT, object_type="standards.standardtable").count() == 1


def test_the_approval_queries_do_not_grow_with_the_rows(users, flow, approver, django_assert_max_num_queries):
    """The outcome hook writes set-based: the same queries for 10 and 60 rows, apart from the
    INSERT batches SQLite needs (999 parameters per statement)."""

    def batch(per_door, start):
        rows = [r for r in gbt_rows(per_door, start) if r[0] != "A01119900"]
        for door in rows[:7]:
            door[5] = f"第 {start} 批核对"  # every 门类 changes again
        importer = StandardImporter(users["sysadmin"], table=StandardTable.objects.get(code="gbt14885"),
                                    effective_from=date(2027, 1, start), reason="测试")
        with acting_as(users["sysadmin"], channel="web"):
            result = importer.run(io.BytesIO(xlsx_bytes(rows)), "gbt.xlsx")
        assert result.committed, result.errors
        return importer.change_request

    small = batch(per_door=1, start=11)  # 7 changed, 7 new
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as captured:
        approve(small, approver)
    assert small.status == RequestStatus.APPROVED
    inserts = [q for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "standards_standardentry"')]
    assert len(inserts) == 1
    baseline = len(captured.captured_queries) - len(inserts)

    large = batch(per_door=8, start=21)  # 7 changed (version 3), 56 new: 63 rows
    assert large.item_count == 63
    fields = [f for f in StandardEntry._meta.concrete_fields if f.name != "id"]
    batches = -(-63 // min(services.IMPORT_CHUNK_SIZE, connection.ops.bulk_batch_size(fields, [None] * 63)))
    ContentType.objects.clear_cache()
    with django_assert_max_num_queries(baseline + batches) as captured:
        approve(large, approver)
    assert large.status == RequestStatus.APPROVED
    assert sum(q["sql"].startswith('INSERT INTO "standards_standardentry"') for q in captured.captured_queries) \
        == batches
    assert standard_value("gbt14885", "A02000000", date(2027, 1, 21)).version == 3


def test_the_upload_queries_do_not_grow_with_the_rows(users, flow, approver, admin):
    counts = []
    for per_door, start in ((1, 11), (8, 21)):
        rows = [r for r in gbt_rows(per_door, start) if r[0] != "A01119900"][7:]  # new classes only
        fields = [f for f in StandardChangeItem._meta.concrete_fields if f.name != "id"]
        batch = min(services.IMPORT_CHUNK_SIZE, connection.ops.bulk_batch_size(fields, [None] * len(rows)))
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as captured:
            assert upload(admin, xlsx_bytes(rows), effective_from=f"2027-01-{start}").status_code == 302
        sql = [q["sql"] for q in captured.captured_queries]
        inserts = sum(s.startswith('INSERT INTO "standards_standardchangeitem"') for s in sql)
        assert inserts == -(-len(rows) // batch)
        counts.append(len(sql) - inserts)
    assert counts[0] == counts[1]


# What a row may say ----------------------------------------------------------------------------

DEPRECIATION_HEADER = ["资产类别", "上级键", "名称", "最低折旧年限", "单位", "最高年限", "最高年限单位", "依据文件",
                       "可信度", "备注"]
DEPRECIATION_SOURCE = "《政府会计准则第3号——固定资产》应用指南（财会〔2017〕4号）附《政府固定资产折旧年限表》"


def test_the_template_and_the_page_follow_the_table(users, admin, client_for):
    page = admin.get("/standards/tables/depreciation_life/")
    assert 'href="/standards/tables/depreciation_life/import/" id="import-link"' in page.content.decode()
    response = admin.get("/standards/tables/depreciation_life/import/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["title"] == "导入固定资产最低折旧年限"
    assert 'href="/standards/tables/depreciation_life/import/template.xlsx"' in html
    assert 'name="effective_from"' in html and 'name="reason"' in html and "不会直接修改标准" in html
    template = admin.get("/standards/tables/depreciation_life/import/template.xlsx")
    assert template.status_code == 200 and template["Content-Type"] == XLSX
    assert "%E5%9B%BA%E5%AE%9A" in template["Content-Disposition"]  # 固定资产最低折旧年限导入模板.xlsx
    workbook = load_workbook(io.BytesIO(template.content))
    header, example = list(workbook.worksheets[0].iter_rows(values_only=True))[:2]
    assert list(header) == DEPRECIATION_HEADER
    assert example[:4] == ("building_steel", "buildings", "钢结构、钢筋混凝土结构房屋", 50)
    assert workbook.sheetnames[1] == "填写说明"
    # A code table has no value columns and, when flat, no parent column.
    template = admin.get("/standards/tables/acquisition_method/import/template.xlsx")
    header = next(load_workbook(io.BytesIO(template.content)).worksheets[0].iter_rows(values_only=True))
    assert list(header) == ["方式代码", "名称", "依据文件", "可信度", "备注"]
    # Proposing needs the permission to add change requests.
    for name in ("staff", "a_assets"):
        client = client_for(users[name])
        assert "import-link" not in client.get("/standards/tables/depreciation_life/").content.decode()
        assert client.get("/standards/tables/depreciation_life/import/").status_code == 403
        assert client.get("/standards/tables/depreciation_life/import/template.xlsx").status_code == 403
    assert admin.get("/standards/tables/nope/import/").status_code == 404


def test_every_bad_row_is_listed_with_its_column_and_reason(users, flow, approver, admin):
    approve(propose(users["sysadmin"], key="computer", value="7", effective_from=date(2027, 1, 1)), approver)
    rows = [
        ["computer", "general_equipment", "计算机设备", "8", "年", "", "", DEPRECIATION_SOURCE, "C", ""],   # 2: date
        ["vehicle", "general_equipment", "车辆", "8", "年", "", "", DEPRECIATION_SOURCE, "原文确认 [C]", ""],  # 3: same
        ["drone", "general_equipment", "无人机", "六", "年", "", "", "", "[C]", ""],  # 4: not a number
        ["drone", "general_equipment", "无人机", "6", "年", "", "", "", "[C]", ""],  # 5: duplicate key
        ["robot", "nowhere", "机器人", "6", "", "", "", "", "X", ""],  # 6: parent, confidence
        ["a b", "", "空格", "6.1234567", "", "", "", "", "?", ""],  # 7: key, decimals
        ["loop1", "loop2", "循环一", "5", "", "", "", "", "S", ""],  # 8: cycle
        ["loop2", "loop1", "循环二", "5", "", "", "", "", "S", ""],  # 9: cycle
        ["", "", "", "", "", "", "", "", "", ""],  # blank: skipped
        ["printer", "", "", "5", "", "", "", "", "", ""],  # 11: name and confidence required
    ]
    response = upload(admin, xlsx_bytes(rows, DEPRECIATION_HEADER), table="depreciation_life",
                      effective_from="2026-06-01")
    found = {(row, column): message for row, column, _value, message in errors_of(response)}
    assert found == {
        (2, "生效日期"): "该键有变化，生效日期 2026-06-01 必须晚于其现行版本（第 2 版）的生效日期 2027-01-01。",
        (4, "最低折旧年限"): "应为数字。",
        (5, "资产类别"): "与第 4 行的“资产类别”重复。",
        (6, "上级键"): "找不到上级键“nowhere”：应为本表在生效日期有效的键，或本文件中的键。",
        (6, "可信度"): "“X”不是允许的可信度，可填 [C]、[S]、[?]（也可只填 C、S、?）。",
        (7, "资产类别"): "键只能包含字母、数字、点、下划线和连字符，例如 A02010105、county.zhengke。",
        (7, "最低折旧年限"): "最多保留 6 位小数。",
        (8, "上级键"): "上级键形成循环：loop1 → loop2 → loop1。",
        (9, "上级键"): "上级键形成循环：loop2 → loop1 → loop2。",
        (11, "名称"): "必填，不能为空。",
        (11, "可信度"): "必填，不能为空。",
    }
    result = response.context["result"]
    assert (result.total_rows, result.bad_rows) == (9, 8)
    assert StandardChangeRequest.objects.filter(kind=RequestKind.IMPORT).count() == 0


def test_a_parent_not_yet_in_force_on_the_date_is_refused(users, flow, approver, admin):
    approve(propose(users["sysadmin"], key="drones", value=None, name="无人机类", confidence="S",
                    effective_from=date(2028, 1, 1)), approver)
    rows = [["drone", "drones", "无人机", "6", "", "", "", "", "S", ""]]
    response = upload(admin, xlsx_bytes(rows, DEPRECIATION_HEADER), table="depreciation_life",
                      effective_from="2027-06-01")
    assert errors_of(response) == [(2, "上级键", "drones", "上级键“drones”在生效日期 2027-06-01 没有有效的版本"
                                                          "（其现行版本自 2028-01-01 起生效）。")]


def test_columns_left_out_keep_the_current_values_and_blank_cells_take_the_defaults(users, flow, approver, admin):
    header = ["资产类别", "名称", "最低折旧年限", "可信度"]  # no unit, parent, source, note, second value
    rows = [["special_equipment", "专用设备", "10", "[S]"],  # a value for the group row (had none)
            ["drone", "无人机", "6", "[?]"]]
    response = upload(admin, xlsx_bytes(rows, header), table="depreciation_life", follow=True)
    cr = StandardChangeRequest.objects.get()
    assert response.redirect_chain[-1][0] == cr.get_absolute_url()
    current = StandardEntry.objects.get(table__code="depreciation_life", key="special_equipment")
    changed, new = cr.items.get(key="special_equipment"), cr.items.get(key="drone")
    assert (changed.base_entry, changed.value, changed.value2, changed.unit, changed.source, changed.parent_key) == (
        current, Decimal("10"), current.value2, "年", current.source, current.parent_key)
    assert (changed.confidence, changed.sort_order, changed.attrs) == ("S", current.sort_order, current.attrs)
    assert (new.base_entry, new.unit, new.source, new.parent_key, new.note, new.confidence) == (
        None, "年", DEPRECIATION_SOURCE, "", "", "?")
    last = StandardEntry.objects.filter(table__code="depreciation_life").order_by("-sort_order").first()
    assert new.sort_order == last.sort_order + 10  # new keys follow the table's rows
    assert "已生成变更申请" in response.content.decode()


def test_the_export_of_a_table_imports_back_as_unchanged(users, flow, approver, admin):
    response = admin.get("/standards/tables/office_equipment_config/", {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)][2:]  # the header is row 3, below the title
    keep = [i for i, h in enumerate(rows[0]) if h not in ("其他属性", "生效日期", "失效日期", "版本", "审批人")]
    rows = [[r[i] for i in keep] for r in rows]
    response = upload(admin, xlsx_bytes(rows[1:], rows[0]), table="office_equipment_config", follow=True)
    assert messages_of(response) == ["文件共 6 行，全部与现行版本相同，没有需要变更的内容，未生成变更申请。"]
    # One changed value then makes a one-row change request; the attrs are kept.
    copier = next(r for r in rows if r[0] == "copier")
    copier[rows[0].index("单价上限")] = 40000
    upload(admin, xlsx_bytes(rows[1:], rows[0]), table="office_equipment_config")
    [item] = StandardChangeRequest.objects.get().items.all()
    assert (item.key, item.value, item.attrs) == ("copier", Decimal("40000"), {"pages": 300000})


def test_without_a_configured_flow_nothing_is_saved(users, approver, admin):
    rows = [["drone", "general_equipment", "无人机", "6", "年", "", "", "", "[C]", ""]]
    response = upload(admin, xlsx_bytes(rows, DEPRECIATION_HEADER), table="depreciation_life")
    assert response.status_code == 200
    assert response.context["result"].file_errors == ["本单位尚未配置“数据标准变更”的审批流程，请联系系统管理员。"]
    assert "未导入任何数据" in response.content.decode()
    assert not StandardChangeRequest.objects.exists() and not StandardChangeItem.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.IMPORT).exists()


# The batch in the approval flow ----------------------------------------------------------------


def import_depreciation(admin, rows, effective_from="2027-01-01"):
    response = upload(admin, xlsx_bytes(rows, DEPRECIATION_HEADER), table="depreciation_life",
                      effective_from=effective_from)
    assert response.status_code == 302, errors_of(response)
    return StandardChangeRequest.objects.filter(kind=RequestKind.IMPORT).latest("pk")


COMPUTER_8 = ["computer", "general_equipment", "计算机设备", "8", "年", "", "", "财政部某号文（测试）", "C", "测试"]


def test_an_imported_row_becomes_exactly_what_a_single_change_request_gives(users, flow, approver, admin):
    cr = import_depreciation(admin, [COMPUTER_8])
    approve(cr, approver)
    single = approve(propose(users["sysadmin"], key="computer", value="8", unit="年", name="计算机设备",
                             parent_key="general_equipment", source="财政部某号文（测试）", confidence="C",
                             note="测试", effective_from=date(2028, 1, 1)), approver)
    v2, v3 = (StandardEntry.objects.get(table__code="depreciation_life", key="computer", version=n) for n in (2, 3))
    assert cr.items.get().resulting_entry == v2 and single.resulting_entry == v3
    compared = ["table_id", "key", "parent_key", "name", "value", "unit", "value2", "unit2", "attrs", "source",
                "confidence", "note", "sort_order", "approved_by_id"]
    assert [getattr(v2, f) for f in compared] == [getattr(v3, f) for f in compared]
    assert (v2.effective_from, v2.effective_to, v3.effective_to) == (date(2027, 1, 1), date(2028, 1, 1), None)


def test_the_change_request_page_shows_each_row_before_and_after(users, flow, approver, admin, client_for):
    rows = [COMPUTER_8, ["drone", "general_equipment", "无人机", "6", "年", "", "", "", "[S]", ""]]
    cr = import_depreciation(admin, rows)
    page = client_for(approver).get(cr.get_absolute_url())
    html = page.content.decode()
    assert page.context["title"] == f"固定资产最低折旧年限 · 批量导入变更申请 #{cr.pk}"
    assert 'id="item-counts"' in html and "新增 1 条，修改 1 条" in html
    computer = next(r for r in page.context["item_rows"] if r["item"].key == "computer")
    changed = {c["name"]: (c["before"], c["after"]) for c in computer["cells"] if c["changed"]}
    assert changed == {"value": ("6 年", "8 年"), "source": (DEPRECIATION_SOURCE, "财政部某号文（测试）"),
                       "note": (None, "测试")}
    assert 'data-changed="value"' in html and "<del" in html and "修改第 1 版" in html
    only_new = client_for(approver).get(cr.get_absolute_url(), {"change": "new"})
    assert [r["item"].key for r in only_new.context["item_rows"]] == ["drone"]
    # The requests list and the key's history name the batch.
    listing = admin.get("/standards/requests/")
    assert [r["object"] for r in listing.context["rows"]] == [cr]
    assert "批量 2 条" in listing.content.decode()
    history = client_for(approver).get("/standards/tables/depreciation_life/keys/computer/")
    assert history.context["change_requests"] == [cr]


def test_a_batch_overtaken_by_another_approved_version_is_not_half_applied(users, flow, approver, admin,
                                                                           client_for):
    rows = [COMPUTER_8, ["drone", "general_equipment", "无人机", "6", "年", "", "", "", "[S]", ""]]
    cr = import_depreciation(admin, rows)
    approve(propose(users["sysadmin"], key="computer", value="9", effective_from=date(2026, 7, 1)), approver)
    assert 'id="stale-items"' in admin.get(cr.get_absolute_url()).content.decode()
    approve(cr, approver)  # the approval stands; the hook refuses to write anything
    approval = approval_of(cr)
    assert approval.status == ApprovalStatus.APPROVED and approval.outcome_applied_at is None
    assert "以下 1 个键在提出申请后已有新的版本或已被新增：computer；新版本未生成" in approval.outcome_error
    assert cr.status == RequestStatus.PENDING and not state_events(cr, "approved")
    assert not StandardEntry.objects.filter(table__code="depreciation_life", key="drone").exists()
    assert standard_value("depreciation_life", "computer", date(2027, 6, 1)).value == 9
    assert 'id="approval-error"' in client_for(users["sysadmin"]).get(cr.get_absolute_url()).content.decode()
    services.change_request_withdraw(change_request=cr, user=users["sysadmin"])
    cr.refresh_from_db()
    assert cr.status == RequestStatus.WITHDRAWN


def test_a_rejected_or_withdrawn_batch_writes_nothing(users, flow, approver, admin, client_for):
    cr = import_depreciation(admin, [COMPUTER_8])
    decide(cr, approver, "reject", "依据不足")
    assert (cr.status, cr.decision_comment) == (RequestStatus.REJECTED, "依据不足")
    other = import_depreciation(admin, [COMPUTER_8])
    response = admin.post(f"/standards/requests/{other.pk}/withdraw/", follow=True)
    assert "申请已撤回。" in messages_of(response)
    other.refresh_from_db()
    assert other.status == RequestStatus.WITHDRAWN and approval_of(other).status == ApprovalStatus.WITHDRAWN
    assert StandardEntry.objects.filter(table__code="depreciation_life", key="computer").count() == 1
    assert not StandardEntry.objects.filter(approved_by__isnull=False).exists()


def test_the_confidence_column_accepts_the_usual_spellings():
    from jiguan.standards.imports import ConfidenceParser

    parse = ConfidenceParser()
    for text, value in (("C", "C"), ("[C]", "C"), ("c", "C"), ("［Ｃ］", "C"), ("原文确认 [C]", "C"), ("原文确认", "C"),
                        ("S", "S"), ("[S]", "S"), ("二手来源", "S"), ("?", "?"), ("？", "?"), ("[?]", "?"),
                        ("未经确认 [?]", "?")):
        assert parse(text) == value, text


def test_the_api_lists_a_batch_like_any_change_request(users, flow, approver, admin, api_client_for):
    cr = import_depreciation(admin, [COMPUTER_8])
    api = api_client_for(users["sysadmin"])
    [body] = api.get("/api/v1/standards/change-requests/").json()["results"]
    assert (body["id"], body["key"], body["name"], body["status"], body["approval_request"]) == (
        cr.pk, "", "导入 gbt14885-2022.xlsx：新增 0 条，修改 1 条", "pending", approval_of(cr).pk)
    # A change request created in the API still names its key.
    response = api.post("/api/v1/standards/change-requests/", {
        "table": "depreciation_life", "key": "", "effective_from": "2027-06-01", "reason": "测试"}, format="json")
    assert response.status_code == 400
    assert StandardChangeRequest.objects.count() == 1


def test_a_column_with_data_under_a_blank_header_refuses_the_file(users, flow, approver, admin):
    """Issue 16, item 10: the 备注 header cell left blank (merged into 可信度's) loses no note."""
    header = [*GBT_HEADER[:-1], None]
    rows = [[code, "", name, GBT, "[C]", "门类名称与代码经原文核对"] for code, name in DOORS]
    response = upload(admin, xlsx_bytes(rows, header))
    assert response.status_code == 200
    assert response.context["result"].file_errors[0] == (
        "第 F 列有数据但没有列标题（第 2 行为“门类名称与代码经原文核对”）：请填写列标题，或删除该列。")
    assert not StandardChangeRequest.objects.filter(kind=RequestKind.IMPORT).exists()
