"""Forms of the assets pages. They check the shape of the input and offer only choices in the
user's scope (units, people, cards) and codes from the standards tables in force; the business
rules are the services' (their ValidationErrors show on these forms field by field)."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from jiguan.core.forms import DateField
from jiguan.core.widgets import PickerInput
from jiguan.org.forms import ScopedFormMixin
from jiguan.org.models import OrgKind, OrgUnit, User
from jiguan.org.picker import (
    ABOVE_DEPARTMENTS,
    DEPARTMENTS,
    PeopleChoices,
    PersonPickerField,
    UnitChoices,
    UnitPickerField,
)
from jiguan.standards.models import StandardEntry
from jiguan.standards.selectors import standard_values

from . import services
from .models import (
    MONEY,
    MOVABLE_STATUSES,
    Asset,
    AssetSettings,
    AssetStatus,
    ConfigurationRequest,
    DepreciationMethod,
    DepreciationRun,
    Disposal,
    StartRule,
    Transfer,
    period_index,
    period_label,
    period_of,
)

OWNER_KINDS = (OrgKind.AGENCY, OrgKind.INSTITUTION)
TENANT_KINDS = (OrgKind.PROVINCE, OrgKind.CITY, OrgKind.COUNTY)
REGISTER_STATUSES = (AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.WAREHOUSE)
CHANGE_STATUSES = tuple(services.STATUS_BY_CHANGE)
MONEY_FIELD = {"max_digits": MONEY["max_digits"], "decimal_places": MONEY["decimal_places"]}


def date_input():
    # An HTML date input needs ISO dates whatever the locale's display format.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def textarea(rows=2):
    return forms.Textarea(attrs={"rows": rows})


class UnitField(UnitPickerField):
    """A unit, picked by typing its name or pinyin initials (org.picker): a province's thousands of
    units never go on the page. ``offer`` (``set_units``) says which units it accepts."""


class UserField(PersonPickerField):
    """A person, picked by typing their real name (org.picker), shown with their unit: scopes may hold
    thousands. ``offer`` says whom it accepts."""


class UserByNameField(PersonPickerField):
    """A person picked by real name, posted by username (as the API and the importer name people)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "username")
        super().__init__(*args, **kwargs)
        self.error_messages["invalid_choice"] = _("没有这个用户，或不在可选范围内：请输入姓名后从提示中选择。")


def standard_choices(table: str, on: date, blank: str | None = None) -> list[tuple[str, str]]:
    entries = sorted(standard_values(table, on).values(), key=lambda e: (e.sort_order, e.key))
    choices = [(e.key, e.name) for e in entries]
    return ([("", blank)] if blank is not None else []) + choices


def standard_names(table: str, on: date) -> dict[str, str]:
    return {k: e.name for k, e in standard_values(table, on).items()}


def class_choices(on: date, blank: str | None = "") -> list[tuple[str, str]]:
    """GB/T 14885-2022 classes in force, in code order, indented by level."""
    entries = standard_values(services.CLASS_TABLE, on)

    def depth(entry, seen=0):
        parent = entries.get(entry.parent_key) if entry.parent_key else None
        return 0 if parent is None or seen > 10 else 1 + depth(parent, seen + 1)

    choices = [(key, "\u3000" * depth(e) + f"{key} {e.name}") for key, e in sorted(entries.items())]
    return ([("", blank or "---------")] if blank is not None else []) + choices


# The class picker (资产分类选择器) ----------------------------------------------------------------
# GB/T 14885-2022 holds thousands of classes in full: the register and configuration forms and the
# list filter carry a text box (core.widgets.PickerInput), the matches come from assets:class_pick.

CLASS_LIMIT = 20
CLASS_PATH_JOIN = " / "


