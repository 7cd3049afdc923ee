"""The import and label endpoints of the assets API: /api/v1/assets/import/ (upload, job status, error
report) and /api/v1/assets/{id}/label.pdf."""

import io

import pypdfium2 as pdfium
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from jiguan.assets.models import Asset
from jiguan.assets.tests.test_import import COLUMN, HEADER, card_rows
from jiguan.core.imports import ImportJob, importer_for
from jiguan.core.testing.imports import XLSX, xlsx_bytes

URL = "/api/v1/assets/import/"


@pytest.fixture(autouse=True)
def import_settings(settings, tmp_path):
    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"  # import files go through the private storage
    return settings


@pytest.fixture
def background(monkeypatch):
    """Files over 10 rows run as a background job (Celery is eager in tests)."""
    monkeypatch.setattr(importer_for("assets.asset"), "inline_max_rows", 10)


def upload(client, content, name="资产.xlsx"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content, content_type=XLSX)}, format="multipart")


def with_bad_value(rows, index, column, value):
    rows[index][COLUMN[column]] = value
    return rows


def xlsx_rows(response):
    content = b"".join(response.streaming_content)
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(content)).active.iter_rows()]


# Import ------------------------------------------------------------------------------------------------


def test_a_bad_row_imports_nothing_and_is_listed_with_its_column(users, api_client_for):
    client = api_client_for(users["a_assets"])
    rows = with_bad_value(card_rows(20), 11, "原值（元）", "abc")  # the 12th card: row 13 of the file

    response = upload(client, xlsx_bytes(rows, HEADER))

    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "import_invalid" and "未导入任何数据" in error["message"]
    assert error["rows"] == [{"row": 13, "column": "原值（元）", "value": "abc", "message": "应为数字。"}]
    assert not Asset.objects.exists()
    # The error report lists the same row; it is the caller's alone.
    report = client.get(error["report_url"])
    assert report.status_code == 200 and report["Content-Type"] == XLSX
    assert xlsx_rows(report)[1][:3] == [13, "原值（元）", "abc"]
    assert api_client_for(users["b_assets"]).get(error["report_url"]).status_code == 404


def test_every_bad_row_is_listed(users, api_client_for):
    rows = with_bad_value(card_rows(20), 3, "取得日期", "2024-02-30")
    rows = with_bad_value(rows, 16, "资产名称", "")
    response = upload(api_client_for(users["a_assets"]), xlsx_bytes(rows, HEADER))
    assert response.status_code == 400
    assert [(e["row"], e["column"]) for e in response.json()["error"]["rows"]] == [(5, "取得日期"), (18, "资产名称")]
    assert not Asset.objects.exists()


def test_the_corrected_file_imports_twenty_cards(tree, users, api_client_for):
    client = api_client_for(users["a_assets"])
    assert upload(client, xlsx_bytes(with_bad_value(card_rows(20), 11, "原值（元）", "abc"), HEADER)).status_code == 400

    response = upload(client, xlsx_bytes(card_rows(20), HEADER))

    assert response.status_code == 201, response.json()
    cards = Asset.objects.filter(owner_unit=tree.city_a_agency).order_by("code")
    assert cards.count() == 20 and response.json()["imported"] == 20
    assert response.json()["codes"] == [cards.first().code, cards.last().code]
    assert sorted(c.name for c in cards)[:2] == ["台式计算机1", "台式计算机10"]


def test_import_needs_the_import_permission(users, api_client_for):
    response = upload(api_client_for(users["staff"]), xlsx_bytes(card_rows(20), HEADER))
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "permission_denied", "message": "您没有导入资产卡片的权限。"}
    assert not Asset.objects.exists()


def test_a_file_of_another_format_is_refused(users, api_client_for):
    response = upload(api_client_for(users["a_assets"]), b"not a workbook", name="资产.xls")
    assert response.status_code == 400
    assert "另存为 .xlsx" in response.json()["error"]["fields"]["file"][0]


def test_a_large_file_runs_as_a_job_whose_status_shows_the_result(users, api_client_for, background):
    client = api_client_for(users["a_assets"])
    response = upload(client, xlsx_bytes(card_rows(20), HEADER))
    assert response.status_code == 202
    body = response.json()
    assert body["status_url"].endswith(f"{URL}{body['job']}/")

    status = client.get(body["status_url"])  # the job ran eagerly
    assert status.status_code == 200
    assert status.json() | {"filename": None} == {
        "job": body["job"], "status": "done", "filename": None, "phase": "commit", "done": 20, "total": 20,
        "percent": 100, "result": {"imported": 20}, "error": None}
    assert Asset.objects.count() == 20
    # Another user's token is not found, nor is a malformed one.
    assert api_client_for(users["b_assets"]).get(body["status_url"]).status_code == 404
    assert client.get(f"{URL}not-a-token/").status_code == 404


def test_a_job_with_a_bad_row_reports_it(users, api_client_for, background):
    client = api_client_for(users["a_assets"])
    token = upload(client, xlsx_bytes(with_bad_value(card_rows(20), 4, "数量", "两台"), HEADER)).json()["job"]
    error = client.get(f"{URL}{token}/").json()["error"]
    assert error["code"] == "import_invalid"
    assert [(e["row"], e["column"], e["value"]) for e in error["rows"]] == [(6, "数量", "两台")]
    assert error["report_url"].endswith(f"{URL}{token}/report.xlsx")
    assert xlsx_rows(client.get(error["report_url"]))[1][:2] == [6, "数量"]
    assert not Asset.objects.exists()


def test_a_running_job_shows_its_progress(users, api_client_for):
    job = ImportJob(users["a_assets"], "b" * 32)
    job.write(state="running", phase="commit", done=3000, total=10000, estimate=10000, filename="大批量.xlsx")
    body = api_client_for(users["a_assets"]).get(f"{URL}{'b' * 32}/").json()
    assert (body["status"], body["phase"], body["done"], body["total"], body["percent"]) == (
        "running", "commit", 3000, 10000, 65)
    assert body["result"] is None and body["error"] is None


# Labels ------------------------------------------------------------------------------------------------


def test_label_pdf_draws_the_cards_chinese_name(tree, users, api_client_for, register):
    asset = register(tree.city_a_agency, name="会议室投影仪")
    response = api_client_for(users["a_assets"]).get(f"/api/v1/assets/{asset.pk}/label.pdf",
                                                     HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    document = pdfium.PdfDocument(response.content)
    try:
        text = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert "会议室投影仪" in text and asset.code in text


def test_label_of_a_card_outside_the_scope_is_not_found(tree, users, api_client_for, register):
    asset = register(tree.city_a_agency)
    response = api_client_for(users["b_assets"]).get(f"/api/v1/assets/{asset.pk}/label.pdf")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
