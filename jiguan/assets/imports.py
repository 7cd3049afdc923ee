"""Import of asset cards (资产卡片导入) through the core import framework (docs/development/imports.md).

Each row is one card, validated exactly as ``services.asset_register`` validates one: the row becomes
an unsaved ``Asset`` that goes through ``services.prepare`` (class in force, acquisition method and
funding source, depreciation category, minimum life, schedule) and the checks of ``full_clean``. The
standards tables are read ONCE per import and handed to ``prepare`` as its ``lookups``; units, users
and tenant settings are read once too, so validating a million rows is a handful of queries. For
speed (issue 8, docs/performance.md) the card is built without ``Asset.__init__`` and each distinct
value of a field is checked once per import; what a valid row spools is its card's field values.

Standards are those in force on the import date (the registration date of the new cards). That is
what the service uses for the class, the acquisition method and the funding source; for the
depreciation rule and the minimum life the service reads the table in force on the acquisition date.
The two agree unless ``class_depreciation`` or ``depreciation_life`` got a new version between a
card's acquisition and its import (both have a single version so far).

GB/T 14885-2010 codes (seven digits, 1+2+2+2) are mapped through the standards table
``gbt14885_2010``: its key is the code's first digit (the 2010 top class), ``attrs["maps_to"]`` the
2022 top class. A mapping naming several 2022 classes (e.g. "A05000000 / A06000000") or none is
reported on the row; the card keeps the 2022 code, the 2010 code is kept on the import event.

Commit: codes are allocated per code prefix (``services.codes_allocate``, one locked counter update per
prefix, i.e. per owner region × class × year under the default pattern), ids are reserved at once
(``reserve_ids``), then cards and one ``AssetEvent`` (导入) per card are written per chunk with
``insert_rows`` (COPY on PostgreSQL, executemany on SQLite), and one audit record for the whole import.

The importer is declared to the kernel as ``assets.asset`` (``register``): files of more than
``INLINE_MAX_ROWS`` rows run as the kernel's background job ``core.import_run`` with a progress page
(``jiguan.core.imports.jobs``); the page and the API actions here are the kernel's, at assets' URLs.
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata
from collections import Counter, defaultdict

from django.core.exceptions import ValidationError
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core import imports
from jiguan.core.imports import (
    CELL_CACHE_SIZE,
    Choice,
    Date,
    DecimalNumber,
    ImportColumn,
    Importer,
    ImportResult,
    ImportRow,
    Integer,
    Parser,
    RowStore,
    Text,
    display,
    insert_rows,
    reserve_ids,
)
from jiguan.core.imports.pages import RegisteredImportTemplateView, RegisteredImportView
from jiguan.core.tables import money
from jiguan.org.models import OrgKind, OrgUnit, User
from jiguan.standards.selectors import StandardNotFound, standard_values

from . import events as asset_events
from . import services
from .models import ZERO, Asset, AssetEvent, AssetSettings, AssetStatus, EventKind

MAPPING_2010_TABLE = "gbt14885_2010"
CODE_2010 = re.compile(r"^\d{7}$")
CODE_2022 = re.compile(r"[A-Z]\d{8}")
KEY = "assets.asset"  # the declaration's key (jiguan.core.imports.register_importer)
INLINE_MAX_ROWS = 2000  # larger files are imported by a background job
# A validated row is spooled as the values of these fields of its card: every field but the id and
# the code (given at commit) and the timestamps (the same for the whole import).
RECORD_FIELDS = [f.attname for f in Asset._meta.concrete_fields
                 if not (f.primary_key or f.name == "code" or getattr(f, "auto_now", False)
                         or getattr(f, "auto_now_add", False))]
RECORD_AT = {name: index for index, name in enumerate(RECORD_FIELDS)}
record_of = operator.itemgetter(*RECORD_FIELDS)  # a card's __dict__ -> its record
CARD_COLUMNS = ["id", "code", *RECORD_FIELDS]
EVENT_COLUMNS = ["asset_id", "summary", "data"]  # of an 导入 event; kind, date and actor are the import's


def fold(text) -> str:
    """Full-width to ASCII, no whitespace, case-folded: how names and codes typed by hand compare."""
    return _fold(display(text))


@functools.lru_cache(maxsize=8192)  # the same few names (购置, 在用, 财政拨款) on most rows
def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


# Parsers ------------------------------------------------------------------------------------------


class StandardCode(Parser):
    """The name or the code of an entry of a standards table. The cell is only read here; the importer
    resolves it against the table it loaded for the import (``AssetImporter.resolve_standard``)."""

    cacheable = True

    def __init__(self, table: str, *, leaves_only: bool = False, max_length: int = 60):
        self.table = table
        self.leaves_only = leaves_only  # tables whose group rows (no value) cannot be chosen
        self.max_length = max_length

    def parse(self, raw):
        value = display(raw)
        if len(value) > self.max_length:
            raise ValidationError(_("不能超过 %(max)d 个字符（当前 %(n)d 个）。") % {"max": self.max_length, "n": len(value)})
        return value

    def entries(self) -> list:
        """The entries in force today (for the page, the template and its drop-down list)."""
        try:
            entries = standard_values(self.table, timezone.localdate()).values()
        except StandardNotFound:
            return []
        return [e for e in entries if not self.leaves_only or e.value is not None]

    def describe(self):
        entries = self.entries()
        table = entries[0].table.name if entries else self.table
        names = [e.name for e in entries]
        separator = "；" if any("、" in n for n in names) else "、"  # names such as 家具、用具
        return _("数据标准“%(table)s”中的名称或代码，可选：%(names)s") % {"table": table, "names": separator.join(names)}

    def allowed_values(self):
        return [e.name for e in self.entries()]


class StatusParser(Choice):
    """使用状态: the label or value of ``AssetStatus``; 待处置 and 已处置 only come from a disposal."""

    EXCLUDED = (AssetStatus.PENDING_DISPOSAL, AssetStatus.DISPOSED)

    def __init__(self):
        super().__init__([(v, label) for v, label in AssetStatus.choices if v not in self.EXCLUDED])

    def parse(self, raw):
        if fold(raw) in self.excluded():
            raise ValidationError(_("“%(value)s”的资产不能导入：待处置、已处置只能经资产处置办理。") % {
                "value": display(raw)})
        return super().parse(raw)

    def excluded(self) -> set[str]:
        """The excluded values and labels, folded (labels are translated: once per language)."""
        language = get_language() or ""
        if getattr(self, "_excluded", (None,))[0] != language:
            self._excluded = (language, {fold(s.value) for s in self.EXCLUDED} | {fold(s.label) for s in self.EXCLUDED})
        return self._excluded[1]

    def describe(self):
        return _("可选：%(allowed)s；不填为“在用”") % {"allowed": "、".join(self.allowed_values())}


CLASS_HELP = gettext_lazy("GB/T 14885-2022 分类代码（如 A02010105），须在数据标准“资产分类与代码”中；也可填写 GB/T 14885-2010 "
                          "的 7 位数字代码，按数据标准“GB/T 14885-2010 门类对照”对照到 2022 版门类")
UNIT_HELP = gettext_lazy("您数据范围内单位的准确名称（须唯一）或统一社会信用代码")


class AssetImporter(Importer):
    model = Asset
    label = gettext_lazy("资产卡片")
    columns = [
        ImportColumn(gettext_lazy("资产名称"), "name", required=True, parser=Text(max_length=120), example="台式计算机"),
        ImportColumn(gettext_lazy("资产分类代码"), "class_code", required=True,
                     parser=Text(max_length=16, upper=True, text_format=True, description=CLASS_HELP),
                     example="A02010105"),
        ImportColumn(gettext_lazy("规格型号"), "spec_model", parser=Text(max_length=120), example="ThinkCentre M90"),
        ImportColumn(gettext_lazy("品牌"), "brand", parser=Text(max_length=60), example="联想"),
        ImportColumn(gettext_lazy("数量"), "quantity", parser=Integer(min_value=1, max_value=1_000_000_000), default=1,
                     example=1, help=gettext_lazy("整数，不填为 1；一张卡片可以代表一批同样的资产（如 40 把椅子）")),
        ImportColumn(gettext_lazy("计量单位"), "measure_unit", parser=Text(max_length=10), default="台", example="台",
                     help=gettext_lazy("如 台、套、把、辆，不填为“台”")),
        ImportColumn(gettext_lazy("原值（元）"), "original_value", required=True,
                     parser=DecimalNumber(max_digits=16, decimal_places=2, min_value=0), default=None,
                     example="6000.00"),
        ImportColumn(gettext_lazy("取得方式"), "acquisition_method", required=True,
                     parser=StandardCode("acquisition_method"), example="购置"),
        ImportColumn(gettext_lazy("取得日期"), "acquired_on", required=True, parser=Date(), default=None,
                     example="2024-01-15"),
        ImportColumn(gettext_lazy("资金来源"), "funding_source", parser=StandardCode("funding_source"),
                     example="财政拨款"),
        ImportColumn(gettext_lazy("供应商"), "supplier", parser=Text(max_length=120)),
        ImportColumn(gettext_lazy("合同编号"), "contract_no", parser=Text(max_length=60, text_format=True)),
        ImportColumn(gettext_lazy("发票号"), "invoice_no", parser=Text(max_length=60, text_format=True)),
        ImportColumn(gettext_lazy("产权单位"), "owner_unit", required=True, parser=Text(max_length=120),
                     example="甲市机关事务管理局", help=UNIT_HELP),
        ImportColumn(gettext_lazy("使用单位"), "using_unit", parser=Text(max_length=120),
                     help=gettext_lazy("产权单位或其下级单位的准确名称或统一社会信用代码；不填为产权单位")),
        ImportColumn(gettext_lazy("使用部门"), "department", parser=Text(max_length=120),
                     help=gettext_lazy("使用单位（不填则产权单位）的内设机构名称")),
        ImportColumn(gettext_lazy("使用人"), "user", parser=Text(max_length=150),
                     help=gettext_lazy("产权单位或其下级单位人员的用户名（登录名）")),
        ImportColumn(gettext_lazy("存放地点"), "location", parser=Text(max_length=120)),
        ImportColumn(gettext_lazy("使用状态"), "status", parser=StatusParser(), default=AssetStatus.IN_USE,
                     example="在用"),
        ImportColumn(gettext_lazy("折旧类别"), "dep_category",
                     parser=StandardCode("depreciation_life", leaves_only=True, max_length=40),
                     help=gettext_lazy("不填按资产分类确定；房屋、设备等门类的卡片须填写")),
        ImportColumn(gettext_lazy("折旧年限（月）"), "life_months", parser=Integer(min_value=1, max_value=1200), default=0,
                     help=gettext_lazy("整数，不得低于最低折旧年限；不填为最低折旧年限")),
        ImportColumn(gettext_lazy("保修截止日期"), "warranty_end", parser=Date(), default=None),
        ImportColumn(gettext_lazy("备注"), "note", parser=Text(max_length=1000)),
    ]
    model_exclude = ("code", "name_initials", "class_name")
    chunk_size = 10_000  # rows per executemany (SQLite) and between two progress reports while writing
    instructions = [
        gettext_lazy("每行登记一张资产卡片，资产编码由系统按编码规则自动分配，不需要填写。"),
        gettext_lazy("产权单位须在您有资产导入权限的数据范围内；使用单位须是产权单位或其下级单位，使用人须是其人员。"),
        gettext_lazy("资产分类、取得方式、资金来源、折旧类别和最低折旧年限按导入当日有效的数据标准校验。"
                     "GB/T 14885-2010 的 7 位分类代码按门类对照到 2022 版；一个门类对应多个 2022 版门类时须直接填写 2022 版代码。"),
        format_lazy(gettext_lazy("超过 {n} 行的文件在后台导入，页面显示进度，可以离开页面稍后再看结果。"),
                    n=f"{INLINE_MAX_ROWS:,}"),
    ]

    def reset(self):
        super().reset()
        self.today = timezone.localdate()
        self.present: set[str] = set()
        self.units: dict[int, tuple] = {}  # pk -> (name, path, kind, is_active)
        self.units_by_name: dict[str, list[int]] = defaultdict(list)
        self.units_by_code: dict[str, int] = {}
        self.regions: dict[int, str] = {}  # pk -> region code, for every unit in scope and above it
        self.settings_rows: dict[int, AssetSettings] = {}
        self.tenants: dict[int, services.TenantSettings] = {}
        self.prefixes: dict[tuple[int, str], str | ValidationError] = {}
        self.users: dict[str, tuple[int, str, bool]] = {}  # username -> (pk, unit path, is_active)
        self.lookups: dict = {}
        self.standard_keys: dict[str, dict[str, str]] = {}
        self.map_2010: dict = {}
        self.prefix_counts: Counter = Counter()
        self.prefix_sample: dict[str, tuple[int, str]] = {}
        self.code_ranges: list[tuple[str, str]] = []
        # Per import: the field values of a new card, the columns that are plain fields, the fields
        # full_clean checks (each with the problems of the values seen), the texts of the 导入 event.
        self.card_defaults = {k: v for k, v in Asset(registered_on=self.today).__dict__.items() if k != "_state"}
        self.plain_keys = [column.key for column in self._field_columns()]
        self.checked_fields = [(f.name, f, {}) for f in Asset._meta.fields
                               if f.name not in self.unchecked_fields() and not f.generated]
        self.event_texts = (_("导入登记：%(name)s，原值 %(value)s 元"),
                            _("（GB/T 14885-2010 分类代码 %(code)s 对照为 %(class)s）"))

    # Lookups, once per import -------------------------------------------------------------------
    def read_header(self, rows):
        number, mapping = super().read_header(rows)
        self.present = {column.key for _index, column in mapping}
        return number, mapping

    def prefetch(self):
        scope = self.actor.get_scope(self.required_permission())
        units = OrgUnit.objects.in_scope(scope).values_list(
            "pk", "name", "credit_code", "path", "kind", "region_code", "is_active")
        for pk, name, code, path, kind, region, active in units.iterator(chunk_size=5000):
            self.units[pk] = (name, path, kind, active)
            self.units_by_name[name].append(pk)
            if code:
                self.units_by_code[code.upper()] = pk
            if region:
                self.regions[pk] = region
        # Region codes of the units above the scope (the asset code takes the nearest one).
        above = {int(x) for grant in scope.grants for x in grant.path.strip("/").split("/") if x} - set(self.units)
        if above and not scope.is_global:
            self.regions.update(OrgUnit.objects.filter(pk__in=above).exclude(region_code="")
                                .values_list("pk", "region_code"))
        self.settings_rows = {row.unit_id: row for row in AssetSettings.objects.all()}
        if "user" in self.present:
            people = User.objects.in_scope(scope).values_list("pk", "username", "unit__path", "is_active")
            self.users = {username: (pk, path or "", active) for pk, username, path, active in people}

        def table(code):
            try:
                return standard_values(code, self.today)
            except StandardNotFound:
                return {}

        self.lookups = {
            "classes": table(services.CLASS_TABLE),
            "rules": table(services.CLASS_DEPRECIATION_TABLE),
            "lives": table(services.LIFE_TABLE),
            "enums": {"acquisition_method": table("acquisition_method"), "funding_source": table("funding_source")},
        }
        for code, entries in [("acquisition_method", self.lookups["enums"]["acquisition_method"]),
                              ("funding_source", self.lookups["enums"]["funding_source"]),
                              ("depreciation_life", self.lookups["lives"])]:
            keys = {fold(key): key for key in entries}
            keys.update({fold(entry.name): key for key, entry in entries.items()})
            self.standard_keys[code] = keys
        self.map_2010 = table(MAPPING_2010_TABLE)

    def tenant_for(self, unit_id: int) -> services.TenantSettings:
        """``services.settings_for`` without a query: the nearest ancestor's (or own) settings."""
        tenant = self.tenants.get(unit_id)
        if tenant is None:
            row = next((self.settings_rows[pk] for pk in reversed(_path_ids(self.units[unit_id][1]))
                        if pk in self.settings_rows), None)
            tenant = self.tenants[unit_id] = services.TenantSettings(row)
        return tenant

    def region_for(self, unit_id: int) -> str:
        """``services.region_code_of`` without a query."""
        for pk in reversed(_path_ids(self.units[unit_id][1])):
            if pk in self.regions:
                return self.regions[pk]
        return "000000"

    def code_prefix(self, unit_id: int, class_code: str) -> str:
        key = (unit_id, class_code[:3])
        if key not in self.prefixes:
            try:
                prefix, _format = services.render_code_prefix(
                    self.tenant_for(unit_id).code_pattern, region=self.region_for(unit_id), year=self.today.year,
                    class_code=class_code)
            except ValidationError as exc:
                prefix = exc
            self.prefixes[key] = prefix
        return self.prefixes[key]

    # Row checks ---------------------------------------------------------------------------------
    def fail(self, row: ImportRow, key: str, message: str) -> None:
        """Report ``message`` on column ``key`` and skip the column in later checks of the row."""
        self.add_error(row, key, message)
        row.failed.add(key)

    def clean_row(self, row: ImportRow):
        values, extra = row.values, row.extra
        if row.ok("acquired_on") and values["acquired_on"] and values["acquired_on"] > self.today:
            self.fail(row, "acquired_on", _("取得日期不能晚于今天（%(today)s）。") % {"today": self.today.isoformat()})
        if row.ok("class_code") and values["class_code"]:
            self.resolve_class(row)
        for key in ("acquisition_method", "funding_source", "dep_category"):
            if row.ok(key) and values[key]:
                self.resolve_standard(row, key)
        if row.ok("owner_unit") and values["owner_unit"]:
            self.resolve_owner(row)
        owner = extra.get("owner_unit_id")
        if owner is None:
            return  # using unit, department and user are checked against the owner
        extra["using_unit_id"] = owner
        if row.ok("using_unit") and values["using_unit"]:
            self.resolve_using_unit(row, owner)
        if row.ok("department") and values["department"] and row.ok("using_unit"):
            self.resolve_department(row, extra["using_unit_id"])
        if row.ok("user") and values["user"]:
            self.resolve_user(row, owner)

    def resolve_class(self, row: ImportRow) -> None:
        code = row.values["class_code"]
        row.extra["class_code"] = code
        if not CODE_2010.match(code):
            return  # a 2022 code: services.prepare checks it is in the table
        entry = self.map_2010.get(code[0])
        target = str(entry.attrs.get("maps_to") or "").strip().upper() if entry is not None else ""
        targets = CODE_2022.findall(target)
        if len(targets) > 1:
            self.fail(row, "class_code", _("GB/T 14885-2010 代码“%(code)s”属于门类“%(name)s”，对应 2022 版多个门类（%(targets)s），"
                                           "无法自动对照，请直接填写 GB/T 14885-2022 分类代码。") % {
                "code": code, "name": entry.name, "targets": "、".join(targets)})
        elif len(targets) != 1 or targets[0] != target:
            name = entry.name if entry is not None else code[0]
            self.fail(row, "class_code", _("GB/T 14885-2010 代码“%(code)s”的门类“%(name)s”在数据标准“GB/T 14885-2010 门类对照”中"
                                           "没有对应的 2022 版分类，请直接填写 GB/T 14885-2022 分类代码。") % {
                "code": code, "name": name})
        else:
            row.extra["class_code"] = targets[0]
            row.extra["class_2010"] = code

    def resolve_standard(self, row: ImportRow, key: str) -> None:
        parser = self._by_key[key].parser
        value = row.values[key]
        resolved = self.standard_keys[parser.table].get(fold(value))
        if resolved is None:
            self.fail(row, key, _("“%(value)s”不是有效的%(label)s，可选：%(allowed)s。") % {
                "value": value, "label": self.column_label(key),
                "allowed": "、".join(self._standard_names(parser))})
        elif parser.leaves_only and self.lookups["lives"][resolved].value is None:
            self.fail(row, key, _("“%(value)s”是折旧类别的分组，请填写具体类别，如 %(examples)s。") % {
                "value": value, "examples": "、".join(self._standard_names(parser)[:3])})
        else:
            row.extra[key] = resolved

    def _standard_names(self, parser: StandardCode) -> list[str]:
        entries = self.lookups["lives"] if parser.table == "depreciation_life" else self.lookups["enums"][parser.table]
        return [e.name for e in entries.values() if not parser.leaves_only or e.value is not None]

    def _find_units(self, ref: str) -> list[int]:
        pk = self.units_by_code.get(ref.upper())
        return [pk] if pk is not None else list(self.units_by_name.get(ref, []))

    def resolve_owner(self, row: ImportRow) -> None:
        ref = row.values["owner_unit"]
        found = self._find_units(ref)
        if not found:
            self.fail(row, "owner_unit", _("找不到产权单位“%(ref)s”：应为您有资产导入权限的数据范围内单位的准确名称或统一社会信用代码。")
                      % {"ref": ref})
        elif len(found) > 1:
            self.fail(row, "owner_unit", _("产权单位“%(ref)s”不唯一：您的数据范围内有 %(n)d 个同名单位，请改填该单位的统一社会信用代码。")
                      % {"ref": ref, "n": len(found)})
        elif not self.units[found[0]][3]:
            self.fail(row, "owner_unit", _("产权单位“%(ref)s”已停用。") % {"ref": ref})
        else:
            row.extra["owner_unit_id"] = found[0]

    def resolve_using_unit(self, row: ImportRow, owner: int) -> None:
        ref = row.values["using_unit"]
        owner_name, owner_path = self.units[owner][:2]
        found = self._find_units(ref)
        below = [pk for pk in found if self.units[pk][1].startswith(owner_path)]
        if len(below) == 1 and self.units[below[0]][3]:
            row.extra["using_unit_id"] = below[0]
            return
        if len(below) > 1:
            message = _("使用单位“%(ref)s”不唯一：产权单位“%(owner)s”及其下级单位中有 %(n)d 个同名单位，请改填统一社会信用代码。")
        elif below:
            message = _("使用单位“%(ref)s”已停用。")
        elif found:
            message = _("使用单位“%(ref)s”不是产权单位“%(owner)s”或其下级单位。")
        else:
            message = _("找不到使用单位“%(ref)s”：应为产权单位“%(owner)s”或其下级单位的准确名称或统一社会信用代码。")
        self.fail(row, "using_unit", message % {"ref": ref, "owner": owner_name, "n": len(below)})

    def resolve_department(self, row: ImportRow, base: int) -> None:
        """A department (内设机构) of the using unit: below it; a direct child wins over deeper ones."""
        ref = row.values["department"]
        base_name, base_path = self.units[base][:2]
        found = [pk for pk in self._find_units(ref)
                 if self.units[pk][2] == OrgKind.DEPARTMENT and self.units[pk][1].startswith(base_path)]
        if len(found) > 1:
            direct = [pk for pk in found if self.units[pk][1].count("/") == base_path.count("/") + 1]
            found = direct if len(direct) == 1 else found
        if len(found) == 1:
            row.extra["department_id"] = found[0]
        elif found:
            self.fail(row, "department", _("“%(base)s”下有 %(n)d 个名为“%(ref)s”的内设机构，请把使用单位填为该内设机构所属的单位。")
                      % {"base": base_name, "n": len(found), "ref": ref})
        else:
            self.fail(row, "department", _("找不到使用部门“%(ref)s”：应为“%(base)s”的内设机构名称。") % {
                "ref": ref, "base": base_name})

    def resolve_user(self, row: ImportRow, owner: int) -> None:
        username = row.values["user"]
        owner_name, owner_path = self.units[owner][:2]
        person = self.users.get(username)
        if person is None or not person[1].startswith(owner_path):
            self.fail(row, "user", _("找不到使用人“%(ref)s”：应为产权单位“%(owner)s”或其下级单位人员的用户名。") % {
                "ref": username, "owner": owner_name})
        elif not person[2]:
            self.fail(row, "user", _("使用人“%(ref)s”的账号已停用。") % {"ref": username})
        else:
            row.extra["user_id"] = person[0]

    def new_card(self, row: ImportRow) -> Asset:
        """The unsaved card of a row: every field at its default, registered today, the plain columns,
        the references resolved by ``clean_row``. Built without ``Asset.__init__``, whose cost per
        field is more than the rest of a row's checks: the field defaults are worked out once."""
        card = Asset.__new__(Asset)
        card._state = ModelState()
        fields = card.__dict__
        fields.update(self.card_defaults)
        values, extra, failed = row.values, row.extra, row.failed
        for key in self.plain_keys:
            fields[key] = values[key]
        for key in ("class_code", "acquisition_method", "funding_source", "dep_category"):
            fields[key] = extra.get(key, "" if key in failed else values[key])
        fields["owner_unit_id"] = extra.get("owner_unit_id")
        fields["using_unit_id"] = extra.get("using_unit_id")
        fields["department_id"] = extra.get("department_id")
        fields["user_id"] = extra.get("user_id")
        return card

    def unchecked_fields(self) -> set[str]:
        """Fields ``full_clean`` skips: relations (resolved above), ``model_exclude`` and every field
        that no column fills (``prepare`` derives them, or they keep their defaults)."""
        if not hasattr(self, "_unchecked"):
            keys = {c.key for c in self.columns}
            self._unchecked = {f.name for f in Asset._meta.concrete_fields
                               if f.is_relation or f.name not in keys} | set(self.model_exclude)
        return self._unchecked

    def validate_instance(self, row: ImportRow) -> None:
        """What ``asset_register`` checks for one card: ``services.prepare`` (standards, depreciation
        schedule) with the lookups of this import, then the model's own validation."""
        card = self.new_card(row)
        # A failed column holds no value: check the others all the same (nothing of the row is kept).
        if card.original_value is None:
            card.original_value = ZERO
        if card.acquired_on is None:
            card.acquired_on = self.today
        owner = row.extra.get("owner_unit_id")
        tenant = self.tenant_for(owner) if owner else services.TenantSettings(None)
        try:
            services.prepare(card, tenant=tenant, on=self.today, lookups=self.lookups)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                if key not in row.failed:
                    for message in errors:
                        self.fail(row, key, message)
        self.full_clean(row, card)
        if row.has_errors or owner is None:
            return
        prefix = self.code_prefix(owner, card.class_code)
        if isinstance(prefix, ValidationError):
            self.add_error(row, "owner_unit", _("产权单位适用的资产编码规则有误：%(error)s") % {
                "error": "；".join(prefix.messages)})
            return
        row.extra["prefix"] = prefix
        row.extra["record"] = record_of(card.__dict__)

    def full_clean(self, row: ImportRow, card: Asset) -> None:
        """``card.full_clean()`` without the unchecked and failed fields, uniqueness and constraints,
        as ``asset_register`` runs it. A field's check depends on its value alone, so each distinct
        value of a field is checked once per import (the same few units, dates and amounts recur)."""
        failed, fields = row.failed, card.__dict__
        for name, model_field, memo in self.checked_fields:
            if name in failed:
                continue
            value = fields[model_field.attname]
            kind = value.__class__
            # Equal values that check differently get different keys: 1.5 and 1.50 (digits), 1 and 1.0.
            key = value if kind is str or kind is int or value is None else (kind, str(value))
            problems = memo.get(key)
            if problems is None:
                if len(memo) >= CELL_CACHE_SIZE:
                    memo.clear()
                problems = memo[key] = _field_problems(model_field, value)
            for message in problems:
                self.add_error(row, name, message)
        try:
            card.clean()
        except ValidationError as exc:
            self.add_validation_error(row, exc)

    def check_across(self, row: ImportRow):
        super().check_across(row)
        if not row.has_errors:
            extra = row.extra
            prefix = extra["prefix"]
            self.prefix_counts[prefix] += 1
            self.prefix_sample.setdefault(prefix, (extra["owner_unit_id"], extra["class_code"]))
            # Only what commit needs is spooled: the card's field values and what its event adds.
            row.values, row.extra = {}, {"card": (prefix, extra.get("class_2010", ""), extra["record"])}

    # Writing ------------------------------------------------------------------------------------
    def commit(self, rows: RowStore) -> int:
        """Codes per prefix (one locked counter update each, in prefix order so concurrent imports
        lock in the same order), ids reserved at once, then per chunk of rows the cards and their
        导入 events (``insert_rows``: one COPY on PostgreSQL, one executemany on SQLite, each)."""
        total = len(rows)
        if sum(self.prefix_counts.values()) != total:
            raise ValidationError(_("导入数据校验不完整，未导入任何数据，请重新上传。"))
        codes = {}
        for prefix in sorted(self.prefix_counts):
            owner, class_code = self.prefix_sample[prefix]
            allocated = services.codes_allocate(
                # The unit is only used when tenant or region is missing; both are given.
                owner_unit=OrgUnit(pk=owner, path=self.units[owner][1]), class_code=class_code, on=self.today,
                count=self.prefix_counts[prefix], tenant=self.tenant_for(owner), region=self.region_for(owner))
            self.code_ranges.append((allocated[0], allocated[-1]))
            codes[prefix] = iter(allocated)  # taken in file order
        ids = iter(reserve_ids(Asset, total))
        event_constants = {"kind": EventKind.IMPORT, "occurred_on": self.today,
                           "actor_id": getattr(self.actor, "pk", None)}
        created = 0
        for chunk in rows.chunks(self.chunk_size):
            cards, events, outbox = [], [], []
            for row in chunk:
                prefix, class_2010, record = row.extra["card"]
                pk, code = next(ids), next(codes[prefix])
                cards.append((pk, code, *record))
                events.append(self.event_values(pk, code, row.number, class_2010, record))
                outbox.append(self.outbox_values(pk, code, record))
            insert_rows(Asset, CARD_COLUMNS, cards, every=len(cards))
            insert_rows(AssetEvent, EVENT_COLUMNS, events, constants=event_constants, every=len(events))
            asset_events.registered_in_bulk(outbox)  # 登记 for other systems, as asset_register emits it
            created += len(cards)
            self._report(created, total)
        return created

    def outbox_values(self, pk: int, code: str, record: tuple) -> dict:
        """The card as ``events.registered_in_bulk`` takes it."""
        owner = record[RECORD_AT["owner_unit_id"]]
        return {"id": pk, "code": code, "name": record[RECORD_AT["name"]],
                "class_code": record[RECORD_AT["class_code"]], "owner_unit": owner,
                "owner_unit_name": self.units[owner][0], "original_value": record[RECORD_AT["original_value"]],
                "registered_on": record[RECORD_AT["registered_on"]], "quantity": record[RECORD_AT["quantity"]]}

    def event_values(self, pk: int, code: str, number: int, class_2010: str, record: tuple) -> tuple:
        """(asset_id, summary, data) of a card's 导入 event."""
        name, value = record[RECORD_AT["name"]], record[RECORD_AT["original_value"]]
        summary = self.event_texts[0] % {"name": name, "value": money(value)}
        data = {"code": code, "owner_unit": self.units[record[RECORD_AT["owner_unit_id"]]][0],
                "file": self.result.filename, "row": number}
        if class_2010:
            summary += self.event_texts[1] % {"code": class_2010, "class": record[RECORD_AT["class_code"]]}
            data["gbt14885_2010"] = class_2010
        return pk, summary[:300], data

    def audit_message(self, result):
        return _("导入资产卡片 %(n)d 张，文件：%(file)s") % {"n": result.created, "file": result.filename}

    def record_audit(self, result: ImportResult) -> None:
        audit.record(Action.IMPORT, actor=self.actor, object_type_label=self.model._meta.label_lower,
                     object_repr=result.filename or self.get_label(), message=self.audit_message(result),
                     after={"file": result.filename, "sha256": result.sha256, "rows": result.total_rows,
                            "created": result.created, "codes": [list(r) for r in self.code_ranges[:100]]})


