"""The fast import path (资产卡片导入, issue 8): .xlsx read by python-calamine and .csv give the same
cards, each distinct cell parsed once yet every bad row reported, the model's own field rules still
applied, ids reserved from the database's counter and cards and events written in one statement
each (COPY on PostgreSQL, executemany on SQLite), progress while writing."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook

from jiguan.assets.imports import AssetImporter
from jiguan.assets.models import Asset, AssetEvent, EventKind
from jiguan.core.context import acting_as
from jiguan.core.imports import ImportColumn, Text, estimate_rows, reserve_ids
from jiguan.core.testing.imports import csv_bytes, xlsx_bytes

from .test_import import HEADER, OWNER, card_row, card_rows


@pytest.fixture(autouse=True)
def import_settings(settings, tmp_path):
    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"  # uploads, job state and error reports


@pytest.fixture
def manager(users):
    return users["prov_assets"]


def run(actor, content, name, **kwargs):
    with acting_as(actor):
        return AssetImporter(actor, **kwargs).run(io.BytesIO(content), name)


def cards_by_name():
    skip = {"id", "code", "created_at", "updated_at"}
    fields = [f.attname for f in Asset._meta.concrete_fields if f.name not in skip]
    return {card["name"]: card for card in Asset.objects.values(*fields)}


def test_the_same_rows_from_xlsx_and_csv_give_the_same_cards(manager):
    """Excel cells typed as numbers and dates (python-calamine reads numbers as floats) and the same
    cells as text in a CSV file give identical cards."""
    typed = [card_row(1, 数量=3, **{"原值（元）": 6000.5, "取得日期": date(2024, 1, 15), "合同编号": 20240001}),
             card_row(2, 资产分类代码=2010101, 折旧类别="计算机设备", **{"折旧年限（月）": 96.0}),
             card_row(3, 资产名称="办公桌", 资产分类代码="A05010000", 保修截止日期=date(2027, 6, 30))]
    assert run(manager, xlsx_bytes(typed, HEADER), "资产.xlsx").committed
    from_xlsx = cards_by_name()
    text = [card_row(1, 数量="3", **{"原值（元）": "6000.50", "取得日期": "2024-01-15", "合同编号": "20240001"}),
            card_row(2, 资产分类代码="2010101", 折旧类别="计算机设备", **{"折旧年限（月）": "96"}),
            card_row(3, 资产名称="办公桌", 资产分类代码="A05010000", 保修截止日期="2027-06-30")]
    assert run(manager, csv_bytes(text, HEADER, "utf-8"), "资产.csv").committed  # a second set of the same cards
    assert Asset.objects.count() == 6
    for name, card in from_xlsx.items():
        twins = list(Asset.objects.filter(name=name).values(*card))
        assert twins[0] == twins[1] == card, name
    computer = from_xlsx["台式计算机1"]
    assert (computer["quantity"], computer["original_value"], computer["contract_no"]) == (3, Decimal("6000.50"),
                                                                                          "20240001")
    assert (from_xlsx["台式计算机2"]["class_code"], from_xlsx["台式计算机2"]["life_months"]) == ("A02000000", 96)
    assert from_xlsx["办公桌"]["warranty_end"] == date(2027, 6, 30)


def test_xlsx_rows_are_numbered_as_excel_shows_them_wherever_the_table_starts(manager):
    """A title row, a blank row and a table starting in column B: row numbers are Excel's."""
    book = Workbook()
    sheet = book.active
    sheet["B1"] = "2026 年资产卡片导入"
    for index, label in enumerate(HEADER):
        sheet.cell(row=3, column=index + 2, value=label)
    rows = card_rows(3)
    rows[1][HEADER.index("原值（元）")] = "六千"
    for offset, row in enumerate(rows):
        for index, value in enumerate(row):
            sheet.cell(row=5 + offset, column=index + 2, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    result = run(manager, buffer.getvalue(), "资产.xlsx")
    assert [(e.row, e.column, e.value, e.message) for e in result.errors] == [(6, "原值（元）", "六千", "应为数字。")]
    assert result.total_rows == 3 and not Asset.objects.exists()


def test_a_bad_cell_repeated_on_many_rows_is_reported_on_each(manager):
    """Each distinct cell is parsed once per import; its error still goes to every row that has it."""
    rows = card_rows(6)
    for index in (0, 2, 5):
        rows[index][HEADER.index("取得日期")] = "2024-02-30"
    rows[4][HEADER.index("取得方式")] = "抢购"
    result = run(manager, csv_bytes(rows, HEADER, "utf-8"), "资产.csv")
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (2, "取得日期", "2024-02-30"), (4, "取得日期", "2024-02-30"), (6, "取得方式", "抢购"),
        (7, "取得日期", "2024-02-30")]
    assert len({e.message for e in result.errors if e.column == "取得日期"}) == 1
    assert result.bad_rows == 4 and not Asset.objects.exists() and not AssetEvent.objects.exists()


