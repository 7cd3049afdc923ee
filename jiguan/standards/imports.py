"""Import of a standard table's entries (数据标准导入) through the core import framework.

An import never writes entries. A valid file becomes ONE change request of kind ``import`` (one
``StandardChangeItem`` per proposed row), submitted to the approval flow of business type
``standards.change`` like any change request; its approval writes every row as a new version
(``services.change_request_outcome``). So a standard changes only through an approval, whether one
key at a time or a whole official list (a full GB/T 14885-2022 catalogue) from Excel.

The columns follow the table, as its Excel export does (key label, value labels, the parent key of
hierarchical tables); the generic names (键, 代码, 数值, 第二数值, 上级) are accepted too. The
effective date and the reason are one per file, entered on the upload form. Each row is compared
with the key's version in force (the key's latest version, the one a new version follows):

* a key not in the table is new (version 1 on approval);
* a row that differs from the current version proposes version + 1; the effective date must be
  after the current version's (as for a single change request);
* a row identical to the current version is unchanged: counted and reported, not proposed.

Columns left out of the file keep the current version's value (a new key: empty, or the table's
default unit and source); a blank cell in a present column means empty, except 单位 (the table's
default unit when there is a value) and 依据文件 (the table's default source document).
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core.imports import (
    DecimalNumber,
    ImportColumn,
    Importer,
    ImportFileError,
    ImportForm,
    ImportRow,
    ImportTemplateView,
    ImportView,
    Parser,
    RowStore,
    Text,
    display,
    save_error_report,
)

from .models import Confidence, StandardChangeItem, StandardChangeRequest, StandardEntry, StandardTable
from .services import (
    IMPORT_CHUNK_SIZE,
    KEY_PATTERN,
    PROPOSAL_FIELDS,
    REQUEST_PERMISSION,
    change_import_create,
)
from .views import STANDARDS, TableObjectMixin

# Proposal fields an import file may carry (attrs never: kept from the current version).
FILE_FIELDS = ["parent_key", "name", "value", "unit", "value2", "unit2", "source", "confidence", "note"]


def _fold(text: str) -> str:
    """Full-width to ASCII, no whitespace, case-folded: "［ｃ］" and "原文确认 [C]" compare as typed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


class ConfidenceParser(Parser):
    """[C]/[S]/[?], the bare letter (C, S, ?), or the label as the export writes it (原文确认 [C])."""

    def __init__(self):
        self.lookup: dict[str, str] = {}
        for choice in Confidence:
            label = str(choice.label)
            for text in (choice.value, f"[{choice.value}]", label, label.split(" [")[0]):
                self.lookup[_fold(text)] = choice.value

    def parse(self, raw):
        value = self.lookup.get(_fold(display(raw)))
        if value is None:
            raise ValidationError(_("“%(value)s”不是允许的可信度，可填 [C]、[S]、[?]（也可只填 C、S、?）。") % {
                "value": display(raw)})
        return value

    def describe(self):
        return _("[C] 原文确认、[S] 二手来源、[?] 未经确认；也可只填字母 C、S、?")

    def allowed_values(self):
        return ["[C]", "[S]", "[?]"]


def key_error(value: str) -> str | None:
    if not KEY_PATTERN.fullmatch(value):
        return _("键只能包含字母、数字、点、下划线和连字符，例如 A02010105、county.zhengke。")
    return None


def _aliases(primary: str, *names: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in names if n and n != primary))


