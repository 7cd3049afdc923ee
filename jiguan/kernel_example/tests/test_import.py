"""Import of keys (钥匙批量导入): the register's importer (core.imports), all or nothing, scoped to
the units the importer may add keys to, with one audit record."""

import io

import pytest

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.testing.imports import api_upload, upload, xlsx_bytes, xlsx_rows
from jiguan.kernel_example.imports import KeyImporter
from jiguan.kernel_example.models import Key

HEADER = ["所属单位", "钥匙编号", "房间或位置", "类型", "把数", "保管人", "保管人电话", "状态", "备注"]


def run(user, rows):
    return KeyImporter(user).run(io.BytesIO(xlsx_bytes(rows, HEADER)), "keys.xlsx")


def test_valid_rows_are_imported_with_one_audit_record(keys, keepers, tree):
    first = AuditEvent.objects.order_by("-id").first().id
    result = run(keepers["a"], [
        ["甲市机关事务管理局", "A-101", "3 楼 301 室", "房门", 2, "", "", "在库", ""],
        ["甲县财政局", "C-101", "档案柜", "柜门", "", "李四", "13800000000", "已领用", "备用"],
    ])
    assert result.committed and result.created == 2, result.errors
    assert {(k.unit, k.code, k.kind, k.copies, k.holder, k.status) for k in Key.objects.filter(code__endswith="101")} == {
        (tree.city_a_agency, "A-101", "door", 2, "", "in_stock"),
        (tree.county_a_agency, "C-101", "cabinet", 1, "李四", "issued")}
    events = list(AuditEvent.objects.filter(id__gt=first))
    assert [(e.action, e.object_type, e.actor) for e in events] == [(Action.IMPORT, "kernel_example.key", keepers["a"])]


def test_each_imported_key_shows_its_registration_on_its_timeline(keys, keepers, client_for):
    from jiguan.core import history

    result = run(keepers["a"], [["甲市机关事务管理局", "A-101", "3 楼 301 室", "房门", 2, "", "", "在库", ""]])
    assert result.committed, result.errors
    key = Key.objects.get(code="A-101")
    assert [(e.kind, e.summary, e.actor) for e in history.entries(key)] == [
        ("create", "批量导入，文件：keys.xlsx", keepers["a"])]
    page = client_for(keepers["a"]).get(key.get_absolute_url()).content.decode()
    assert "批量导入，文件：keys.xlsx" in page and "登记" in page


