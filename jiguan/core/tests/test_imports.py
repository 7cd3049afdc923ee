"""The import framework (jiguan.core.imports) with a probe importer: reading, headers, parsers, error
collection, all-or-nothing, progress, spooling, template and error report."""

import codecs
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook, load_workbook

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.imports import (
    Boolean,
    Choice,
    Date,
    DecimalNumber,
    ImportColumn,
    Importer,
    ImportRow,
    Integer,
    RowStore,
    Text,
    normalize_header,
)
from jiguan.org.models import OrgUnit

HEADER = ["名称", "数量", "日期", "类别", "金额", "启用", "编码"]
GOOD = ["办公桌", "3", "2026-03-01", "家具", "1200.50", "是", "ab-1"]


def no_x(value):
    return "编码不能含有 X。" if "X" in value else None


class ProbeImporter(Importer):
    """Commits into a list; OrgUnit only lends its permission and audit label."""

    model = OrgUnit
    label = "探针"
    validate_model = False
    columns = [
        ImportColumn("名称", "name", required=True, parser=Text(max_length=10), example="示例桌"),
        ImportColumn("数量", "quantity", parser=Integer(min_value=0), default=1, example=2),
        ImportColumn("日期", "date", parser=Date(), default=None, example="2026-01-01"),
        ImportColumn("类别", "category", required=True, parser=Choice([("furniture", "家具"), ("it", "电子设备")]),
                     example="家具", aliases=("分类",)),
        ImportColumn("金额", "amount", parser=DecimalNumber(max_digits=10, decimal_places=2), default=None, example="99.00"),
        ImportColumn("启用", "enabled", parser=Boolean(), default=True, example="是"),
        ImportColumn("编码", "code", parser=Text(upper=True, validators=[no_x], text_format=True), example="EX-1"),
    ]
    unique_in_file = [("code",)]

    def reset(self):
        super().reset()
        self.committed_rows = []
        self.seen_across = []

    def check_across(self, row):
        super().check_across(row)
        self.seen_across.append(row.number)

    def commit(self, rows):
        self.committed_rows = list(rows)
        self._report(len(self.committed_rows), len(rows))
        return len(self.committed_rows)