def table_columns(table: StandardTable, example: StandardEntry | None = None) -> list[ImportColumn]:
    """The columns of ``table``'s import file, labelled like its Excel export."""
    ex = example
    key_label = table.key_title
    columns = [ImportColumn(key_label, "key", required=True,
                            parser=Text(max_length=64, validators=[key_error], text_format=True,
                                        description=gettext_lazy("字母、数字、点、下划线和连字符；同一文件内不能重复")),
                            example=ex.key if ex else "A02010105",
                            aliases=_aliases(key_label, "键", "代码", "键/代码", "键（代码）"))]
    if table.hierarchical:
        columns.append(ImportColumn(
            gettext_lazy("上级键"), "parent_key", parser=Text(max_length=64, text_format=True),
            example=ex.parent_key if ex else "", aliases=("上级", "上级代码"),
            help=gettext_lazy("上级条目的键：本表在生效日期有效的键，或本文件中的键；顶层条目留空")))
    columns.append(ImportColumn(gettext_lazy("名称"), "name", required=True, parser=Text(max_length=200),
                                example=ex.name if ex else ""))
    number = DecimalNumber(max_digits=20, decimal_places=6)
    if table.value_label:
        columns += [
            ImportColumn(table.value_label, "value", parser=number, default=None,
                         example=ex.plain_value if ex and ex.value is not None else "",
                         aliases=_aliases(table.value_label, "数值")),
            ImportColumn(gettext_lazy("单位"), "unit", parser=Text(max_length=20), example=ex.unit if ex else "",
                         help=_("留空时取本表的默认单位（%(unit)s）") % {"unit": table.value_unit}
                         if table.value_unit else ""),
        ]
    if table.value2_label:
        unit2_label = _("%(label)s单位") % {"label": table.value2_label}
        columns += [
            ImportColumn(table.value2_label, "value2", parser=number, default=None,
                         example=ex.plain_value2 if ex and ex.value2 is not None else "",
                         aliases=_aliases(table.value2_label, "第二数值")),
            ImportColumn(unit2_label, "unit2", parser=Text(max_length=20), example=ex.unit2 if ex else "",
                         aliases=_aliases(unit2_label, "第二数值单位"),
                         help=_("留空时取本表的默认单位（%(unit)s）") % {"unit": table.value2_unit}
                         if table.value2_unit else ""),
        ]
    columns += [
        ImportColumn(gettext_lazy("依据文件"), "source", parser=Text(max_length=300),
                     example=ex.source if ex else table.default_source,
                     help=_("留空时取本表的默认依据文件：%(source)s") % {"source": table.default_source}
                     if table.default_source else gettext_lazy("必填（本表没有默认依据文件）")),
        ImportColumn(gettext_lazy("可信度"), "confidence", required=True, parser=ConfidenceParser(),
                     example=f"[{ex.confidence}]" if ex else "[C]"),
        ImportColumn(gettext_lazy("备注"), "note", parser=Text(max_length=2000), example=ex.note if ex else ""),
    ]
    return columns


def _example_entry(table: StandardTable) -> StandardEntry | None:
    """A real row of the table for the template's example (one with a parent in a hierarchy)."""
    entries = StandardEntry.objects.filter(table=table, effective_to__isnull=True).order_by("sort_order", "key")
    if table.hierarchical:
        entries = entries.exclude(parent_key="")
    return entries.first()


