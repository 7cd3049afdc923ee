"""Spreadsheets Jiguan hands out (exports, import error reports, import templates) write what users
typed as text: a unit named ``=HYPERLINK(...)`` opens in Excel as that text, never as a live formula
(formula injection, OWASP "CSV injection")."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from jiguan.core.context import acting_as
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