def xlsx_file(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def csv_bytes(rows, encoding="utf-8", delimiter=","):
    text = "\r\n".join(delimiter.join(str(c) for c in row) for row in rows) + "\r\n"
    return text.encode(encoding)


@pytest.fixture
def sysadmin(users):
    return users["sysadmin"]


@pytest.fixture(autouse=True)
def import_settings(settings, tmp_path):
    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"  # uploads, job state and error reports
    return settings


def run(actor, rows, name="probe.xlsx", **kwargs):
    importer = ProbeImporter(actor, **kwargs)
    fileobj = xlsx_file(rows) if name.endswith(".xlsx") else io.BytesIO(rows)
    return importer, importer.run(fileobj, name)


# Reading --------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings_all_read_the_same(sysadmin, encoding):
    content = csv_bytes([HEADER, GOOD, ["文件柜", "1", "2026/3/2", "家具", "800", "否", "ab-2"]], encoding)
    importer, result = run(sysadmin, content, "probe.csv")
    assert result.committed, result.errors + result.file_errors
    assert [r.values["name"] for r in importer.committed_rows] == ["办公桌", "文件柜"]
    assert importer.committed_rows[1].values["date"] == dt.date(2026, 3, 2)


def test_csv_with_tabs_and_quoted_newlines(sysadmin):
    content = "名称\t类别\t编码\r\n\"两行\n名称\"\t家具\tq1\r\n".encode()
    importer, result = run(sysadmin, content, "probe.csv")
    assert result.committed, result.errors
    assert importer.committed_rows[0].values["name"] == "两行\n名称"


def test_xlsx_values_from_excel_types(sysadmin):
    rows = [HEADER, ["椅子", 4, dt.datetime(2026, 5, 6), "电子设备", 12.5, True, 12345]]
    importer, result = run(sysadmin, rows)
    assert result.committed
    values = importer.committed_rows[0].values
    assert values == {"name": "椅子", "quantity": 4, "date": dt.date(2026, 5, 6), "category": "it",
                      "amount": Decimal("12.5"), "enabled": True, "code": "12345"}


def test_header_tolerates_whitespace_order_marks_and_a_title_row(sysadmin):
    rows = [
        ["资产导入表"],  # a title row above the header
        [" 编码 ", "类别（必填）", None, "名\u3000称*", None],
        ["k1", "家具", None, "桌子"],
    ]
    importer, result = run(sysadmin, rows)
    assert result.committed, result.file_errors
    row = importer.committed_rows[0]
    assert row.number == 3
    assert (row.values["name"], row.values["category"], row.values["code"]) == ("桌子", "furniture", "K1")
    assert row.values["quantity"] == 1 and row.values["enabled"] is True  # absent optional columns: defaults


def test_alias_header(sysadmin):
    importer, result = run(sysadmin, [["名称", "分类"], ["桌子", "家具"]])
    assert result.committed


def test_normalize_header():
    assert normalize_header(" 统一社会\n信用代码 （必填） ") == "统一社会信用代码"
    assert normalize_header("＊名称") == "名称"


@pytest.mark.parametrize("header, expected", [
    (["名称", "型号", "类别"], "第 B 列的列标题“型号”无法识别。"),
    (["名称", "数量"], "缺少必填列：类别。"),
    (["名称", "类别", "名称"], "第 C 列的列标题“名称”与第 A 列重复。"),
])
def test_bad_headers_are_refused_with_a_clear_message(sysadmin, header, expected):
    importer, result = run(sysadmin, [header, ["桌子", "家具", "x"][:len(header)]])
    assert not result.committed and not importer.committed_rows
    assert result.file_errors == [expected, "第 1 行为列标题行，允许的列：名称、数量、日期、类别、金额、启用、编码。请使用导入模板。"]


def test_a_column_with_data_under_a_blank_header_is_an_error_naming_it(sysadmin):
    """Issue 16, item 10: two merged header cells left 品牌's column without a header, and the
    import silently dropped every brand. Now nothing is imported and the column is named, with the
    rows' own errors listed too."""
    rows = [
        ["名称", "类别", None, "编码", None],
        ["桌子", "家具", "联想", "k1"],
        ["椅子", "家具", None, "k2", None],
        ["柜子", "家具", None, "k3", "备注"],
        ["灯", "不存在的类别", None, "k4"],
    ]
    importer, result = run(sysadmin, rows)
    assert not result.committed and not importer.committed_rows
    assert result.file_errors[:2] == ["第 C 列有数据但没有列标题（第 2 行为“联想”）：请填写列标题，或删除该列。",
                                      "第 E 列有数据但没有列标题（第 4 行为“备注”）：请填写列标题，或删除该列。"]
    assert "请使用导入模板" in result.file_errors[2]
    assert [(e.row, e.column) for e in result.errors] == [(5, "类别")]


def test_a_csv_row_longer_than_its_header_is_an_error(sysadmin):
    content = csv_bytes([["名称", "类别"], ["桌子", "家具", "多出来的"]])
    importer, result = run(sysadmin, content, "probe.csv")
    assert not result.committed
    assert result.file_errors[0] == "第 C 列有数据但没有列标题（第 2 行为“多出来的”）：请填写列标题，或删除该列。"


def test_every_header_problem_is_listed_at_once(sysadmin):
    rows = [["名称", "型号", None, "名称"], ["桌子", "X1", "联想", "桌子"], ["椅子", None, None, None]]
    importer, result = run(sysadmin, rows)
    assert not result.committed and not result.errors
    assert result.file_errors == [
        "缺少必填列：类别。", "第 B 列的列标题“型号”无法识别。", "第 D 列的列标题“名称”与第 A 列重复。",
        "第 C 列有数据但没有列标题（第 2 行为“联想”）：请填写列标题，或删除该列。",
        "第 1 行为列标题行，允许的列：名称、数量、日期、类别、金额、启用、编码。请使用导入模板。"]


def test_blank_header_cells_without_data_are_harmless(sysadmin):
    importer, result = run(sysadmin, [["名称", None, "类别", None], ["桌子", None, "家具", ""]])
    assert result.committed, result.file_errors


def test_no_header_at_all(sysadmin):
    importer, result = run(sysadmin, [["a", "b"], ["c", "d"]])
    assert "找不到列标题行" in result.file_errors[0]


def test_empty_file_has_no_data_rows(sysadmin):
    importer, result = run(sysadmin, [HEADER, [None] * 7])
    assert result.file_errors == ["文件中没有数据行。"]


@pytest.mark.parametrize("name, content, expected", [
    ("probe.xls", b"\xd0\xcf\x11\xe0", ".xls"),
    ("probe.txt", b"abc", "只能导入 .xlsx 或 .csv"),
    ("probe.xlsx", b"not a zip", "已损坏"),
])
def test_unreadable_files(sysadmin, name, content, expected):
    importer = ProbeImporter(sysadmin)
    result = importer.run(io.BytesIO(content), name)
    assert not result.committed and expected in result.file_errors[0]


def test_undecodable_csv(sysadmin):
    importer = ProbeImporter(sysadmin)
    result = importer.run(io.BytesIO("名称,类别\r\n".encode() + b"\x81\x30\xff\xff,x\r\n"), "x.csv")
    assert not result.committed and "编码" in result.file_errors[0]


# Validation -----------------------------------------------------------------------------------


def test_every_error_of_every_row_is_collected_with_excel_row_numbers(sysadmin):
    rows = [
        HEADER,
        GOOD,
        ["", "-1", "明天", "家具", "1.234", "也许", "X1"],  # row 3: six errors
        [None] * 7,  # row 4: blank, skipped but counted in numbering
        ["名称太长了超过十个字符啦", "2", "", "图书", "", "", "ab-1"],  # row 5: three errors
        ["好的", "1", "", "家具", "", "", ""],  # row 6: fine
    ]
    importer, result = run(sysadmin, rows)
    assert not result.committed and importer.committed_rows == []
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (3, "名称"), (3, "数量"), (3, "日期"), (3, "金额"), (3, "启用"), (3, "编码"),
        (5, "名称"), (5, "类别"), (5, "编码"),
    }
    assert result.total_rows == 4 and result.bad_rows == 2 and result.error_count == 9
    by_cell = {(e.row, e.column): e for e in result.errors}
    assert by_cell[(3, "名称")].message == "必填，不能为空。"
    assert by_cell[(3, "编码")].value == "X1" and by_cell[(3, "编码")].message == "编码不能含有 X。"
    assert by_cell[(5, "编码")].message == "与第 2 行的“编码”重复。"
    assert "不是允许的值，可选：家具、电子设备" in by_cell[(5, "类别")].message
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)
    # the cross-row hook saw every row, valid or not
    assert importer.seen_across == [2, 3, 5, 6]
    assert not AuditEvent.objects.filter(action=Action.IMPORT).exists()


