"""The standards shipped with the platform (FACTS.md), loaded by migration 0002.

Every row records its source document and confidence: [C] read in the primary text, [S] stated by
secondary sources only, [?] not confirmed. [S] and [?] rows are editable defaults: a tenant corrects
them through a change request, which keeps the shipped version readable.

effective_from: the standard's own date where FACTS gives one (GB/T 14885-2022: 2022-12-30; State
Council Order 738: 2021-04-01); 1 January of the year where FACTS gives only the year (office space
standard 2014, 财会〔2017〕4号, Guangdong 2021 averages, the 2024 new-energy share); otherwise
``DEFAULT_FROM`` (2014-01-01), documented on the table.

This module is frozen once released: migration 0002 reads it. Later corrections of shipped data go
through change requests, or through a new data module and migration (docs/development/standards.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

C, S, Q = "C", "S", "?"
DEFAULT_FROM = date(2014, 1, 1)


@dataclass
class Row:
    key: str
    name: str
    value: str | None = None
    value2: str | None = None
    confidence: str = C
    parent: str = ""
    note: str = ""
    unit: str | None = None  # None: the table's value_unit
    unit2: str | None = None
    attrs: dict = field(default_factory=dict)
    source: str | None = None  # None: the table's default_source
    effective_from: date | None = None  # None: the table's


@dataclass
class Table:
    code: str
    name: str
    kind: str
    effective_from: date
    default_source: str
    description: str
    rows: list[Row]
    key_label: str = ""
    value_label: str = ""
    value_unit: str = ""
    value2_label: str = ""
    value2_unit: str = ""
    hierarchical: bool = False


CONDITIONS_738 = "《行政事业性国有资产管理条例》（国务院令第738号）"
GBT14885 = "GB/T 14885-2022《固定资产等资产基础分类与代码》"
DEPRECIATION = "《政府会计准则第3号——固定资产》应用指南（财会〔2017〕4号）附《政府固定资产折旧年限表》"
OFFICE_SPACE = "《党政机关办公用房建设标准》（2014）"

TABLES: list[Table] = [
    Table(
        "gbt14885", "资产分类与代码（GB/T 14885-2022）", "code", date(2022, 12, 30), GBT14885,
        "国家标准 GB/T 14885-2022，2022-12-30 实施：7 个门类，约 75 个大类、3000 余个品目。"
        "未找到官方机器可读清单，平台只预置 7 个门类和常用分支；门类名称经原文确认，"
        "代码形式（1 位字母 + 8 位数字）未经确认 [?]。完整目录请按标准原文通过变更申请补充或由 Excel 导入。",
        [
            Row("A01000000", "房屋和构筑物", confidence=Q, note="门类名称 [C]；代码形式 [?]"),
            Row("A02000000", "设备", confidence=Q, note="门类名称 [C]；代码形式 [?]"),
            Row("A02010000", "信息化设备", confidence=Q, parent="A02000000"),
            Row("A02010100", "计算机", confidence=Q, parent="A02010000"),
            Row("A02010105", "台式计算机", confidence=Q, parent="A02010100"),
            Row("A02010108", "便携式计算机", confidence=Q, parent="A02010100",
                note="常用分支，代码待按标准原文核对"),
            Row("A02020000", "办公设备", confidence=Q, parent="A02000000", note="常用分支，代码待按标准原文核对"),
            Row("A02030000", "车辆", confidence=Q, parent="A02000000", note="常用分支，代码待按标准原文核对"),
            Row("A03000000", "文物和陈列品", confidence=Q, note="门类名称 [C]；代码形式 [?]"),
            Row("A04000000", "图书和档案", confidence=Q, note="门类名称 [C]；代码形式 [?]"),
            Row("A05000000", "家具和用具", confidence=Q, note="门类名称 [C]；代码形式 [?]"),
            Row("A05010000", "家具", confidence=Q, parent="A05000000", note="常用分支，代码待按标准原文核对"),
            Row("A06000000", "特种动植物", confidence=Q, note="门类名称 [C]；代码形式 [?]"),
            Row("A07000000", "物资", confidence=Q, note="门类名称 [C]；代码形式 [?]"),
        ],
        key_label="分类代码", hierarchical=True,
    ),
    Table(
        "gbt14885_2010", "GB/T 14885-2010 门类对照", "code", DEFAULT_FROM,
        "GB/T 14885-2010《固定资产分类与代码》门类（二手资料）；与 2022 版的对照为平台推定",
        "旧数据中的 GB/T 14885-2010 代码为 7 位（1+2+2+2），首位为门类。导入旧数据时按首位对照到 2022 版门类"
        "（“对应 2022 版”属性）。2010 版门类据二手资料 [S]；对照关系为平台按门类名称推定 [?]，"
        "更细的对照以官方对照表为准。生效日期为平台默认值 2014-01-01。",
        [
            Row("1", "土地、房屋及构筑物", confidence=Q, attrs={"maps_to": "A01000000"},
                note="2022 版 7 个门类中没有“土地”，土地类代码须人工确认"),
            Row("2", "通用设备", confidence=Q, attrs={"maps_to": "A02000000"}),
            Row("3", "专用设备", confidence=Q, attrs={"maps_to": "A02000000"}),
            Row("4", "文物和陈列品", confidence=Q, attrs={"maps_to": "A03000000"}),
            Row("5", "图书、档案", confidence=Q, attrs={"maps_to": "A04000000"}),
            Row("6", "家具、用具、装具及动植物", confidence=Q, attrs={"maps_to": "A05000000 / A06000000"},
                note="家具、用具对照 A05000000，动植物对照 A06000000"),
        ],
        key_label="2010 版门类（代码首位）",
    ),
    Table(
        "depreciation_life", "固定资产最低折旧年限", "standard", date(2017, 1, 1), DEPRECIATION,
        "单位确定的固定资产折旧年限不得低于本表。按月计提，年限平均法或工作量法，不留残值；"
        "当月增加当月计提，当月减少当月不再计提；年限一经确定不得随意变更。"
        "区间（如专用设备 10–15 年）以“最低折旧年限”和“最高年限”两个数值表示。"
        "生效日期取文件年份的 1 月 1 日（2017-01-01）。",
        [
            Row("buildings", "房屋及构筑物"),
            Row("building_steel", "钢结构、钢筋混凝土结构房屋", "50", parent="buildings"),
            Row("building_brick", "砖混结构、砖木结构房屋", "30", parent="buildings"),
            Row("building_simple", "简易房、房屋附属设施、构筑物", "8", parent="buildings"),
            Row("general_equipment", "通用设备"),
            Row("computer", "计算机设备", "6", parent="general_equipment"),
            Row("office_equipment", "办公设备", "6", parent="general_equipment"),
            Row("vehicle", "车辆", "8", parent="general_equipment"),
            Row("machinery", "机械设备", "10", parent="general_equipment"),
            Row("radar", "雷达、无线电和卫星导航设备", "10", parent="general_equipment"),
            Row("library_equipment", "图书档案设备", "5", parent="general_equipment"),
            Row("electrical", "电气设备", "5", parent="general_equipment"),
            Row("communication", "通信设备", "5", parent="general_equipment"),
            Row("broadcast", "广播、电视、电影设备", "5", parent="general_equipment"),
            Row("instruments", "仪器仪表", "5", parent="general_equipment"),
            Row("measuring", "电子和通信测量设备，计量标准器具及量具、衡器", "5", parent="general_equipment"),
            Row("special_equipment", "专用设备"),
            Row("special_industrial", "采矿、石油、化工、冶金、工程机械、农林、食品、纺织、邮政等专用设备",
                "10", "15", parent="special_equipment"),
            Row("special_power", "电力、核工业、航空航天工业专用设备", "20", "30", parent="special_equipment"),
            Row("special_materials", "非金属矿物制品、造纸和印刷、安全生产、环境污染防治等专用设备",
                "10", "20", parent="special_equipment"),
            Row("special_medical", "医药工业、医疗设备、电子产品生产专用设备", "5", "10",
                parent="special_equipment"),
            Row("special_police", "警用专用设备", "3", "10", confidence=S, parent="special_equipment"),
            Row("furniture_fittings", "家具、用具及装具", confidence=S),
            Row("furniture", "家具", "15", confidence=S, parent="furniture_fittings"),
            Row("fittings", "用具、装具", "5", confidence=S, parent="furniture_fittings"),
        ],
        key_label="资产类别", value_label="最低折旧年限", value_unit="年", value2_label="最高年限",
        value2_unit="年", hierarchical=True,
    ),
    Table(
        "office_area", "办公室人均使用面积标准", "standard", date(2014, 1, 1), OFFICE_SPACE,
        "每人办公室使用面积上限，按机关层级和职级。中央机关一行经原文确认 [C]，其余据二手资料 [S]。"
        "休息室及（高职级的）卫生间合计不超过 6 m²，计入上述面积。注意不要误用 1999 年标准。"
        "乡镇机关由省级规定，原则上不超过县级副职。生效日期取标准年份的 1 月 1 日（2014-01-01）。",
        [
            Row("central", "中央机关"),
            Row("central.minister", "部级正职", "54", parent="central"),
            Row("central.deputy_minister", "部级副职", "42", parent="central"),
            Row("central.director_general", "正司（局）级", "24", parent="central"),
            Row("central.deputy_director_general", "副司（局）级", "18", parent="central"),
            Row("central.division", "处级", "12", parent="central"),
            Row("central.below", "处级以下", "9", parent="central"),
            Row("provincial", "省级机关", confidence=S),
            Row("provincial.head", "省级正职", "54", confidence=S, parent="provincial"),
            Row("provincial.deputy", "省级副职", "42", confidence=S, parent="provincial"),
            Row("provincial.zhengting", "正厅（局）级", "30", confidence=S, parent="provincial"),
            Row("provincial.futing", "副厅（局）级", "24", confidence=S, parent="provincial"),
            Row("provincial.zhengchu", "正处级", "18", confidence=S, parent="provincial"),
            Row("provincial.fuchu", "副处级", "12", confidence=S, parent="provincial"),
            Row("provincial.below", "处级以下", "9", confidence=S, parent="provincial"),
            Row("municipal", "市级机关", confidence=S),
            Row("municipal.head", "市级正职", "42", confidence=S, parent="municipal"),
            Row("municipal.deputy", "市级副职", "30", confidence=S, parent="municipal"),
            Row("municipal.zhengju", "正局（处）级", "24", confidence=S, parent="municipal"),
            Row("municipal.fuju", "副局（处）级", "18", confidence=S, parent="municipal"),
            Row("municipal.below", "局（处）级以下", "9", confidence=S, parent="municipal"),
            Row("county", "县级机关", confidence=S),
            Row("county.head", "县级正职", "30", confidence=S, parent="county"),
            Row("county.deputy", "县级副职", "24", confidence=S, parent="county"),
            Row("county.zhengke", "正科级", "18", confidence=S, parent="county"),
            Row("county.fuke", "副科级", "12", confidence=S, parent="county"),
            Row("county.below", "科级以下", "9", confidence=S, parent="county"),
            Row("township", "乡镇机关", confidence=S, attrs={"cap_key": "county.deputy"},
                note="由省级规定，原则上不超过县级副职（county.deputy）"),
            Row("restroom_allowance", "休息室、卫生间（计入人均面积）", "6", confidence=S,
                note="休息室及（高职级的）卫生间合计不超过 6 m²，计入本人使用面积"),
        ],
        key_label="层级·职级", value_label="人均使用面积上限", value_unit="m²", hierarchical=True,
    ),
    Table(
        "vehicle_cap", "公务用车配备标准", "standard", DEFAULT_FROM,
        "党政机关公务用车配备标准（据二手资料，待原文核对）",
        "按类别的购车价格和排气量上限（二手资料 [S]）。新能源优先。生效日期为平台默认值 2014-01-01，"
        "请按本地执行的文件核定。",
        [
            Row("confidential_comm", "机要通信用车", "120000", "1.6", confidence=S),
            Row("general", "一般公务用车", "180000", "1.8", confidence=S),
            Row("nev_sedan", "新能源轿车", "180000", confidence=S, note="排气量不适用"),
            Row("law_enforcement", "执法执勤用车（一般）", "120000", "1.6", confidence=S),
            Row("law_enforcement_special", "执法执勤用车（确有需要的）", "180000", "1.8", confidence=S),
        ],
        key_label="车辆类别", value_label="购车价格上限", value_unit="元", value2_label="排气量上限",
        value2_unit="L",
    ),
    Table(
        "vehicle_category", "公务用车类别", "code", DEFAULT_FROM, "党政机关公务用车管理规定（据二手资料）",
        "公务用车分类（二手资料 [S]）。生效日期为平台默认值 2014-01-01。",
        [
            Row("confidential_comm", "机要通信用车", confidence=S),
            Row("emergency", "应急保障用车", confidence=S),
            Row("law_enforcement", "执法执勤用车", confidence=S),
            Row("special_technical", "特种专业技术用车", confidence=S),
            Row("other", "其他用车", confidence=S),
        ],
        key_label="类别代码",
    ),
    Table(
        "vehicle_policy", "公务用车配备更新参数", "standard", DEFAULT_FROM, "公务用车管理政策（据二手资料）",
        "新能源比例、更新参考年限等参数。车辆只按规定期限更新，能继续使用的继续使用，不因职务晋升更新；"
        "“8 年或 25 万公里”作为固定规则未经确认 [?]，8 年是车辆最低折旧年限。",
        [
            Row("nev_share_min", "新增及更新车辆中新能源汽车比例下限（中央国家机关）", "30", confidence=S,
                unit="%", effective_from=date(2024, 1, 1), note="2024 年起"),
            Row("renewal_reference", "更新参考年限和里程", "8", "250000", confidence=Q, unit="年", unit2="km",
                note="“8 年 / 25 万公里”作为固定规则未经确认；仅作参考，不作为强制更新条件"),
        ],
        key_label="参数", value_label="参数值", value2_label="第二参数",
    ),
    Table(
        "energy_factor", "能源折标准煤系数", "standard", DEFAULT_FROM, "GB/T 2589《综合能耗计算通则》参考折标系数",
        "把各类能源消耗量折算为标准煤。电力为当量值 [C]，其余据二手资料 [S]。燃油密度（升换算为千克）"
        "为本地配置。生效日期为平台默认值 2014-01-01。",
        [
            Row("electricity", "电力（当量值）", "0.1229", unit="kgce/kWh"),
            Row("gasoline", "汽油", "1.4714", confidence=S, unit="kgce/kg"),
            Row("diesel", "柴油", "1.4571", confidence=S, unit="kgce/kg"),
            Row("natural_gas", "天然气", "1.2143", confidence=S, unit="kgce/m³"),
            Row("heat", "热力", "0.0341", confidence=S, unit="tce/GJ"),
        ],
        key_label="能源品种", value_label="折标系数",
    ),
    Table(
        "energy_benchmark", "公共机构能耗参考指标（广东 2021）", "standard", date(2021, 1, 1),
        "广东省公共机构 2021 年能源资源消费平均水平（据二手资料）",
        "用于对比的参考值，不是定额（二手资料 [S]）。生效日期取年份的 1 月 1 日（2021-01-01）。",
        [
            Row("provincial", "省直机关", confidence=S),
            Row("provincial.energy_per_area", "单位建筑面积能耗", "12.49", confidence=S, unit="kgce/m²",
                parent="provincial"),
            Row("provincial.energy_per_person", "人均综合能耗", "517.33", confidence=S, unit="kgce/人",
                parent="provincial"),
            Row("provincial.water_per_person", "人均用水量", "38.53", confidence=S, unit="m³/人",
                parent="provincial"),
            Row("local", "市及以下机关", confidence=S),
            Row("local.energy_per_area", "单位建筑面积能耗", "11.02", confidence=S, unit="kgce/m²", parent="local"),
            Row("local.energy_per_person", "人均综合能耗", "397.34", confidence=S, unit="kgce/人", parent="local"),
            Row("local.water_per_person", "人均用水量", "69.99", confidence=S, unit="m³/人", parent="local"),
        ],
        key_label="指标", value_label="平均值", hierarchical=True,
    ),
    Table(
        "office_equipment_config", "通用办公设备家具配置标准", "standard", DEFAULT_FROM,
        "中央行政单位通用办公设备家具配置标准（据二手资料）",
        "中央行政单位的单价上限和最低使用年限（二手资料 [S]）。配置预算按此核对。"
        "生效日期为平台默认值 2014-01-01，请按本地执行的文件核定。",
        [
            Row("desktop", "台式计算机", "5000", "6", confidence=S, attrs={"gbt14885": "A02010105"}),
            Row("laptop", "便携式计算机", "7000", "6", confidence=S, attrs={"gbt14885": "A02010108"}),
            Row("copier", "复印机", "35000", "6", confidence=S, attrs={"pages": 300000},
                note="6 年或复印 30 万张"),
            Row("desk_bureau", "办公桌（司局级）", "4500", "15", confidence=S),
            Row("desk_division", "办公桌（处级及以下）", "3000", "15", confidence=S),
            Row("filing_cabinet", "文件柜", None, "20", confidence=S, note="未规定单价上限"),
        ],
        key_label="品目", value_label="单价上限", value_unit="元", value2_label="最低使用年限", value2_unit="年",
    ),
    Table(
        "acquisition_method", "资产取得方式", "code", date(2021, 4, 1), f"{CONDITIONS_738}第九条",
        "资产卡片必填。条例 2021-04-01 施行。",
        [
            Row("reallocation", "调剂"),
            Row("purchase", "购置"),
            Row("construction", "建设"),
            Row("lease", "租用"),
            Row("donation", "接受捐赠"),
        ],
        key_label="方式代码",
    ),
    Table(
        "funding_source", "资金来源", "code", DEFAULT_FROM, "平台默认值（现行规定未列明，待按本地资产卡片规范核定）",
        "资产卡片的资金来源。平台默认值 [?]，请按本地规范修订。生效日期为平台默认值 2014-01-01。",
        [
            Row("fiscal", "财政拨款", confidence=Q),
            Row("non_peer_fiscal", "非同级财政拨款", confidence=Q),
            Row("business", "事业收入", confidence=Q),
            Row("operating", "经营收入", confidence=Q),
            Row("other", "其他资金", confidence=Q),
        ],
        key_label="来源代码",
    ),
    Table(
        "disposal_method", "资产处置方式", "code", date(2021, 4, 1), f"{CONDITIONS_738}及资产处置规定（据二手资料）",
        "处置须经集体决策和批准，按批复执行（条例第十九条 [C]）；处置方式清单据二手资料 [S]。",
        [
            Row("scrap", "报废", confidence=S),
            Row("sale", "出售", confidence=S),
            Row("assignment", "出让", confidence=S),
            Row("transfer", "转让", confidence=S),
            Row("free_transfer", "无偿划转", confidence=S),
            Row("donation", "对外捐赠", confidence=S),
            Row("exchange", "置换", confidence=S),
            Row("loss_writeoff", "报损核销", confidence=S),
        ],
        key_label="方式代码",
    ),
    Table(
        "scrapping_reason", "报废报损原因", "code", date(2021, 4, 1), f"{CONDITIONS_738}第二十一条",
        "资产报废报损的理由代码（条例第二十一条）。",
        [
            Row("obsolete", "因技术原因确需淘汰或者无法维修、无维修价值"),
            Row("inventory_loss", "涉及盘亏以及非正常损失"),
            Row("past_life", "已超过使用年限且无法满足现有工作需要"),
            Row("force_majeure", "因自然灾害等不可抗力造成毁损、灭失"),
            Row("other", "其他应当报废报损的情形", confidence=Q, note="兜底项，未经原文确认"),
        ],
        key_label="原因代码",
    ),
    Table(
        "asset_status", "资产使用状态", "code", DEFAULT_FROM, "平台默认值（现行规定未列明）",
        "资产卡片的使用状态。平台默认值 [?]；状态之间的转换由资产模块的业务规则控制。"
        "生效日期为平台默认值 2014-01-01。",
        [
            Row("in_use", "在用", confidence=Q),
            Row("idle", "闲置", confidence=Q),
            Row("rented", "出租", confidence=Q),
            Row("lent", "出借", confidence=Q),
            Row("in_repair", "维修", confidence=Q),
            Row("pending_disposal", "待处置", confidence=Q),
            Row("disposed", "已处置", confidence=Q),
        ],
        key_label="状态代码",
    ),
]


def load(apps, *, tables: list[Table] = TABLES) -> int:
    """Create the tables and their first versions (idempotent: existing tables and versions are
    kept). Works with historical models in a migration. Returns the number of entries created."""
    StandardTable = apps.get_model("standards", "StandardTable")
    StandardEntry = apps.get_model("standards", "StandardEntry")
    created = 0
    for order, spec in enumerate(tables, start=1):
        table, _new = StandardTable.objects.get_or_create(code=spec.code, defaults={
            "name": spec.name, "kind": spec.kind, "description": spec.description,
            "key_label": spec.key_label, "value_label": spec.value_label, "value_unit": spec.value_unit,
            "value2_label": spec.value2_label, "value2_unit": spec.value2_unit,
            "default_source": spec.default_source, "hierarchical": spec.hierarchical, "sort_order": order * 10})
        existing = set(StandardEntry.objects.filter(table=table).values_list("key", flat=True))
        rows = []
        for position, row in enumerate(spec.rows, start=1):
            if row.key in existing:
                continue
            rows.append(StandardEntry(
                table=table, key=row.key, parent_key=row.parent, name=row.name,
                value=Decimal(row.value) if row.value is not None else None,
                unit=(spec.value_unit if row.value is not None else "") if row.unit is None else row.unit,
                value2=Decimal(row.value2) if row.value2 is not None else None,
                unit2=(spec.value2_unit if row.value2 is not None else "") if row.unit2 is None else row.unit2,
                attrs=row.attrs, source=row.source or spec.default_source, confidence=row.confidence,
                effective_from=row.effective_from or spec.effective_from, effective_to=None, version=1,
                note=row.note, sort_order=position * 10))
        StandardEntry.objects.bulk_create(rows)
        created += len(rows)
    return created


def unload(apps, *, tables: list[Table] = TABLES) -> None:
    StandardTable = apps.get_model("standards", "StandardTable")
    StandardEntry = apps.get_model("standards", "StandardEntry")
    codes = [t.code for t in tables]
    StandardEntry.objects.filter(table__code__in=codes, approved_by__isnull=True).delete()
    StandardTable.objects.filter(code__in=codes, entries__isnull=True).delete()