def _field_problems(model_field, value) -> tuple[str, ...]:
    """The messages of ``model_field.clean(value)`` as ``Model.clean_fields`` reports them (it skips a
    blank value of a field that may be blank)."""
    if model_field.blank and value in model_field.empty_values:
        return ()
    try:
        model_field.clean(value, None)
    except ValidationError as exc:
        return tuple(exc.messages)
    return ()


def _path_ids(path: str) -> list[int]:
    return [int(x) for x in path.strip("/").split("/") if x]


# Declaration --------------------------------------------------------------------------------------------


def imported_body(importer: AssetImporter, result: ImportResult) -> dict:
    """The API's answer to a file imported at once: the cards created and the first and last code."""
    ranges = importer.code_ranges
    codes = [min(r[0] for r in ranges), max(r[1] for r in ranges)] if ranges else []
    return {"imported": result.created, "codes": codes}


def register() -> None:
    """Declare the card importer to the kernel as ``assets.asset`` (``AssetsConfig.ready()``): its page
    and API (here at /assets/import/ and /api/v1/assets/import/, and the kernel's /imports/assets.asset/),
    files over ``INLINE_MAX_ROWS`` rows imported by the job ``core.import_run``."""
    from .api.serializers import AssetImportedSerializer

    imports.register_importer(
        KEY, AssetImporter, permission="assets.import_asset", list_url_name="assets:asset_list",
        success_message=gettext_lazy("已成功导入 %(count)d 张资产卡片。"),
        template_url_name="assets:asset_import_template", inline_max_rows=INLINE_MAX_ROWS,
        result_body=imported_body, result_serializer=AssetImportedSerializer)


# Views ------------------------------------------------------------------------------------------------


class AssetImportView(RegisteredImportView):
    """/assets/import/: the kernel's import page of ``assets.asset`` (large files run as a job, with a
    progress page at ``?job=<token>``)."""

    model = Asset
    import_key = KEY


class AssetImportTemplateView(RegisteredImportTemplateView):
    model = Asset
    import_key = KEY