def test_all_valid_commits_once_with_one_audit_record(sysadmin):
    before = AuditEvent.objects.count()
    importer, result = run(sysadmin, [HEADER, GOOD, ["椅子", "2", "", "家具", "", "", "ab-2"]], "采购.xlsx")
    assert result.committed and result.created == 2
    assert [r.number for r in importer.committed_rows] == [2, 3]
    events = list(AuditEvent.objects.filter(id__gt=before))
    assert len(events) == 1
    event = events[0]
    assert event.action == Action.IMPORT and event.actor_id == sysadmin.pk
    assert event.object_repr == "采购.xlsx" and "2" in event.message
    assert event.after["rows"] == 2 and event.after["created"] == 2 and len(event.after["sha256"]) == 64


def test_dry_run_writes_nothing(sysadmin):
    importer = ProbeImporter(sysadmin)
    result = importer.run(xlsx_file([HEADER, GOOD]), "x.xlsx", dry_run=True)
    assert not result.has_errors and not result.committed and importer.committed_rows == []


def test_example_row_of_the_template_is_skipped(sysadmin):
    example = ["示例桌", 2, "2026-01-01", "家具", "99.00", "是", "EX-1"]
    importer, result = run(sysadmin, [HEADER, example, GOOD])
    assert result.committed and result.skipped_example == 1 and result.created == 1


def test_errors_beyond_the_limit_are_counted_not_kept(sysadmin, settings):
    settings.JIGUAN_IMPORT = {**getattr(settings, "JIGUAN_IMPORT", {}), "MAX_ERRORS": 5}
    importer, result = run(sysadmin, [HEADER] + [["", "", "", "家具"] for _ in range(8)])
    assert result.error_count == 8 and len(result.errors) == 5 and result.truncated and result.bad_rows == 8
    report = load_workbook(io.BytesIO(result.error_report())).active
    assert "共 8 处错误" in report.cell(row=report.max_row, column=4).value


def test_actor_without_permission_is_refused(users):
    with pytest.raises(PermissionDenied):
        ProbeImporter(users["a_assets"]).run(xlsx_file([HEADER, GOOD]), "x.xlsx")


def test_progress_is_reported_every_n_rows(sysadmin):
    calls = []
    rows = [HEADER] + [[f"物品{i}", "1", "", "家具", "", "", f"c{i}"] for i in range(25)]
    importer = ProbeImporter(sysadmin, progress=lambda done, total: calls.append((importer.phase, done, total)))
    importer.progress_every = 10
    result = importer.run(xlsx_file(rows), "x.xlsx")
    assert result.committed
    assert calls[:2] == [("validate", 10, None), ("validate", 20, None)]
    assert ("commit", 25, 25) in calls