def class_rows(on: date) -> dict[str, tuple[str, str, int]]:
    """``{code: (name, parent code, sort order)}`` of the classes in force on ``on``: one query."""
    rows = (StandardEntry.objects.in_force(on).filter(table__code=services.CLASS_TABLE)
            .values_list("key", "name", "parent_key", "sort_order"))
    return {key: (name, parent, order) for key, name, parent, order in rows}


def class_path(rows: dict, code: str) -> list[str]:
    """The names from the top class down to ``code``: 设备 / 信息化设备 / 计算机 / 台式计算机."""
    names, seen = [], set()
    while code in rows and code not in seen:
        seen.add(code)
        names.append(rows[code][0])
        code = rows[code][1]
    return names[::-1]


def class_row(rows: dict, code: str) -> dict:
    return {"id": code, "code": code, "label": rows[code][0],
            "path": CLASS_PATH_JOIN.join(class_path(rows, code))}


def search_classes(q, on: date, limit: int = CLASS_LIMIT) -> tuple[list[dict], bool]:
    """At most ``limit`` classes in force on ``on`` whose code starts with ``q`` (A0201) or whose name
    holds the characters of ``q`` in order (台式 -> 台式计算机), closest first: the exact code or name,
    then names starting with ``q`` and code prefixes, then the rest; shallower and shorter first.
    An empty ``q``: the top classes, the tree's first level. Each row ``{"id", "code", "label", "path"}``;
    and whether there are more."""
    rows = class_rows(on)
    q = re.sub(r"[\s%_\\]+", "", str(q or ""))[:40]
    if not q:
        found = sorted((code for code, row in rows.items() if row[1] not in rows),
                       key=lambda code: (rows[code][2], code))
    else:
        up = q.upper()
        pattern = re.compile(".*?".join(re.escape(c) for c in up))
        ranked = []
        for code, (name, _parent, _order) in rows.items():
            if code.upper() == up or name.upper() == up:
                rank = 0
            elif code.upper().startswith(up) or name.upper().startswith(up):
                rank = 1
            elif pattern.search(name.upper()):
                rank = 2
            else:
                continue
            ranked.append((rank, len(class_path(rows, code)), len(name), code))
        found = [code for *_key, code in sorted(ranked)]
    return [class_row(rows, code) for code in found[:limit]], len(found) > limit


class ClassPicker(PickerInput):
    empty_text = _("无匹配分类")
    placeholder = _("输入分类名称或代码，如 台式 或 A0201")

    def render(self, name, value, attrs=None, renderer=None):
        self.source = self.source or reverse("assets:class_pick")
        return super().render(name, value, attrs, renderer)


def class_shown(value, on: date | None = None) -> dict | None:
    """What a class picker shows for ``value``: its name, and its code and path below the box; None
    for a code not in force."""
    code = str(value or "").strip().upper()
    rows = class_rows(on or timezone.localdate()) if code else {}
    if code not in rows:
        return None
    row = class_row(rows, code)  # the code, then the path when there is one above (as picker.js shows it)
    return {"label": row["label"], "path": code if row["path"] == row["label"] else f"{code} {row['path']}"}


class ClassPickerField(forms.ChoiceField):
    """A GB/T 14885-2022 class in force, picked by typing its name or code (``ClassPicker``): the page
    holds the chosen class, never the table. It validates against ``class_choices`` as before (only
    codes in force; Django's Chinese invalid-choice message)."""

    widget = ClassPicker

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.resolve = self.resolve

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.resolve = result.resolve
        return result

    def offer(self, on: date) -> ClassPickerField:
        self.choices = class_choices(on)
        self.on = on
        return self

    def resolve(self, value) -> dict | None:
        if str(value or "").strip().upper() not in {k for k, _label in self.choices if k}:
            return None
        return class_shown(value, getattr(self, "on", None))