class StandardImporter(Importer):
    """Validates a file of one standard table against its versions in force on the effective date
    and proposes the new and changed rows as one change request (see the module docstring)."""

    model = StandardChangeItem
    unique_in_file = [("key",)]
    model_exclude = ("row_number", "sort_order", "attrs")
    instructions = [
        gettext_lazy("导入不会直接修改标准：校验通过后生成一份“批量导入”变更申请，提交“数据标准变更审批”流程，"
                     "审批通过后文件中新增和修改的条目才从生效日期起生效。"),
        gettext_lazy("每一行按键与该键的现行版本比较：新的键为新增条目；内容有变化的为修改（生成新版本，"
                     "生效日期须晚于现行版本的生效日期）；与现行版本完全相同的行不列入申请，只报告行数。"),
        gettext_lazy("文件中没有的列按现行版本保留；有该列但单元格留空表示清空，单位和依据文件留空时取本表的默认值。"
                     "“其他属性”不通过导入修改。"),
        gettext_lazy("从本表“导出 Excel”得到的文件可以修改后导入：请先删除“生效日期”“失效日期”“版本”“审批人”"
                     "“其他属性”列，生效日期在本页统一填写。"),
    ]

    def __init__(self, actor, *, table: StandardTable, effective_from=None, reason: str = "", progress=None,
                 example: bool = True):
        self.table = table
        self.effective_from = effective_from
        self.reason = reason
        self.label = table.name
        self.columns = table_columns(table, _example_entry(table) if example else None)
        self.change_request: StandardChangeRequest | None = None
        super().__init__(actor, progress=progress)

    def required_permission(self) -> str:
        return REQUEST_PERMISSION  # the permission to propose a change request

    def column_label(self, key):
        if key == "effective_from":
            return str(_("生效日期"))
        return super().column_label(key)

    def reset(self):
        super().reset()
        self.present: set[str] = set()  # keys of the columns the file has
        self.current: dict[str, dict] = {}  # key -> its latest (open) version
        self.in_force: dict[str, str] = {}  # key -> parent key, versions in force on the effective date
        self.file_parents: dict[str, str] = {}  # key -> parent key, rows of the file
        self.file_rows: dict[str, int] = {}  # key -> row number
        self.unresolved: list[tuple[int, str]] = []  # (row, parent key) not found on an earlier row
        self.next_sort = 0
        self.unchanged = 0
        self.change_request = None

    def read_header(self, rows):
        number, mapping = super().read_header(rows)
        self.present = {column.key for _index, column in mapping}
        return number, mapping

    def prefetch(self):
        """Two queries: the latest version of every key, and the keys in force on the date."""
        if self.effective_from is None:
            raise ImportFileError(_("请填写生效日期。"))
        fields = ["pk", "key", "version", "effective_from", "sort_order", "attrs", *FILE_FIELDS]
        for row in StandardEntry.objects.filter(table=self.table, effective_to__isnull=True).values(*fields):
            self.current[row["key"]] = row
            self.next_sort = max(self.next_sort, row["sort_order"])
        self.in_force = dict(StandardEntry.objects.in_force(self.effective_from).filter(table=self.table)
                             .values_list("key", "parent_key"))

    def clean_row(self, row: ImportRow):
        """Complete the proposal: columns the file leaves out keep the current version's value
        (or the new key's default); blank units and source take the table's defaults."""
        values = row.values
        current = self.current.get(values.get("key")) if row.ok("key") else None
        for name in FILE_FIELDS:
            if name not in self.present:
                values[name] = current[name] if current else (None if name in ("value", "value2") else "")
        values["attrs"] = current["attrs"] if current else {}
        if values.get("value") is not None and not values.get("unit"):
            values["unit"] = self.table.value_unit
        if values.get("value2") is not None and not values.get("unit2"):
            values["unit2"] = self.table.value2_unit
        if not values.get("source") and row.ok("source"):
            values["source"] = self.table.default_source
            if not values["source"]:
                self.add_error(row, "source", _("请填写依据文件（本表没有默认依据文件）。"))
                row.failed.add("source")

    def build_instance(self, row: ImportRow) -> StandardChangeItem:
        return StandardChangeItem(
            row_number=row.number, key=row.values.get("key") or "", base_entry_id=row.extra.get("base_entry_id"),
            sort_order=row.extra.get("sort_order", 0),
            **{name: row.values.get(name) for name in PROPOSAL_FIELDS})

    def check_across(self, row: ImportRow):
        super().check_across(row)  # a key once per file
        values = row.values
        key = values.get("key") if row.ok("key") else None
        parent = values.get("parent_key") if row.ok("parent_key") else ""
        if key:
            self.file_rows.setdefault(key, row.number)
            self.file_parents.setdefault(key, parent or "")
        if parent:
            if parent == key:
                self.add_error(row, "parent_key", _("上级键不能是本条目自己。"))
            elif parent not in self.in_force and parent not in self.file_rows:
                self.unresolved.append((row.number, parent))  # perhaps on a later row: see finish()
        if not key or row.has_errors:
            return
        current = self.current.get(key)
        if current is None:
            self.next_sort += 10  # new keys follow the table's rows, in the order of the file
            row.extra.update(base_entry_id=None, sort_order=self.next_sort)
        elif all(_same(current[name], values.get(name)) for name in PROPOSAL_FIELDS):
            row.extra["unchanged"] = True
            self.unchanged += 1
        elif self.effective_from <= current["effective_from"]:
            self.add_error(row, "effective_from", _(
                "该键有变化，生效日期 %(new)s 必须晚于其现行版本（第 %(version)d 版）的生效日期 %(date)s。") % {
                "new": self.effective_from.isoformat(), "version": current["version"],
                "date": current["effective_from"].isoformat()}, value=self.effective_from.isoformat())
        else:
            row.extra.update(base_entry_id=current["pk"], sort_order=current["sort_order"])

    def finish(self):
        for number, parent in self.unresolved:
            if parent in self.file_rows:
                continue  # a later row of the file: all rows are written together
            if parent in self.current:
                message = _("上级键“%(parent)s”在生效日期 %(date)s 没有有效的版本（其现行版本自 %(start)s 起生效）。") % {
                    "parent": parent, "date": self.effective_from.isoformat(),
                    "start": self.current[parent]["effective_from"].isoformat()}
            else:
                message = _("找不到上级键“%(parent)s”：应为本表在生效日期有效的键，或本文件中的键。") % {"parent": parent}
            self.add_error(number, "parent_key", message, value=parent)
        if self.table.hierarchical:
            self.check_cycles()

    def check_cycles(self):
        """A parent chain through the file's rows (and the versions in force) must not loop."""
        parents = {**self.in_force, **self.file_parents}
        for key, number in self.file_rows.items():
            chain, seen, parent = [key], {key}, self.file_parents.get(key)
            while parent and parent not in seen:
                chain.append(parent)
                seen.add(parent)
                parent = parents.get(parent)
            if parent == key:
                self.add_error(number, "parent_key", _("上级键形成循环：%(chain)s。") % {
                    "chain": " → ".join([*chain, key])}, value=self.file_parents[key])

    def commit(self, rows: RowStore) -> int:
        """One change request with the new and changed rows (set-based, in chunks), submitted for
        approval; nothing when every row equals the version in force."""
        if self.unchanged == len(rows):
            return 0
        items = (self.build_instance(row) for row in rows if not row.extra.get("unchanged"))
        self.change_request = change_import_create(
            requested_by=self.actor, table=self.table, effective_from=self.effective_from, reason=self.reason,
            items=items, unchanged=self.unchanged, filename=self.result.filename, sha256=self.result.sha256,
            chunk_size=min(self.chunk_size, IMPORT_CHUNK_SIZE))
        created = self.change_request.item_count
        self._report(created, created)
        return created

    def record_audit(self, result):
        if self.change_request is not None:
            return  # change_import_create recorded the import on the change request
        audit.record(Action.IMPORT, self.table, message=_(
            "导入%(table)s：%(n)d 行均与现行版本相同，未生成变更申请，文件：%(file)s") % {
            "table": self.table.name, "n": result.total_rows, "file": result.filename},
            after={"file": result.filename, "sha256": result.sha256, "rows": result.total_rows, "created": 0,
                   "unchanged": self.unchanged})


