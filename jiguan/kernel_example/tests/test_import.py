"""Import of keys (钥匙批量导入): the register's importer (core.imports), all or nothing, scoped to
the units the importer may add keys to, with one audit record."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from jiguan.audit.models import Action, AuditEvent
from jiguan.kernel_example.imports import KeyImporter
from jiguan.kernel_example.models import Key

HEADER = ["所属单位", "钥匙编号", "房间或位置", "类型", "把数", "保管人", "保管人电话", "状态", "备注"]


def xlsx(rows, header=HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def run(user, rows, **kwargs):
    return KeyImporter(user).run(xlsx(rows, **kwargs), "keys.xlsx")


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
    sheet = load_workbook(io.BytesIO(KeyImporter(keepers["a"]).template_bytes())).active
    assert [c.value for c in sheet[1]] == HEADER