def category_choices(on: date) -> list:
    """Leaf categories of the 政府固定资产折旧年限表 with their minimum life, grouped by parent."""
    entries = standard_values(services.LIFE_TABLE, on)
    groups: dict[str, list] = {}
    loose = []
    for e in sorted(entries.values(), key=lambda e: (e.sort_order, e.key)):
        if e.value is None:
            continue
        label = _g("%(name)s（不低于 %(years)s 年）") % {"name": e.name, "years": e.plain_value}
        parent = entries.get(e.parent_key)
        if parent is not None:
            groups.setdefault(parent.name, []).append((e.key, label))
        else:
            loose.append((e.key, label))
    return [("", _g("按资产分类自动确定"))] + loose + list(groups.items())


def units_above_departments(form, action: str, model, kinds=None):
    """The active units above department level of the user's scope for ``action`` on ``model``
    (of ``kinds`` only), and the user: what ``set_units`` offers."""
    choices = UnitChoices.for_model(model, action, **ABOVE_DEPARTMENTS)
    if kinds:
        choices = UnitChoices.for_model(model, action, kinds=tuple(str(k) for k in kinds))
    return choices, form.user


def set_units(field: UnitField, choices_and_user) -> None:
    field.offer(*choices_and_user)


class GroupedFormMixin:
    """``groups``: (title, [bound fields]) for a form laid out in sections."""

    sections: list[tuple[str, list[str]]] = []

    def groups(self):
        placed = set()
        out = []
        for title, names in self.sections:
            fields = [self[n] for n in names if n in self.fields]
            placed.update(names)
            if fields:
                out.append((title, fields))
        rest = [self[n] for n in self.fields if n not in placed]
        if rest and out:
            out[0] = (out[0][0], out[0][1] + rest)
        return out


# ---------------------------------------------------------------------------------------------
# Registration (验收登记)
# ---------------------------------------------------------------------------------------------