def _same(old, new) -> bool:
    """Equal as stored: Decimal("6") equals Decimal("6.000000"), None equals None."""
    if old is None or new is None:
        return old is None and new is None
    return old == new


# Views -------------------------------------------------------------------------------------------


class StandardImportForm(ImportForm):
    """The file, and what applies to all of its rows: the effective date and the reason."""

    effective_from = forms.DateField(label=gettext_lazy("生效日期"),
                                     widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                     help_text=gettext_lazy("文件中新增和修改的条目都从这一天起生效；"
                                                            "须晚于被修改条目现行版本的生效日期。"))
    reason = forms.CharField(label=gettext_lazy("变更理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=gettext_lazy("例如：按 GB/T 14885-2022 原文补充完整分类目录。"))


class TableImportMixin(TableObjectMixin):
    """The import pages of one table (``code`` in the URL): proposing a change needs the permission
    to add a change request, and the table must be within the user's reach."""

    model = StandardChangeRequest
    action = "add"

    def get_importer(self, form=None) -> StandardImporter:
        data = form.cleaned_data if form is not None and form.is_bound and not form.errors else {}
        return StandardImporter(self.request.user, table=self.get_standard_table(),
                                effective_from=data.get("effective_from"), reason=data.get("reason", ""))


class TableImportView(TableImportMixin, ImportView):
    """Upload page: validates the whole file; when every row is valid, creates the change request
    and opens it (or, when nothing differs from the versions in force, says so)."""

    def get_form(self, data=None, files=None, initial=None):
        return StandardImportForm(data, files, max_bytes=self.max_upload_bytes(), initial=initial)

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form)
        upload = form.cleaned_data["file"]
        importer = self.get_importer(form)
        result = importer.run(upload, upload.name)
        table = self.get_standard_table()
        if result.committed and importer.change_request is None:
            messages.info(request, _("文件共 %(n)d 行，全部与现行版本相同，没有需要变更的内容，未生成变更申请。") % {
                "n": result.total_rows})
            return HttpResponseRedirect(table.get_absolute_url())
        if result.committed:
            cr = importer.change_request
            message = _("已生成变更申请 #%(id)d：新增 %(new)d 条，修改 %(changed)d 条。") % {
                "id": cr.pk, "new": cr.new_count, "changed": cr.changed_count}
            if cr.unchanged_count:
                message += _("另有 %(same)d 行与现行版本相同，未列入。") % {"same": cr.unchanged_count}
            message += _("申请已提交审批，批准后自 %(date)s 起生效。") % {"date": cr.effective_from.isoformat()}
            messages.success(request, message)
            return HttpResponseRedirect(cr.get_absolute_url())
        token = save_error_report(result, request.user)
        initial = {"effective_from": form.cleaned_data["effective_from"], "reason": form.cleaned_data["reason"]}
        return self.render(self.get_form(initial=initial), result=result, report_token=token)

    def render(self, form, result=None, report_token: str = ""):
        self.template_url_name = reverse("standards:table_import_template", args=[self.get_standard_table().code])
        return super().render(form, result=result, report_token=report_token)

    def get_breadcrumbs(self):
        table = self.get_standard_table()
        return [(STANDARDS, reverse("standards:table_list")), (table.name, table.get_absolute_url()),
                (_("导入"), None)]


class TableImportTemplateView(TableImportMixin, ImportTemplateView):
    def get(self, request, *args, **kwargs):
        return self.get_importer().template_response()
