"""Import of keys (钥匙批量导入) through the core import framework: the unit of each row is a unit in
the importer's scope (its exact name when unique there, or its unified social credit code)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models.functions import Upper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.core.imports import Choice, ImportColumn, Importer, ImportRow, Integer, Text
from jiguan.org.models import OrgUnit

from .models import Key, KeyKind, KeyStatus


class KeyImporter(Importer):
    model = Key
    label = gettext_lazy("钥匙")
    columns = [
        ImportColumn(gettext_lazy("所属单位"), "unit", required=True, parser=Text(max_length=120),
                     example="甲市机关事务管理局",
                     help=gettext_lazy("填写您数据范围内单位的准确名称（须唯一）或其统一社会信用代码")),
        ImportColumn(gettext_lazy("钥匙编号"), "code", required=True, parser=Text(max_length=30, text_format=True),
                     example="YS-0001"),
        ImportColumn(gettext_lazy("房间或位置"), "room", required=True, parser=Text(max_length=80), example="3 楼 301 室"),
        ImportColumn(gettext_lazy("类型"), "kind", parser=Choice(KeyKind.choices), default=KeyKind.DOOR,
                     example="房门"),
        ImportColumn(gettext_lazy("把数"), "copies", parser=Integer(min_value=1, max_value=99), default=1, example=2),
        ImportColumn(gettext_lazy("保管人"), "holder", parser=Text(max_length=40), example="张三"),
        ImportColumn(gettext_lazy("保管人电话"), "holder_phone", parser=Text(max_length=20, text_format=True),
                     example="13800000000"),
        ImportColumn(gettext_lazy("状态"), "status", parser=Choice(KeyStatus.choices), default=KeyStatus.IN_STOCK,
                     example="已领用"),
        ImportColumn(gettext_lazy("备注"), "note", parser=Text(max_length=200)),
    ]
    instructions = [gettext_lazy("同一单位的钥匙编号不能重复（包括已有钥匙）。")]

    def reset(self):
        super().reset()
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.by_code: dict[str, int] = {}
        self.taken: set[tuple[int, str]] = set()
        self.in_file: dict[tuple[int, str], int] = {}  # (unit id, code) -> first row

    def prefetch(self):
        """Two queries: the units the actor may add keys to, and the codes those units already use."""
        scope = self.actor.get_scope("kernel_example.add_key")
        units = OrgUnit.objects.in_scope(scope).annotate(code=Upper("credit_code")).values_list("pk", "name", "code")
        for pk, name, code in units.iterator(chunk_size=5000):
            self.by_name[name].append(pk)
            if code:
                self.by_code[code] = pk
        taken = Key.objects.filter(unit__in=OrgUnit.objects.in_scope(scope)).values_list("unit_id", "code")
        self.taken = set(taken.iterator(chunk_size=5000))

    def clean_row(self, row: ImportRow):
        if not row.ok("unit") or not row.values.get("unit"):
            return
        ref = row.values["unit"]
        unit_id = self.by_code.get(ref.upper())
        if unit_id is None:
            candidates = self.by_name.get(ref, [])
            if len(candidates) > 1:
                self.add_error(row, "unit", _("单位“%(ref)s”不唯一：您的数据范围内有 %(n)d 个同名单位，请改填其统一社会信用代码。") % {
                    "ref": ref, "n": len(candidates)})
                return
            unit_id = candidates[0] if candidates else None
        if unit_id is None:
            self.add_error(row, "unit", _("找不到单位“%(ref)s”，或该单位不在您的数据范围内。") % {"ref": ref})
            return
        row.extra["unit_id"] = unit_id
        if row.ok("code") and (unit_id, row.values.get("code")) in self.taken:
            self.add_error(row, "code", _("本单位已有相同编号的钥匙。"))

    def check_across(self, row: ImportRow):
        """A code once per unit in the file, whichever way the rows name the unit."""
        super().check_across(row)
        unit_id = row.extra.get("unit_id")
        if unit_id is None or not row.ok("code"):
            return
        first = self.in_file.setdefault((unit_id, row.values["code"]), row.number)
        if first != row.number:
            self.add_error(row, "code", _("与第 %(row)d 行重复：同一单位的钥匙编号不能重复。") % {"row": first})

    def build_instance(self, row: ImportRow) -> Key:
        key = super().build_instance(row)
        key.unit_id = row.extra.get("unit_id")
        return key