def test_the_history_of_an_import_costs_the_same_queries_for_few_and_many_rows(keys, keepers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(first, count):
        rows = [["甲市机关事务管理局", f"Q-{first + n}", "位置", "房门", 1, "", "", "在库", ""] for n in range(count)]
        with CaptureQueriesContext(connection) as captured:
            assert run(keepers["a"], rows).created == count
        return len(captured)

    assert queries(1000, 3) == queries(2000, 60)


def test_every_bad_row_is_listed_and_nothing_is_imported(keys, keepers, tree):
    result = run(keepers["a"], [
        ["乙市机关事务管理局", "B-101", "乙市", "房门", 1, "", "", "在库", ""],     # out of scope
        ["甲市机关事务管理局", "A-001", "重复", "房门", 1, "", "", "在库", ""],     # taken in the unit
        ["甲市机关事务管理局", "A-102", "X", "钥匙扣", 0, "", "", "已领用", ""],   # kind, copies, holder
        ["甲市机关事务管理局", "A-103", "Y", "房门", 1, "", "", "在库", ""],
        ["甲市机关事务管理局", "A-103", "Z", "房门", 1, "", "", "在库", ""],       # duplicate in the file
        [tree.city_a_agency.credit_code, "A-103", "Z", "房门", 1, "", "", "在库", ""],  # the same unit by its code
    ])
    assert not result.committed
    errors = {(e.row, e.column) for e in result.errors}
    assert errors == {(2, "所属单位"), (3, "钥匙编号"), (4, "类型"), (4, "把数"), (4, "保管人"), (6, "钥匙编号"), (7, "钥匙编号")}
    assert [e.message for e in result.errors if e.row == 7] == ["与第 5 行重复：同一单位的钥匙编号不能重复。"]
    assert any("不在您的数据范围内" in e.message for e in result.errors if e.row == 2)
    assert Key.objects.count() == 2


def test_importing_needs_the_import_permission(keepers):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run(keepers["none"], [["甲市机关事务管理局", "A-101", "X", "房门", 1, "", "", "在库", ""]])


def test_the_template_has_every_column(keepers):
    assert xlsx_rows(KeyImporter(keepers["a"]).template_bytes())[0] == HEADER


# Through the kernel's import page and API (the register declares the importer) ---------------------

PAGE = "/imports/kernel_example.key/"
API = "/api/v1/imports/kernel_example.key/"
ROW = ["甲市机关事务管理局", "A-101", "3 楼 301 室", "房门", 2, "", "", "在库", ""]


def test_the_list_links_the_import_page_for_those_who_may_import(keys, keepers, tree, client_for):
    from jiguan.core.testing import make_user

    assert f'href="{PAGE}"' in client_for(keepers["a"]).get("/kernel-example/keys/").content.decode()
    leader = make_user("a_leader", tree.city_a_agency, [("unit_leader", tree.city_a, True)])
    assert 'id="import-link"' not in client_for(leader).get("/kernel-example/keys/").content.decode()


def test_the_import_page_imports_and_leads_back_to_the_list(keys, keepers, client_for):
    client = client_for(keepers["a"])
    page = client.get(PAGE)
    assert page.status_code == 200 and "导入钥匙" in page.content.decode()
    template = client.get(f"{PAGE}template.xlsx")
    assert xlsx_rows(template.content)[0] == HEADER
    response = upload(client, PAGE, xlsx_bytes([ROW], HEADER))
    assert response.status_code == 302 and response["Location"] == "/kernel-example/keys/"
    assert Key.objects.filter(code="A-101").exists()


def test_the_import_page_lists_the_errors(keys, keepers, client_for):
    response = upload(client_for(keepers["a"]), PAGE, xlsx_bytes([[*ROW[:1], "A-001", *ROW[2:]]], HEADER))
    assert response.status_code == 200
    assert "本单位已有相同编号的钥匙。" in response.content.decode()
    assert not Key.objects.filter(room="3 楼 301 室").exists()


def test_the_import_api(keys, keepers, api_client_for):
    client = api_client_for(keepers["a"])
    response = api_upload(client, API, xlsx_bytes([ROW], HEADER))
    assert response.status_code == 201 and response.json() == {"imported": 1}
    response = api_upload(client, API, xlsx_bytes([ROW], HEADER))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "import_invalid"
    assert Key.objects.filter(code="A-101").count() == 1


def test_the_import_page_and_api_need_the_import_permission(keepers, client_for, api_client_for):
    assert client_for(keepers["none"]).get(PAGE).status_code == 403
    response = api_upload(api_client_for(keepers["none"]), API, xlsx_bytes([ROW], HEADER))
    assert response.status_code == 403
    assert not Key.objects.exists()


def test_a_large_file_runs_as_a_background_job(keys, keepers, api_client_for, settings,
                                              django_capture_on_commit_callbacks):
    settings.JIGUAN_IMPORT = {"INLINE_MAX_ROWS": 1}
    client = api_client_for(keepers["a"])
    rows = [[*ROW[:1], f"J-{n:03d}", *ROW[2:]] for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        response = api_upload(client, API, xlsx_bytes(rows, HEADER))
    assert response.status_code == 202, response.json()
    status = client.get(response.json()["status_url"]).json()
    assert status["status"] == "done", status
    assert Key.objects.filter(code__startswith="J-").count() == 3