# Parsers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("parser, raw, value", [
    (Integer(), "１２", 12),
    (Integer(), 3.0, 3),
    (Integer(), "1,000", 1000),
    (DecimalNumber(decimal_places=2), 0.1, Decimal("0.1")),
    (DecimalNumber(decimal_places=2), "１,２３４.５０", Decimal("1234.50")),
    (Date(), "2026年3月1日", dt.date(2026, 3, 1)),
    (Date(), "20260301", dt.date(2026, 3, 1)),
    (Date(), "2026-03-01 00:00:00", dt.date(2026, 3, 1)),
    (Choice([("a", "机关")]), " 机关 ", "a"),
    (Choice([("agency", "机关")]), "AGENCY", "agency"),
    (Boolean(), "否", False),
    (Boolean(), "Y", True),
    (Text(upper=True), " ab ", "AB"),
])
def test_parsers_accept(parser, raw, value):
    assert parser(raw) == value


@pytest.mark.parametrize("parser, raw", [
    (Integer(), "1.5"), (Integer(), True), (Integer(min_value=0), "-1"), (Integer(max_value=9), 10),
    (DecimalNumber(decimal_places=2), "1.005"), (DecimalNumber(max_digits=4, decimal_places=2), "123.4"),
    (DecimalNumber(), "NaN"), (Date(), "2026-02-30"), (Choice([("a", "机关")]), "机"), (Boolean(), "可能"),
    (Text(max_length=2), "abc"),
])
def test_parsers_refuse_in_chinese(parser, raw):
    with pytest.raises(ValidationError) as info:
        parser(raw)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.messages[0])


# Spooling -------------------------------------------------------------------------------------


def test_row_store_spills_to_disk_and_gives_rows_back_in_order(settings):
    settings.JIGUAN_IMPORT = {"SPOOL_MB": 0.01}
    store = RowStore()
    for n in range(2, 5002):
        store.append(ImportRow(n, {"name": f"第{n}行", "amount": Decimal(n)}, {"ref": n - 1}))
    assert store._file._rolled  # past 10 KB: on disk
    assert len(store) == 5000
    numbers = [r.number for r in store]
    assert numbers == list(range(2, 5002))
    chunks = list(store.chunks(2000))
    assert [len(c) for c in chunks] == [2000, 2000, 1000]
    assert chunks[2][-1].values == {"name": "第5001行", "amount": Decimal(5001)} and chunks[2][-1].extra == {"ref": 5000}
    store.close()


# Template and report --------------------------------------------------------------------------


def test_template_has_header_example_and_instructions(sysadmin):
    wb = load_workbook(io.BytesIO(ProbeImporter(sysadmin).template_bytes()))
    assert wb.sheetnames == ["探针", "填写说明"]
    data = wb["探针"]
    assert [c.value for c in data[1]] == HEADER
    assert data["A2"].value == "示例桌" and data["G2"].value == "EX-1" and data["G2"].number_format == "@"
    assert data["A1"].font.color.rgb.endswith("C00000")  # required columns in red
    assert any('"家具,电子设备"' in v.formula1 for v in data.data_validations.dataValidation)
    notes = [[c.value for c in row] for row in wb["填写说明"].iter_rows()]
    assert notes[0] == ["列名", "是否必填", "填写要求", "示例"]
    assert notes[1][:2] == ["名称", "必填"] and "10 个字符" in notes[1][2]
    assert notes[4][:3] == ["类别", "必填", "可选：家具、电子设备"]
    assert any(row[2] and "只要有一行有错误，就不会导入任何数据" in row[2] for row in notes)


def test_template_reimports_as_nothing_but_the_skipped_example(sysadmin):
    importer = ProbeImporter(sysadmin)
    result = importer.run(io.BytesIO(importer.template_bytes()), "模板.xlsx")
    assert result.skipped_example == 1 and result.file_errors == ["文件中没有数据行。"]


def test_error_report_lists_row_column_value_reason(sysadmin):
    importer, result = run(sysadmin, [HEADER, GOOD, ["桌", "x", "", "家具", "", "", ""]])
    sheet = load_workbook(io.BytesIO(result.error_report())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["行号", "列", "填写的值", "错误原因"]
    assert rows[1] == [3, "数量", "x", "应为整数。"]


def test_csv_bom_is_not_part_of_the_first_header(sysadmin):
    content = codecs.BOM_UTF8 + "名称,类别\r\n桌,家具\r\n".encode()
    importer, result = run(sysadmin, content, "x.csv")
    assert result.committed