class AssetRegisterForm(GroupedFormMixin, ScopedFormMixin, forms.Form):
    sections = [
        (_("基本信息"), ["owner_unit", "name", "class_code", "spec_model", "brand", "quantity", "measure_unit",
                     "count", "status", "warranty_end", "note"]),
        (_("来源"), ["acquisition_method", "acquired_on", "funding_source", "supplier", "contract_no",
                   "invoice_no"]),
        (_("价值与折旧"), ["original_value", "dep_method", "dep_category", "life_months", "total_workload",
                      "workload_unit"]),
        (_("使用信息"), ["using_unit", "department", "user", "keeper", "location"]),
    ]

    owner_unit = UnitField(label=_("产权单位"), queryset=OrgUnit.objects.none())
    name = forms.CharField(label=_("资产名称"), max_length=120)
    class_code = ClassPickerField(label=_("资产分类"),
                                  help_text=_("GB/T 14885-2022 分类（取自数据标准）：输入名称或代码查找。"))
    spec_model = forms.CharField(label=_("规格型号"), max_length=120, required=False)
    brand = forms.CharField(label=_("品牌"), max_length=60, required=False)
    quantity = forms.IntegerField(label=_("每张卡片数量"), min_value=1, initial=1,
                                  help_text=_("一张卡片代表的实物数量，如 40 把椅子登记为一张卡片时填 40。"))
    measure_unit = forms.CharField(label=_("计量单位"), max_length=10, initial="台")
    count = forms.IntegerField(label=_("批量登记张数"), min_value=1, max_value=1000, initial=1,
                               help_text=_("相同资产逐件建卡时填写件数（1–1000），每张卡片各有一个资产编码。"))
    status = forms.ChoiceField(label=_("使用状态"), choices=[(s.value, s.label) for s in REGISTER_STATUSES],
                               initial=AssetStatus.IN_USE)
    warranty_end = DateField(label=_("保修截止日期"), required=False, widget=date_input())
    note = forms.CharField(label=_("备注"), required=False, widget=textarea())
    acquisition_method = forms.ChoiceField(label=_("取得方式"))
    acquired_on = DateField(label=_("取得日期"), widget=date_input())
    funding_source = forms.ChoiceField(label=_("资金来源"), required=False)
    supplier = forms.CharField(label=_("供应商"), max_length=120, required=False)
    contract_no = forms.CharField(label=_("合同编号"), max_length=60, required=False)
    invoice_no = forms.CharField(label=_("发票号"), max_length=60, required=False)
    original_value = forms.DecimalField(label=_("原值（元）"), min_value=0, **MONEY_FIELD,
                                        help_text=_("每张卡片的原值，精确到分。"))
    dep_method = forms.ChoiceField(label=_("折旧方法"), choices=DepreciationMethod.choices,
                                   initial=DepreciationMethod.STRAIGHT_LINE,
                                   help_text=_("文物和陈列品、图书档案、动植物等分类自动不计提折旧。"))
    dep_category = forms.ChoiceField(label=_("折旧类别"), required=False)
    life_months = forms.IntegerField(label=_("折旧年限（月）"), required=False, min_value=1,
                                     help_text=_("留空则取《政府固定资产折旧年限表》的最低年限；不得低于该年限。"))
    total_workload = forms.DecimalField(label=_("预计总工作量"), required=False, max_digits=16, decimal_places=2,
                                        min_value=0, help_text=_("仅工作量法填写。"))
    workload_unit = forms.CharField(label=_("工作量单位"), max_length=10, required=False)
    using_unit = UnitField(label=_("使用单位"), queryset=OrgUnit.objects.none(), required=False,
                           help_text=_("留空则为产权单位。"))
    department = UnitField(label=_("使用部门"), queryset=OrgUnit.objects.none(), required=False)
    user = UserByNameField(label=_("使用人"), queryset=User.objects.none(), required=False,
                           help_text=_("输入姓名或用户名，从提示中选择。"))
    keeper = UserByNameField(label=_("管理人"), queryset=User.objects.none(), required=False)
    location = forms.CharField(label=_("存放地点"), max_length=120, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        set_units(self.fields["owner_unit"], units_above_departments(self, "add", Asset, OWNER_KINDS))
        set_units(self.fields["using_unit"], units_above_departments(self, "add", Asset))
        self.fields["department"].offer(UnitChoices.for_model(Asset, "add", **DEPARTMENTS), self.user)
        people = PeopleChoices(perm="assets.add_asset")
        self.fields["user"].offer(people, self.user)
        self.fields["keeper"].offer(people, self.user)
        self.fields["class_code"].offer(today)
        self.fields["acquisition_method"].choices = standard_choices("acquisition_method", today, "---------")
        self.fields["funding_source"].choices = standard_choices("funding_source", today, "---------")
        self.fields["dep_category"].choices = category_choices(today)
        self.fields["acquired_on"].initial = today
        if "purchase" in dict(self.fields["acquisition_method"].choices):
            self.fields["acquisition_method"].initial = "purchase"
        owners = self.fields["owner_unit"].queryset
        if self.user.unit_id and owners.filter(pk=self.user.unit_id).exists():
            self.fields["owner_unit"].initial = self.user.unit_id
        self.custom_keys = []
        for item in services.settings_for(self.user.unit).custom_fields if self.user.unit_id else []:
            key = str(item.get("key", "")).strip()
            if key:
                self.fields[f"custom_{key}"] = forms.CharField(label=item.get("label") or key, max_length=200,
                                                               required=False)
                self.custom_keys.append(key)
        self.user_options = []  # people are picked by name (org.picker), not from a list on the page

    def clean_class_code(self):
        return self.cleaned_data["class_code"].strip().upper()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {name: data.get(name) for name in services.REGISTER_FIELDS if name in self.fields}
        kwargs["life_months"] = data.get("life_months") or 0
        for text in ("spec_model", "brand", "note", "funding_source", "supplier", "contract_no", "invoice_no",
                     "location", "dep_category", "workload_unit"):
            kwargs[text] = kwargs.get(text) or ""
        kwargs["custom"] = {k: data[f"custom_{k}"] for k in self.custom_keys if data.get(f"custom_{k}")}
        return {"owner_unit": data["owner_unit"], "count": data["count"], **kwargs}


# ---------------------------------------------------------------------------------------------
# Operations on one card
# ---------------------------------------------------------------------------------------------

class AssetFormMixin(ScopedFormMixin):
    """A form about one card (``asset``): people and departments offered from the card's owner."""

    def __init__(self, *args, asset: Asset, **kwargs):
        self.asset = asset
        super().__init__(*args, **kwargs)

    def people(self) -> PeopleChoices:
        """Active people of the card's owner unit and below (the card is in the user's scope)."""
        return PeopleChoices(perm="", within=self.asset.owner_unit.path)

    def departments(self, under: OrgUnit | None = None):
        """The departments below the card's using unit (or ``under``), and the user: for ``set_units``."""
        base = under or self.asset.using_unit or self.asset.owner_unit
        return UnitChoices(everywhere=True, within=base.path, **DEPARTMENTS), self.user


class AssetChangeForm(AssetFormMixin, forms.Form):
    name = forms.CharField(label=_("资产名称"), max_length=120)
    spec_model = forms.CharField(label=_("规格型号"), max_length=120, required=False)
    brand = forms.CharField(label=_("品牌"), max_length=60, required=False)
    measure_unit = forms.CharField(label=_("计量单位"), max_length=10)
    status = forms.ChoiceField(label=_("使用状态"), choices=[(s.value, s.label) for s in CHANGE_STATUSES],
                               help_text=_("调拨、处置中的状态由相应单据改变，不能在此修改。"))
    using_unit = UnitField(label=_("使用单位"), queryset=OrgUnit.objects.none())
    department = UnitField(label=_("使用部门"), queryset=OrgUnit.objects.none(), required=False)
    user = UserField(label=_("使用人"), queryset=User.objects.none(), required=False)
    keeper = UserField(label=_("管理人"), queryset=User.objects.none(), required=False)
    location = forms.CharField(label=_("存放地点"), max_length=120, required=False)
    warranty_end = DateField(label=_("保修截止日期"), required=False, widget=date_input())
    funding_source = forms.ChoiceField(label=_("资金来源"), required=False)
    supplier = forms.CharField(label=_("供应商"), max_length=120, required=False)
    contract_no = forms.CharField(label=_("合同编号"), max_length=60, required=False)
    invoice_no = forms.CharField(label=_("发票号"), max_length=60, required=False)
    note = forms.CharField(label=_("备注"), required=False, widget=textarea())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        asset = self.asset
        owner = asset.owner_unit
        # The card is in the user's scope: any unit of its owner's subtree may use it.
        set_units(self.fields["using_unit"], (UnitChoices(everywhere=True, within=owner.path, **ABOVE_DEPARTMENTS),
                                              self.user))
        set_units(self.fields["department"], self.departments(owner))
        self.fields["user"].offer(self.people(), self.user)
        self.fields["keeper"].offer(self.people(), self.user)
        self.fields["funding_source"].choices = standard_choices("funding_source", timezone.localdate(), "---------")
        if asset.status not in CHANGE_STATUSES:
            self.fields["status"].choices = [(asset.status, asset.get_status_display())]
            self.fields["status"].disabled = True
        for name in self.fields:
            value = getattr(asset, f"{name}_id", None) if name in ("using_unit", "department", "user", "keeper") \
                else getattr(asset, name)
            self.initial.setdefault(name, value)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        for text in ("spec_model", "brand", "location", "funding_source", "supplier", "contract_no", "invoice_no",
                     "note"):
            data[text] = data.get(text) or ""
        if self.fields["status"].disabled:
            data.pop("status")
        return data


class AssetIssueForm(AssetFormMixin, forms.Form):
    user = UserField(label=_("领用人"), queryset=User.objects.none(), required=False,
                     help_text=_("产权单位（含下级单位）的人员。"))
    department = UnitField(label=_("领用部门"), queryset=OrgUnit.objects.none(), required=False,
                           help_text=_("使用单位的内设机构。"))
    keeper = UserField(label=_("管理人"), queryset=User.objects.none(), required=False,
                       help_text=_("留空则不变。"))
    location = forms.CharField(label=_("存放地点"), max_length=120, required=False, help_text=_("留空则不变。"))
    on = DateField(label=_("领用日期"), widget=date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].offer(self.people(), self.user)
        self.fields["keeper"].offer(self.people(), self.user)
        set_units(self.fields["department"], self.departments())
        self.fields["on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if not data.get("user") and not data.get("department"):
            self.add_error("user", _("请选择领用人或领用部门。"))
        return data


class AssetReturnForm(AssetFormMixin, forms.Form):
    location = forms.CharField(label=_("交回后存放地点"), max_length=120, required=False,
                               help_text=_("留空则不变。"))
    on = DateField(label=_("交回日期"), widget=date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class AssetValueForm(AssetFormMixin, forms.Form):
    delta = forms.DecimalField(label=_("调整金额（元）"), **MONEY_FIELD,
                               help_text=_("增加原值填正数（如升级加装），减少填负数。"))
    on = DateField(label=_("生效日期"), widget=date_input(),
                         help_text=_("从该月起按剩余月数重新分摊折旧。"))
    reason = forms.CharField(label=_("调整原因"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class RepairForm(AssetFormMixin, forms.Form):
    repaired_on = DateField(label=_("维修日期"), widget=date_input())
    cost = forms.DecimalField(label=_("维修费用（元）"), min_value=0, **MONEY_FIELD)
    vendor = forms.CharField(label=_("维修单位"), max_length=120, required=False)
    result = forms.CharField(label=_("维修结果"), max_length=200)
    under_repair = forms.BooleanField(label=_("仍在维修中（资产状态为“维修中”）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["repaired_on"].initial = timezone.localdate()
        self.fields["under_repair"].initial = self.asset.status == AssetStatus.REPAIR


class WorkloadForm(AssetFormMixin, forms.Form):
    """录入工作量 of a units-of-production card (工作量法): one month's workload; recording a month
    again corrects it while its depreciation has not been charged."""

    period = forms.CharField(label=_("月份"), widget=forms.TextInput(attrs={"type": "month"}),
                             help_text=_("格式 2026-11。已计提折旧的月份不能再录入或修改。"))
    workload = forms.DecimalField(label=_("本月工作量"), min_value=0, max_digits=16, decimal_places=2,
                                  help_text=_("该月实际完成的工作量（如行驶里程），不是累计数。"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        asset = self.asset
        if asset.workload_unit:
            self.fields["workload"].label = _g("本月工作量（%(unit)s）") % {"unit": asset.workload_unit}
        # The month after the latest reading or the last charged month, not before the card's start.
        last = asset.workload_readings.order_by("-period").values_list("period", flat=True).first()
        closed = services.workload_closed_through(asset)
        start = max([asset.dep_anchor, *(p + 1 for p in (last, closed) if p is not None)])
        self.fields["period"].initial = period_label(min(start, period_of(timezone.localdate())))

    def clean_period(self):
        period = parse_month(self.cleaned_data["period"])
        if period is None:
            raise forms.ValidationError(_("请按“年-月”填写月份，如 2026-11。"))
        return period


# ---------------------------------------------------------------------------------------------
# Documents: transfer, disposal, configuration
# ---------------------------------------------------------------------------------------------

class CardsField(forms.ModelMultipleChoiceField):
    """The cards of a document: posted as ids, rendered by the page (never all choices)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Asset.objects.none())
        kwargs.setdefault("label", _("资产"))
        super().__init__(**kwargs)
        self.error_messages["required"] = _("请至少选择一项资产。")
        self.error_messages["invalid_choice"] = _("所选资产 %(value)s 不存在，或不在您的数据范围内。")


def movable_cards(user, perm: str):
    return Asset.objects.in_scope(user.get_scope(perm)).filter(status__in=MOVABLE_STATUSES)


class TransferForm(ScopedFormMixin, forms.Form):
    from_unit = UnitField(label=_("调出单位"), queryset=OrgUnit.objects.none())
    to_unit = UnitField(label=_("调入单位"), queryset=OrgUnit.objects.none(),
                        help_text=_("可选全省（区）的机关和事业单位：输入名称或拼音首字母查找。"))
    reason = forms.CharField(label=_("调拨理由"), widget=textarea(3))
    assets = CardsField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_units(self.fields["from_unit"], units_above_departments(self, "add", Transfer, OWNER_KINDS))
        # The receiving unit may lie outside the applicant's scope: any active agency or institution.
        set_units(self.fields["to_unit"], (UnitChoices(everywhere=True, kinds=tuple(str(k) for k in OWNER_KINDS)),
                                           self.user))
        self.fields["assets"].queryset = movable_cards(self.user, "assets.add_transfer")


class DisposalForm(ScopedFormMixin, forms.Form):
    unit = UnitField(label=_("处置单位"), queryset=OrgUnit.objects.none())
    method = forms.ChoiceField(label=_("处置方式"))
    reason_code = forms.ChoiceField(label=_("报废报损原因"), required=False,
                                    help_text=_("报废、报损核销须选择（条例第二十一条）。"))
    valuation = forms.DecimalField(label=_("评估价值（元）"), required=False, min_value=0, **MONEY_FIELD,
                                   help_text=_("出售、出让、转让、置换须先评估（条例第三十六条）。"))
    reason = forms.CharField(label=_("处置说明"), widget=textarea(3))
    assets = CardsField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        set_units(self.fields["unit"], units_above_departments(self, "add", Disposal, OWNER_KINDS))
        self.fields["method"].choices = standard_choices("disposal_method", today, "---------")
        self.fields["reason_code"].choices = standard_choices("scrapping_reason", today, "---------")
        self.fields["assets"].queryset = movable_cards(self.user, "assets.add_disposal")


class DisposalResultForm(ScopedFormMixin, forms.Form):
    reply_no = forms.CharField(label=_("批复文号"), max_length=60, required=False)
    income = forms.DecimalField(label=_("处置收入（元）"), required=False, min_value=0, **MONEY_FIELD)

    def __init__(self, *args, disposal: Disposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("reply_no", disposal.reply_no)
        self.initial.setdefault("income", disposal.income)


class ConfigurationForm(ScopedFormMixin, forms.Form):
    unit = UnitField(label=_("申请单位"), queryset=OrgUnit.objects.none())
    item_name = forms.CharField(label=_("资产名称"), max_length=120)
    class_code = ClassPickerField(label=_("资产分类"))
    standard_key = forms.ChoiceField(label=_("配置标准项目"), required=False,
                                     help_text=_("留空则按资产分类匹配。"))
    quantity = forms.IntegerField(label=_("数量"), min_value=1, initial=1)
    unit_price = forms.DecimalField(label=_("单价（元）"), min_value=0, **MONEY_FIELD)
    reason = forms.CharField(label=_("申请理由"), widget=textarea(3))
    idle_reason = forms.CharField(label=_("不调剂的理由"), required=False, widget=textarea(2),
                                  help_text=_("数据范围内有同类闲置资产时必填：说明为什么不能调剂使用。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        set_units(self.fields["unit"], units_above_departments(self, "add", ConfigurationRequest, OWNER_KINDS))
        self.fields["class_code"].offer(today)
        self.fields["standard_key"].choices = standard_choices("office_equipment_config", today,
                                                               _g("按资产分类匹配"))
        units = self.fields["unit"].queryset
        if self.user.unit_id and units.filter(pk=self.user.unit_id).exists():
            self.fields["unit"].initial = self.user.unit_id

    def check_inputs(self) -> dict | None:
        """What the standard check needs, from the (possibly incomplete) input: None when the
        class or the price is missing or malformed."""
        data = self.data
        class_code = (data.get("class_code") or "").strip().upper()
        valid_classes = {k for k, _label in self.fields["class_code"].choices if k}
        if class_code not in valid_classes:
            return None
        try:
            price = self.fields["unit_price"].clean(data.get("unit_price"))
        except forms.ValidationError:
            price = None
        key = data.get("standard_key") or ""
        if key not in {k for k, _label in self.fields["standard_key"].choices}:
            key = ""
        return {"class_code": class_code, "standard_key": key, "unit_price": price}


# ---------------------------------------------------------------------------------------------
# Depreciation and settings
# ---------------------------------------------------------------------------------------------

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(value: str) -> int | None:
    match = MONTH.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        return None
    return period_index(year, month)


class RunForm(ScopedFormMixin, forms.Form):
    unit = UnitField(label=_("计提范围"), queryset=OrgUnit.objects.none(),
                     help_text=_("该单位及其下级单位的全部资产卡片。"))
    month = forms.CharField(label=_("计提月份"), widget=forms.TextInput(attrs={"type": "month"}),
                            help_text=_("格式 2026-11；不能计提未来月份。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_units(self.fields["unit"], units_above_departments(self, "add", DepreciationRun))
        top = self.fields["unit"].queryset.order_by("depth", "path").first()
        if top is not None:
            self.fields["unit"].initial = top.pk  # usually the whole tenant (city, county)
        today = timezone.localdate()
        self.fields["month"].initial = f"{today.year:04d}-{today.month:02d}"

    def clean_month(self):
        period = parse_month(self.cleaned_data["month"])
        if period is None:
            raise forms.ValidationError(_("请按“年-月”填写月份，如 2026-11。"))
        if period > period_of(timezone.localdate()):
            raise forms.ValidationError(_("不能计提未来月份的折旧。"))
        return period


class SettingsForm(ScopedFormMixin, forms.Form):
    unit = UnitField(label=_("适用范围"), queryset=OrgUnit.objects.none(),
                     help_text=_("按省、市、县（区）设置，下级单位沿用最近一级的设置。"))
    code_pattern = forms.CharField(label=_("资产编码规则"), max_length=60,
                                   help_text=AssetSettings._meta.get_field("code_pattern").help_text)
    start_rule = forms.ChoiceField(label=_("折旧起始月份"), choices=StartRule.choices)
    custom_fields = forms.CharField(
        label=_("自定义字段"), required=False, widget=textarea(3),
        help_text=_("每行一个，格式“键=名称”，如 asset_tag=财务编号；登记资产卡片时填写。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_units(self.fields["unit"], (UnitChoices.for_model(AssetSettings, "change",
                                                              kinds=tuple(str(k) for k in TENANT_KINDS)), self.user))
        self.fields["unit"].widget = forms.HiddenInput()  # chosen with the picker above the form

    def clean_custom_fields(self):
        items = []
        for number, line in enumerate((self.cleaned_data.get("custom_fields") or "").splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            key, sep, label = line.partition("=")
            key = key.strip()
            if not sep or not re.match(r"^[A-Za-z][A-Za-z0-9_]{0,39}$", key) or not label.strip():
                raise forms.ValidationError(_("第 %(n)s 行格式不对：应为“键=名称”，键以字母开头，只含字母、数字和下划线。")
                                            % {"n": number})
            items.append({"key": key, "label": label.strip()})
        return items


def custom_fields_text(items) -> str:
    return "\n".join(f"{i.get('key')}={i.get('label', '')}" for i in items or [])
