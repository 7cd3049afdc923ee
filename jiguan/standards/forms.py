from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.core.forms import JSONObjectField
from jiguan.org.forms import ScopedFormMixin

from .models import Confidence, StandardTable
from .selectors import latest_version


class StandardTableForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = StandardTable
        fields = ["code", "name", "kind", "description", "key_label", "value_label", "value_unit", "value2_label",
                  "value2_unit", "default_source", "hierarchical", "sort_order"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True  # modules read tables by code


class ChangeRequestForm(ScopedFormMixin, forms.Form):
    """A proposal for a new version of a key (or a new key). Pre-filled from the current version."""

    table = forms.ModelChoiceField(label=_("标准表"), queryset=StandardTable.objects.none())
    key = forms.CharField(label=_("键（代码）"), max_length=64,
                          help_text=_("修改已有条目时填写其键；填写新的键则新增条目。"))
    name = forms.CharField(label=_("名称"), max_length=200)
    parent_key = forms.CharField(label=_("上级键"), max_length=64, required=False)
    value = forms.DecimalField(label=_("数值"), max_digits=20, decimal_places=6, required=False)
    unit = forms.CharField(label=_("单位"), max_length=20, required=False)
    value2 = forms.DecimalField(label=_("第二数值"), max_digits=20, decimal_places=6, required=False)
    unit2 = forms.CharField(label=_("第二数值单位"), max_length=20, required=False)
    attrs = JSONObjectField(label=_("其他属性"), required=False,
                            help_text=_("JSON 对象，例如 {\"pages\": 300000}；没有则留空。"),
                            widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.CharField(label=_("依据文件"), max_length=300)
    confidence = forms.ChoiceField(label=_("可信度"), choices=Confidence.choices)
    effective_from = forms.DateField(label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("变更理由"), widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    submit_now = forms.BooleanField(label=_("保存后立即提交审批"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["table"].queryset = StandardTable.objects.restrict(self.user).order_by("sort_order", "code")
        self.fields["table"].to_field_name = "code"
        table, key = self.initial.get("table"), self.initial.get("key")
        if table and key:
            current = latest_version(table, key) if isinstance(table, StandardTable) else None
            if current is not None:
                self.fields["effective_from"].help_text = _(
                    "须晚于现行版本（第 %(version)d 版）的生效日期 %(date)s。") % {
                    "version": current.version, "date": current.effective_from.isoformat()}
        if isinstance(table, StandardTable):
            if table.value_label:
                self.fields["value"].label = table.value_label
            if table.value2_label:
                self.fields["value2"].label = table.value2_label


def initial_for(table: StandardTable | None, key: str) -> dict:
    """Form initial values from the current version of ``key`` (or the table's defaults)."""
    initial: dict = {"table": table, "key": key}
    if table is None:
        return initial
    current = latest_version(table, key) if key else None
    if current is None:
        initial.update(unit=table.value_unit, unit2=table.value2_unit, source=table.default_source)
        return initial
    for name in ("name", "parent_key", "unit", "unit2", "source", "confidence", "note"):
        initial[name] = getattr(current, name)
    initial["value"], initial["value2"] = current.plain_value, current.plain_value2
    initial["attrs"] = current.attrs or None
    return initial