class LongNames(AssetImporter):
    """A column more permissive than the model: only the model's own field rules refuse long names."""

    columns = [ImportColumn("资产名称", "name", required=True, parser=Text(max_length=300)),
               *[c for c in AssetImporter.columns if c.key != "name"]]


def test_the_models_own_field_rules_still_apply_to_every_row(manager):
    long = "台式计算机" * 25  # 125 characters, the model allows 120
    rows = [card_row(1, 资产名称=long), card_row(2), card_row(3, 资产名称=long)]
    with acting_as(manager):
        result = LongNames(manager).run(io.BytesIO(csv_bytes(rows, HEADER, "utf-8")), "资产.csv")
    assert [(e.row, e.column) for e in result.errors] == [(2, "资产名称"), (4, "资产名称")]
    assert "120" in result.errors[0].message and result.errors[0].message == result.errors[1].message
    assert not Asset.objects.exists()


def test_each_event_belongs_to_its_card_and_ids_continue_after_the_import(manager, register, tree):
    before = register(tree.city_a_agency)
    rows = card_rows(25) + [card_row(30, 产权单位="甲县财政局")]
    assert run(manager, csv_bytes(rows, HEADER, "utf-8"), "资产.csv").committed
    imported = Asset.objects.exclude(pk=before.pk)
    ids = list(imported.values_list("pk", flat=True))
    assert len(ids) == 26 and min(ids) > before.pk
    events = AssetEvent.objects.filter(kind=EventKind.IMPORT).select_related("asset")
    assert events.count() == 26
    assert all(e.data["code"] == e.asset.code and e.summary.startswith(f"导入登记：{e.asset.name}，") for e in events)
    assert {e.data["row"]: e.asset.name for e in events}[27] == "台式计算机30"
    # Ids reserved for the import are not handed out again: registration goes on after them.
    assert register(tree.city_a_agency).pk > max(ids)


def test_reserved_ids_are_unique_and_skipped_by_later_rows(manager, register, tree):
    first = reserve_ids(Asset, 3)
    second = reserve_ids(Asset, 2)
    assert len(set(first + second)) == 5 and min(second) > max(first)
    assert register(tree.city_a_agency).pk > max(second)


def test_writing_reports_progress_up_to_the_row_count(manager):
    calls = []
    result = run(manager, csv_bytes(card_rows(25), HEADER, "utf-8"), "资产.csv",
                 progress=lambda done, total: calls.append((done, total)))
    assert result.committed and result.created == 25
    assert calls and calls[-1] == (25, 25) and all(total == 25 for _done, total in calls)


def test_the_cell_cache_stays_bounded(manager, monkeypatch):
    """Columns of unique values (contract numbers) do not grow the cell cache past its limit."""
    from jiguan.core.imports import importer as core_importer

    monkeypatch.setattr(core_importer, "CELL_CACHE_SIZE", 4)
    importer = AssetImporter(manager)
    with acting_as(manager):
        result = importer.run(io.BytesIO(csv_bytes(card_rows(12), HEADER, "utf-8")), "资产.csv")
    assert result.committed and Asset.objects.count() == 12
    assert all(cache is None or len(cache) <= 4 for _key, _column, cache in importer._cells)
    assert sorted(Asset.objects.values_list("contract_no", flat=True)) == [f"HT-2024-{i:04d}" for i in range(1, 13)]
    assert Asset.objects.filter(registered_on=timezone.localdate(), owner_unit__name=OWNER).count() == 12


def test_the_row_estimate_reads_the_sheet_dimension_without_loading_the_workbook():
    """Inline or background is chosen from the sheet's declared size (a wrong one falls back on the
    file size), or from the lines of a CSV file."""
    content = xlsx_bytes(card_rows(3000), HEADER)
    assert estimate_rows(io.BytesIO(content), "资产.xlsx") == 3000
    assert estimate_rows(io.BytesIO(b"PK not really a workbook" * 100), "资产.xlsx") == 12
    assert estimate_rows(io.BytesIO(csv_bytes(card_rows(40), HEADER, "utf-8")), "资产.csv") == 40
