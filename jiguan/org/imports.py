"""Import of organisation units (组织机构批量导入) through the core import framework.

The parent of each new unit is an existing unit in the importer's scope (its exact name when unique
there, or its unified social credit code) or a unit on an earlier row of the same file. Units are
created level by level: one ``bulk_create`` per level (chunked), then one UPDATE per level sets the
materialized paths and depths from the parents', exactly as ``services.orgunit_create`` would.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat, Upper
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.core.imports import (
    Choice,
    ImportColumn,
    Importer,
    ImportRow,
    ImportTemplateView,
    ImportView,
    Integer,
    RowStore,
    Text,
)

from .models import CREDIT_CODE_TAKEN, PATH_SEPARATOR, OrgKind, OrgUnit
from .validators import credit_code_check_char, credit_code_error, validate_region_code

EXAMPLE_CREDIT_CODE = "11350100MB0123456" + credit_code_check_char("11350100MB0123456")


class UnitImporter(Importer):
    model = OrgUnit
    label = gettext_lazy("组织机构")
    columns = [
        ImportColumn(gettext_lazy("名称"), "name", required=True, parser=Text(max_length=120),
                     example="甲市教育局"),
        ImportColumn(gettext_lazy("简称"), "short_name", parser=Text(max_length=40), example="市教育局"),
        ImportColumn(gettext_lazy("类型"), "kind", required=True, parser=Choice(OrgKind.choices), example="机关",
                     help=gettext_lazy("单位类型")),
        ImportColumn(gettext_lazy("上级单位"), "parent", required=True, parser=Text(max_length=120), example="甲市",
                     help=gettext_lazy("填写您数据范围内已有单位的准确名称（须唯一）或其统一社会信用代码；"
                                       "也可以填写本文件中前面行新增的单位名称")),
        ImportColumn(gettext_lazy("行政区划代码"), "region_code",
                     parser=Text(validators=[validate_region_code], text_format=True,
                                 description=gettext_lazy("GB/T 2260 六位数字代码；省级、市级、县级、乡镇级单位必填")),
                     example="350100"),
        ImportColumn(gettext_lazy("统一社会信用代码"), "credit_code",
                     parser=Text(upper=True, validators=[credit_code_error], text_format=True,
                                 description=gettext_lazy("18 位，按 GB 32100 校验；同一文件内不能重复")),
                     example=EXAMPLE_CREDIT_CODE),
        ImportColumn(gettext_lazy("排序"), "sort_order", parser=Integer(min_value=-1_000_000, max_value=1_000_000),
                     default=0, example=10, help=gettext_lazy("整数，同级单位按从小到大排列，不填为 0")),
    ]
    unique_in_file = [("credit_code",)]
    model_exclude = ("path", "depth")
    instructions = [
        gettext_lazy("上级单位必须在您的数据范围内，且您有新增组织机构的权限；下级单位所在的行要排在上级单位之后。"),
        gettext_lazy("同一上级单位下不能有同名单位（包括已有单位），重复导入同一文件会被拒绝。"),
    ]

    def reset(self):
        super().reset()
        self.by_name: dict[str, list[int]] = defaultdict(list)  # existing units the actor may add under
        self.by_code: dict[str, list[int]] = defaultdict(list)
        self.codes_taken: set[str] = set()  # the credit codes of every unit, in or out of scope
        self.existing_children: set[tuple[int, str]] = set()  # (parent id, name) in scope
        self.unit_names: dict[int, str] = {}
        self.file_by_name: dict[str, list[int]] = defaultdict(list)  # name -> row numbers
        self.file_by_code: dict[str, list[int]] = defaultdict(list)
        self.file_children: dict[tuple, int] = {}  # (parent ref, name) -> row number
        self.levels: dict[int, int | None] = {}
        self.unresolved: list[tuple[int, str]] = []

    def prefetch(self):
        """Two queries: every unit in the actor's import scope (parents must also be in the add
        scope), and the credit codes of all units (a code is unique in the whole tree)."""
        import_scope = self.actor.get_scope("org.import_orgunit")
        add_scope = self.actor.get_scope("org.add_orgunit")
        codes = OrgUnit.objects.exclude(credit_code="").annotate(code=Upper("credit_code")).values_list("code", flat=True)
        self.codes_taken = set(codes.iterator(chunk_size=5000))
        units = OrgUnit.objects.in_scope(import_scope).values_list(
            "pk", "name", "credit_code", "path", "parent_id")
        for pk, name, code, path, parent_id in units.iterator(chunk_size=5000):
            self.existing_children.add((parent_id, name))
            if not add_scope.contains_path(path):
                continue
            self.unit_names[pk] = name
            self.by_name[name].append(pk)
            if code:
                self.by_code[code.upper()].append(pk)

    def check_across(self, row: ImportRow):
        super().check_across(row)
        values = row.values
        name = values.get("name") if row.ok("name") else ""
        code = values.get("credit_code") if row.ok("credit_code") else ""
        if code and code in self.codes_taken:
            self.add_error(row, "credit_code", str(CREDIT_CODE_TAKEN))
        target = self.resolve_parent(row) if row.ok("parent") and values.get("parent") else None
        if target is not None:
            kind, ref = target
            if kind == "unit":
                row.extra["parent_id"] = ref
                self.levels[row.number] = 0
                if name and (ref, name) in self.existing_children:
                    self.add_error(row, "name", _("上级单位“%(parent)s”下已有名为“%(name)s”的单位。") % {
                        "parent": self.unit_names[ref], "name": name})
            else:
                row.extra["parent_row"] = ref
                parent_level = self.levels.get(ref)
                self.levels[row.number] = None if parent_level is None else parent_level + 1
            if name:
                first = self.file_children.setdefault((target, name), row.number)
                if first != row.number:
                    self.add_error(row, "name", _("与第 %(row)d 行重复：同一上级单位下不能有两个名为“%(name)s”的单位。") % {
                        "row": first, "name": name})
        # Registered after resolving, so a row is never its own parent; rows with errors register too,
        # so their children are not reported a second time.
        if name:
            self.file_by_name[name].append(row.number)
        if code:
            self.file_by_code[code].append(row.number)

    def resolve_parent(self, row: ImportRow) -> tuple[str, int] | None:
        """("unit", id) or ("row", row number), or None after recording why not."""
        ref = row.values["parent"]
        code = ref.upper()
        candidates = [("unit", pk) for pk in self.by_code.get(code, [])] + [
            ("row", n) for n in self.file_by_code.get(code, [])]
        if not candidates:
            candidates = [("unit", pk) for pk in self.by_name.get(ref, [])] + [
                ("row", n) for n in self.file_by_name.get(ref, [])]
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            self.add_error(row, "parent", _("上级单位“%(ref)s”不唯一：您的数据范围内及本文件前面的行中共有 %(n)d 个同名单位，"
                                            "请改填该单位的统一社会信用代码。") % {"ref": ref, "n": len(candidates)})
        else:
            self.unresolved.append((row.number, ref))
            row.error_count += 1  # reported in finish(), when later rows are known
        return None

    def finish(self):
        for number, ref in self.unresolved:
            later = [n for n in self.file_by_name.get(ref, []) + self.file_by_code.get(ref.upper(), []) if n > number]
            if later:
                message = _("上级单位“%(ref)s”在本文件第 %(row)d 行，位于本行之后：请把上级单位的行排在下级单位之前。") % {
                    "ref": ref, "row": later[0]}
            else:
                message = _("找不到上级单位“%(ref)s”：应为您数据范围内已有单位的准确名称或统一社会信用代码，"
                            "或本文件前面行中的单位名称。") % {"ref": ref}
            self.add_error(number, "parent", message, value=ref)

    def build_instance(self, row: ImportRow) -> OrgUnit:
        unit = super().build_instance(row)
        unit.parent_id = row.extra.get("parent_id")
        return unit

    def commit(self, rows: RowStore) -> int:
        """Level by level: bulk_create with unique temporary paths, then one UPDATE sets every path to
        ``<parent path><id>/`` and depth to parent depth + 1 (what orgunit_create does row by row)."""
        by_level: dict[int, list[ImportRow]] = defaultdict(list)
        for row in rows:
            by_level[self.levels[row.number]].append(row)
        token = uuid.uuid4().hex[:12]
        unit_of_row: dict[int, int] = {}
        parent = OrgUnit.objects.filter(pk=OuterRef("parent_id"))
        created = 0
        for level in sorted(by_level):
            prefix = f"{PATH_SEPARATOR}~import-{token}-{level}-"
            units = []
            for row in by_level[level]:
                unit = self.build_instance(row)
                if unit.parent_id is None:
                    unit.parent_id = unit_of_row[row.extra["parent_row"]]
                unit.path = f"{prefix}{row.number}{PATH_SEPARATOR}"
                units.append(unit)
            for chunk in _chunks(units, self.chunk_size):
                OrgUnit.objects.bulk_create(chunk, batch_size=self.chunk_size)
            if any(u.pk is None for u in units):  # a database that cannot return ids from bulk inserts
                ids = dict(OrgUnit.objects.filter(path__startswith=prefix).values_list("path", "pk"))
                for unit in units:
                    unit.pk = ids[unit.path]
            for row, unit in zip(by_level[level], units, strict=True):
                unit_of_row[row.number] = unit.pk
            OrgUnit.objects.filter(path__startswith=prefix).update(
                path=Concat(Subquery(parent.values("path")[:1]), Cast("pk", CharField()), Value(PATH_SEPARATOR),
                            output_field=CharField()),
                depth=Subquery(parent.values("depth")[:1]) + 1,
            )
            created += len(units)
            self._report(created, len(rows))
        return created

    def audit_message(self, result):
        return _("导入组织机构 %(n)d 个，文件：%(file)s") % {"n": result.created, "file": result.filename}


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class UnitImportView(ImportView):
    model = OrgUnit
    action = "import"
    importer_class = UnitImporter
    template_url_name = "org:unit_import_template"
    success_url = reverse_lazy("org:unit_tree")
    success_message = gettext_lazy("已成功导入 %(count)d 个单位。")
    breadcrumbs = [(gettext_lazy("组织机构"), "org:unit_tree"), (gettext_lazy("导入"), None)]


class UnitImportTemplateView(ImportTemplateView):
    model = OrgUnit
    action = "import"
    importer_class = UnitImporter
