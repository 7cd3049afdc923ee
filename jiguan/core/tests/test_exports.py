"""Spreadsheets Jiguan hands out (exports, import error reports, import templates) write what users
typed as text: a unit named ``=HYPERLINK(...)`` opens in Excel as that text, never as a live formula
(formula injection, OWASP "CSV injection").

A list's export opens as a finance clerk expects (issue 19): title, scope and time above a frozen,
filterable header in row 3, amounts as #,##0.00, dates as dates; import templates keep row 1."""

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiguan.core import exports
from jiguan.core.context import acting_as
from jiguan.core.tables import Column, Table
from jiguan.org import services
from jiguan.org.models import OrgKind

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tTAB", "=1+1"]


def sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def cells_holding(ws, values):
    """{value: cell} for every cell whose value is one of ``values``."""
    return {cell.value: cell for row in ws.iter_rows() for cell in row if cell.value in values}


def assert_text(found: dict, values):
    assert set(found) == set(values), sorted(found)
    for value, cell in found.items():
        assert cell.data_type == "s", (value, cell.data_type)
        assert cell.quotePrefix, value


@pytest.fixture
def formula_units(users, tree):
    with acting_as(users["sysadmin"]):
        return [services.orgunit_create(parent=tree.city_a, kind=OrgKind.DEPARTMENT, name=name)
                for name in FORMULAS]


def test_unit_export_writes_formula_like_names_as_text(users, formula_units, client_for):
    response = client_for(users["sysadmin"]).get("/org/units/list/", {"export": "xlsx"})
    assert response.status_code == 200
    ws = sheet(response.content)
    assert_text(cells_holding(ws, FORMULAS), FORMULAS)
    # Ordinary text and numbers keep their types.
    assert cells_holding(ws, ["甲市"])["甲市"].quotePrefix is False


def test_audit_log_export_writes_formula_like_object_names_as_text(users, formula_units, client_for):
    response = client_for(users["auditor"]).get("/audit/", {"export": "xlsx"})
    assert response.status_code == 200
    assert_text(cells_holding(sheet(response.content), FORMULAS), FORMULAS)


def test_import_error_report_writes_formula_like_values_as_text(users, tmp_path, settings, client_for):
    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"  # uploads, job state and error reports
    client = client_for(users["sysadmin"])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["名称", "简称", "类型", "上级单位", "行政区划代码", "统一社会信用代码", "排序"])
    # Every bad value is one a spreadsheet would evaluate: the kind, the parent, the region code.
    writer.writerow(["某局", "", '=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", 1])
    upload = SimpleUploadedFile("units.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")
    response = client.post("/org/units/import/", {"file": upload})
    assert response.status_code == 200
    shown = {e.value for e in response.context["errors"]}
    assert {'=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"} <= shown
    report = client.get(response.context["report_url"])
    assert report.status_code == 200
    ws = sheet(b"".join(report.streaming_content))
    found = cells_holding(ws, shown)
    assert {'=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"} <= set(found)
    for value, cell in found.items():
        assert cell.data_type == "s" and cell.quotePrefix, value


# The layout and number formats of a list's export -----------------------------------------------

EXPORT_TIME = re.compile(r"导出时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


def column_of(ws, label):
    """The cells below the header (row 3) of the column headed ``label``."""
    header = [c.value for c in ws[3]]
    letter = ws.cell(row=3, column=header.index(label) + 1).column_letter
    return [cell for cell in ws[letter][3:]]


def test_number_formats_by_value_and_column():
    """Amounts to the cent, counts with thousands separators, years and numbers as they are, times
    to the minute; text stays text."""
    at = timezone.make_aware(datetime(2026, 12, 3, 14, 5, 30))

    class Rows(list):  # what workbook_bytes asks of a queryset: a slice and its iterator
        def __getitem__(self, index):
            return Rows(super().__getitem__(index))

        def iterator(self, chunk_size=None):
            return iter(self)

    row = {"amount": Decimal("1234.50"), "count": 12345, "year": 2025, "code": "350100", "on": date(2026, 1, 2),
           "at": at, "rate": Decimal("0.125"), "free": "+1"}
    table = Table([Column("amount", "金额（元）"), Column("count", "卡片数"), Column("year", "年度"),
                   Column("code", "编码"), Column("on", "日期"), Column("at", "时间"), Column("rate", "比率"),
                   Column("free", "备注")])
    ws = sheet(exports.workbook_bytes(Rows([SimpleNamespace(**row)]), table, "测试", subtitle="范围：全部"))
    assert (ws["A1"].value, ws["A2"].value) == ("测试", "范围：全部")
    cells = {c.value: c for c in ws[4]}
    formats = [(c.value, c.number_format) for c in ws[4]]
    assert formats == [
        (1234.5, "#,##0.00"), (12345, "#,##0"), (2025, "General"), ("350100", "General"),
        (datetime(2026, 1, 2), "yyyy-mm-dd"), (datetime(2026, 12, 3, 14, 5, 30), "yyyy-mm-dd hh:mm"),
        (0.125, "General"), ("+1", "General")]
    assert cells["+1"].quotePrefix and cells["350100"].data_type == "s"
    assert ws.auto_filter.ref == "A3:H4" and ws.freeze_panes == "A4"


def test_an_empty_export_keeps_its_header_and_filter(users, client_for, tree):
    response = client_for(users["a_assets"]).get("/org/units/list/", {"export": "xlsx", "within": tree.city_b.pk})
    ws = sheet(response.content)
    assert ws["A1"].value == "组织机构"
    assert ws["A3"].value == "名称" and ws.max_row == 3 and ws.auto_filter.ref.startswith("A3:")


def test_the_import_template_keeps_its_header_in_row_one(users, client_for):
    """Imports parse their templates: the export's title rows are not theirs."""
    response = client_for(users["sysadmin"]).get(reverse("org:unit_import_template"))
    assert response.status_code == 200
    ws = sheet(response.content)
    assert ws["A1"].value == "名称" and ws["A1"].font.b and ws.max_row == 2  # header and an example row
