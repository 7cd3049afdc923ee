"""Standards the assets module adds to the standards catalogue (loaded by migration 0002 of this app,
frozen once released, like jiguan/standards/shipped.py).

资产分类与折旧类别对照 (class_depreciation): which row of the 政府固定资产折旧年限表 a GB/T 14885-2022
class takes by default, and which classes are not depreciated (FACTS §2: cultural relics and
exhibits, animals and plants, books and archives [S]). The longest matching code prefix applies.
The mapping itself is the platform's reading of the two standards [?]: tenants correct it through
change requests like any other standard.
"""

from datetime import date

from jiguan.standards.shipped import DEPRECIATION, Q, Row, S, Table

NOT_DEPRECIATED = "《政府会计准则第3号——固定资产》应用指南：文物和陈列品、动植物、图书和档案等不计提折旧（据二手资料）"

TABLES = [
    Table(
        "class_depreciation", "资产分类与折旧类别对照", "code", date(2017, 1, 1),
        DEPRECIATION,
        "登记资产卡片时，按资产分类代码的最长匹配前缀确定默认折旧类别（“固定资产最低折旧年限”的键）"
        "和是否计提折旧；卡片上可以改选类别，年限不得低于最低折旧年限。房屋须按结构选择类别。"
        "对照关系为平台按两项标准推定 [?]，请按本地口径核定。",
        [
            Row("A01", "房屋和构筑物", confidence=Q, attrs={"category": ""},
                note="按结构选择：钢结构、钢筋混凝土 50 年；砖混、砖木 30 年；简易房、构筑物 8 年"),
            Row("A02", "设备", confidence=Q, attrs={"category": ""}, note="须按设备类型选择类别"),
            Row("A0201", "信息化设备", confidence=Q, attrs={"category": "computer"}),
            Row("A0202", "办公设备", confidence=Q, attrs={"category": "office_equipment"}),
            Row("A0203", "车辆", confidence=Q, attrs={"category": "vehicle"}),
            Row("A03", "文物和陈列品", confidence=S, attrs={"depreciate": False}, source=NOT_DEPRECIATED),
            Row("A04", "图书和档案", confidence=S, attrs={"depreciate": False}, source=NOT_DEPRECIATED),
            Row("A05", "家具和用具", confidence=Q, attrs={"category": "fittings"}),
            Row("A0501", "家具", confidence=Q, attrs={"category": "furniture"}),
            Row("A06", "特种动植物", confidence=S, attrs={"depreciate": False}, source=NOT_DEPRECIATED),
            Row("A07", "物资", confidence=Q, attrs={"depreciate": False}, note="物资不是固定资产，不计提折旧"),
        ],
        key_label="分类代码前缀",
    ),
]


# Rules of the disposal methods (资产处置方式, shipped by the standards app), kept as attributes of
# their entries so a tenant changes them by change request, not in code:
#   reason_table: the code table a reason must come from (报废、报损: Order 738 Art 21 [C])
#   valuation:    the disposal needs a valuation first (Order 738 Art 36, FACTS §1 [C])
DISPOSAL_RULES = {
    "scrap": {"reason_table": "scrapping_reason"},
    "loss_writeoff": {"reason_table": "scrapping_reason"},
    "sale": {"valuation": True},
    "assignment": {"valuation": True},
    "transfer": {"valuation": True},
    "exchange": {"valuation": True},
}


def apply_disposal_rules(apps) -> None:
    """Add DISPOSAL_RULES to the disposal-method entries that lack them (idempotent; works with
    historical models in a migration)."""
    StandardEntry = apps.get_model("standards", "StandardEntry")
    for entry in StandardEntry.objects.filter(table__code="disposal_method", key__in=DISPOSAL_RULES):
        wanted = {**DISPOSAL_RULES[entry.key], **entry.attrs}
        if wanted != entry.attrs:
            StandardEntry.objects.filter(pk=entry.pk).update(attrs=wanted)


def ensure(apps) -> None:
    """Everything the assets module reads from the standards, as the migrations leave it: for tests
    that run after a transactional test has flushed the tables (idempotent)."""
    from jiguan.standards import shipped

    shipped.load(apps)
    shipped.load(apps, tables=TABLES)
    apply_disposal_rules(apps)
