"""Registered importers (jiguan.core.imports: registry, jobs, pages, api) over a kernel model: the
organisation unit importer, declared by org as ``org.orgunit``. The kernel's page /imports/<key>/
(upload, template, error report, a background job's progress) and API /api/v1/imports/<key>/
(upload, status, report), and the job core.import_run running as the user who uploaded."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile

from jiguan.audit.models import Action, AuditEvent
from jiguan.core import imports
from jiguan.core.context import acting_as
from jiguan.core.imports import Importer, ImportJob, run_import_job
from jiguan.core.imports.registry import _registry
from jiguan.core.storage import private_storage
from jiguan.core.testing import make_user
from jiguan.core.testing.imports import (
    XLSX,
    api_errors,
    api_upload,
    follow_job,
    job_token,
    page_errors,
    report_rows,
    upload,
    xlsx_bytes,
    xlsx_rows,
)
from jiguan.org.demo import credit_code
from jiguan.org.imports import UnitImporter
from jiguan.org.models import OrgKind, OrgUnit

KEY = "org.orgunit"
URL = f"/imports/{KEY}/"
API = f"/api/v1/imports/{KEY}/"
HEADER = ["名称", "简称", "类型", "上级单位", "行政区划代码", "统一社会信用代码", "排序"]


@pytest.fixture(autouse=True)
def import_settings(settings, tmp_path):
    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"  # import files go through the private storage
    return settings


@pytest.fixture
def background(settings):
    """Files over 5 rows run as a background job (Celery is eager in tests)."""
    settings.JIGUAN_IMPORT = {**getattr(settings, "JIGUAN_IMPORT", {}), "INLINE_MAX_ROWS": 5}


def unit_rows(n, parent="甲市"):
    return [[f"甲市第{i}局", f"第{i}局", "机关", parent, "350100", credit_code(OrgKind.AGENCY, "350100", 7000 + i), i]
            for i in range(1, n + 1)]


def new_units():
    return OrgUnit.objects.filter(name__startswith="甲市第")


@pytest.fixture
def admin(users, client_for):
    return client_for(users["sysadmin"])


@pytest.fixture
def admin_api(users, api_client_for):
    return api_client_for(users["sysadmin"])


@pytest.fixture
def city_a_admin(tree):
    """Another user who may import units (city A's system administrator)."""
    return make_user("a_sysadmin", tree.city_a_agency, [("system_admin", tree.city_a, True)])


# The registry ---------------------------------------------------------------------------------------


def test_org_declares_its_unit_importer():
    declaration = imports.importer_for(KEY)
    assert declaration.importer_class is UnitImporter and declaration.permission == "org.import_orgunit"
    assert declaration.get_label() == "组织机构" and declaration.list_url() == "/org/units/"
    assert KEY in [d.key for d in imports.registered()]
    with pytest.raises(LookupError):
        imports.importer_for("org.nothing")


class ModellessImporter(Importer):
    label = "无模型"


class OtherUnitImporter(UnitImporter):
    pass


def test_a_declaration_needs_a_key_a_model_and_a_single_importer(monkeypatch):
    monkeypatch.setattr("jiguan.core.imports.registry._registry", dict(_registry))
    with pytest.raises(ImproperlyConfigured, match="expected <app_label>.<model_name>"):
        imports.register_importer("units", UnitImporter)
    with pytest.raises(ImproperlyConfigured, match="imports a model"):
        imports.register_importer("org.modelless", ModellessImporter)
    with pytest.raises(ImproperlyConfigured, match="already declared for UnitImporter"):
        imports.register_importer(KEY, OtherUnitImporter)
    # The same importer again replaces the declaration (ready() may run twice); the permission
    # defaults to the importer's own.
    again = imports.register_importer(KEY, UnitImporter, label="单位")
    assert imports.importer_for(KEY) is again and again.permission == "org.import_orgunit"
    assert again.get_label() == "单位"


# The page -------------------------------------------------------------------------------------------


def test_the_page_offers_the_template_and_needs_the_permission(admin, users, client_for):
    page = admin.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["title"] == "导入组织机构"
    assert f'href="{URL}template.xlsx" id="download-template"' in html
    assert page.context["breadcrumbs"] == [("组织机构", "/org/units/"), ("导入", None)]
    template = admin.get(f"{URL}template.xlsx")
    assert template.status_code == 200 and template["Content-Type"] == XLSX
    assert xlsx_rows(template.content)[0] == HEADER
    staff = client_for(users["staff"])
    assert staff.get(URL).status_code == 403 and staff.get(f"{URL}template.xlsx").status_code == 403


def test_a_valid_file_is_imported_at_once_with_one_audit_record(admin):
    response = upload(admin, URL, xlsx_bytes(unit_rows(3), HEADER))
    assert response.status_code == 302 and response["Location"] == "/org/units/"
    assert new_units().count() == 3
    assert "已成功导入 3 个单位。" in admin.get("/org/units/").content.decode()
    assert AuditEvent.objects.filter(action=Action.IMPORT).count() == 1


def test_a_bad_row_imports_nothing_and_its_report_is_the_uploaders(admin, city_a_admin, client_for):
    rows = unit_rows(3)
    rows[1][2] = "公司"  # 类型 is not a kind of unit
    page = upload(admin, URL, xlsx_bytes(rows, HEADER))
    assert page.status_code == 200 and not new_units().exists()
    assert page_errors(page) == [(3, "类型", "公司")]
    assert "未导入任何数据" in page.content.decode()
    report = admin.get(page.context["report_url"])
    assert report.status_code == 200
    assert report_rows(report)[1][:3] == [3, "类型", "公司"]
    assert client_for(city_a_admin).get(page.context["report_url"]).status_code == 404


def test_a_large_file_runs_as_a_job_as_the_uploader_and_the_page_follows_it(admin, users, background, settings):
    response = upload(admin, URL, xlsx_bytes(unit_rows(8), HEADER), name="大批量.xlsx")
    assert response.status_code == 302 and response["Location"].startswith(f"{URL}?job=")
    token = job_token(response)
    # The job ran (eagerly) as the uploader; its state is kept in the user's folder of the private storage, the
    # upload is gone.
    jobs = settings.JIGUAN_PRIVATE_ROOT / "imports" / str(users["sysadmin"].pk) / "jobs"
    state = json.loads((jobs / f"{token}.json").read_text())
    assert state["importer"] == KEY and state["state"] == "done" and state["result"]["created"] == 8
    assert [p.name for p in jobs.iterdir()] == [f"{token}.json"]
    event = AuditEvent.objects.get(action=Action.IMPORT)
    assert event.actor == users["sysadmin"] and event.channel == "job"
    assert new_units().count() == 8
    page = follow_job(admin, response)
    assert page.status_code == 302 and page["Location"] == "/org/units/"
    assert "已成功导入 8 个单位。" in admin.get("/org/units/").content.decode()
    assert admin.get(response["Location"]).status_code == 404  # shown once


def test_a_job_with_a_bad_row_shows_the_errors_and_the_report(admin, background):
    rows = unit_rows(8)
    rows[6][3] = "丙市"  # no such parent
    page = follow_job(admin, upload(admin, URL, xlsx_bytes(rows, HEADER)))
    assert page.status_code == 200 and not new_units().exists()
    assert page_errors(page) == [(8, "上级单位", "丙市")]
    report = admin.get(page.context["report_url"])
    assert report_rows(report)[1][:2] == [8, "上级单位"]


def test_the_progress_page_polls_while_the_job_runs(users, admin, city_a_admin, client_for):
    token = "c" * 32
    job = ImportJob(users["sysadmin"], token)
    job.write(state="running", importer=KEY, phase="commit", done=300, total=1000, estimate=1000, filename="大批量.xlsx")
    page = admin.get(f"{URL}?job={token}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "正在导入：大批量.xlsx" in html and 'hx-trigger="every 1s"' in html
    assert 'aria-valuenow="65"' in html and "正在写入：300 / 1,000 行" in html
    partial = admin.get(f"{URL}?job={token}", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    job.write(state="done", result={"created": 5, "committed": True, "filename": "大批量.xlsx"})
    finished = admin.get(f"{URL}?job={token}", headers={"HX-Request": "true"})
    assert finished.status_code == 204 and finished["HX-Redirect"] == f"{URL}?job={token}"
    # Another user's job is not found, nor a malformed token, nor the job of another importer.
    assert client_for(city_a_admin).get(f"{URL}?job={token}").status_code == 404
    assert admin.get(f"{URL}?job=../../x").status_code == 404
    job.write(importer="kernel_example.key")
    assert admin.get(f"{URL}?job={token}").status_code == 404


def test_a_job_whose_user_lost_the_permission_fails_and_says_why(users, tmp_path):
    """The importer checks the permission again when the job runs: a refusal is the job's error."""
    token = "d" * 32
    staff = users["staff"]
    job = ImportJob(staff, token)
    job.write(state="queued", importer=KEY, filename="units.xlsx")
    saved = private_storage().save(f"{job.folder}/{token}.xlsx", ContentFile(xlsx_bytes(unit_rows(2), HEADER)))
    with acting_as(staff, channel="job"):
        summary = run_import_job(KEY, saved, "units.xlsx", token, progress=lambda done, total=None: None)
    assert summary == {"error": "您没有导入组织机构的权限。"}
    assert job.read()["state"] == "failed" and job.read()["error"] == "您没有导入组织机构的权限。"
    assert not private_storage().exists(saved) and not new_units().exists()


# The API --------------------------------------------------------------------------------------------


def test_the_api_imports_a_valid_file_at_once(admin_api):
    response = api_upload(admin_api, API, xlsx_bytes(unit_rows(3), HEADER))
    assert response.status_code == 201, response.content
    assert response.json() == {"imported": 3}
    assert new_units().count() == 3


def test_the_api_lists_every_bad_row_and_keeps_the_report_for_the_caller(admin_api, city_a_admin, api_client_for):
    rows = unit_rows(4)
    rows[0][2] = "公司"
    rows[3][0] = ""
    response = api_upload(admin_api, API, xlsx_bytes(rows, HEADER))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "import_invalid" and "未导入任何数据" in error["message"]
    assert api_errors(error) == [(2, "类型", "公司"), (5, "名称", "")]
    assert error["report_url"].startswith(f"http://testserver{API}") and error["report_url"].endswith("/report/")
    report = admin_api.get(error["report_url"])
    assert report.status_code == 200 and report["Content-Type"] == XLSX
    assert report_rows(report)[1][:2] == [2, "类型"]
    assert api_client_for(city_a_admin).get(error["report_url"]).status_code == 404
    assert not new_units().exists()


def test_the_api_needs_the_permission_of_the_declaration(users, api_client_for):
    client = api_client_for(users["staff"])
    response = api_upload(client, API, xlsx_bytes(unit_rows(2), HEADER))
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "permission_denied", "message": "您没有导入组织机构的权限。"}
    assert client.get(f"{API}{'a' * 32}/").status_code == 403
    assert not new_units().exists()


def test_the_api_refuses_a_file_of_another_format(admin_api):
    response = api_upload(admin_api, API, b"not a workbook", name="units.xls")
    assert response.status_code == 400
    assert "另存为 .xlsx" in response.json()["error"]["fields"]["file"][0]


def test_a_large_file_is_a_job_whose_status_shows_the_result(admin_api, city_a_admin, api_client_for, background):
    response = api_upload(admin_api, API, xlsx_bytes(unit_rows(8), HEADER), name="units.xlsx")
    assert response.status_code == 202
    body = response.json()
    assert body["status_url"] == f"http://testserver{API}{body['job']}/"
    status = admin_api.get(body["status_url"])  # the job ran eagerly
    assert status.status_code == 200
    assert status.json() == {"job": body["job"], "status": "done", "filename": "units.xlsx", "phase": "commit",
                             "done": 8, "total": 8, "percent": 100, "result": {"imported": 8}, "error": None}
    assert new_units().count() == 8
    # Another user's token is not found, nor is a malformed one.
    assert api_client_for(city_a_admin).get(body["status_url"]).status_code == 404
    assert admin_api.get(f"{API}not-a-token/").status_code == 404


def test_a_job_with_a_bad_row_reports_it_through_the_api(admin_api, background):
    rows = unit_rows(8)
    rows[4][6] = "第一"  # 排序 is a number
    token = api_upload(admin_api, API, xlsx_bytes(rows, HEADER)).json()["job"]
    error = admin_api.get(f"{API}{token}/").json()["error"]
    assert error["code"] == "import_invalid"
    assert api_errors(error) == [(6, "排序", "第一")]
    assert error["report_url"] == f"http://testserver{API}{token}/report/"
    report = admin_api.get(error["report_url"])
    assert report_rows(report)[1][:2] == [6, "排序"]
    assert not new_units().exists()


def test_a_running_job_shows_its_progress_and_belongs_to_its_importer(users, admin_api):
    token = "e" * 32
    job = ImportJob(users["sysadmin"], token)
    job.write(state="running", importer=KEY, phase="validate", done=400, total=None, estimate=1000,
              filename="大批量.xlsx")
    body = admin_api.get(f"{API}{token}/").json()
    assert (body["status"], body["phase"], body["done"], body["total"], body["percent"]) == (
        "running", "validate", 400, None, 20)
    assert body["result"] is None and body["error"] is None
    job.write(importer="kernel_example.key")
    assert admin_api.get(f"{API}{token}/").status_code == 404
