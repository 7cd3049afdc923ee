from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.core.forms import BootstrapFormMixin
from jiguan.org.forms import ScopedFormMixin, as_picker
from jiguan.org.models import Role, User
from jiguan.org.picker import ABOVE_DEPARTMENTS, UnitChoices, UnitPickerField

from . import registry
from .models import ApproverRelation, Flow, FlowStep


class FlowForm(ScopedFormMixin, forms.ModelForm):
    business_type = forms.ChoiceField(label=_("业务类型"), choices=())

    class Meta:
        model = Flow
        fields = ["business_type", "name", "unit", "is_active", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_type"].choices = registry.choices()
        self.offer_units("unit", "add" if not self.instance.pk else "change", Flow, **ABOVE_DEPARTMENTS)
        self.fields["unit"].help_text = _("流程适用于该单位及其全部下级单位的申请；下级单位另有流程时以下级为准。")


class FlowStepForm(BootstrapFormMixin, forms.ModelForm):
    condition_field = forms.ChoiceField(label=_("条件字段"), required=False)

    class Meta:
        model = FlowStep
        fields = ["order", "name", "approver_role", "relation", "unit_kind", "unit_keyword", "fixed_unit",
                  "condition_field", "condition_operator", "condition_value", "skip_if_same_parent"]

    def __init__(self, *args, flow=None, user=None, **kwargs):
        self.flow = flow
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["approver_role"].queryset = Role.objects.filter(is_active=True, duty="business")
        try:
            fields = registry.get(flow.business_type).fields
        except LookupError:
            fields = {}
        self.fields["condition_field"].choices = [("", _("无条件"))] + [(k, v) for k, v in fields.items()]
        # Any unit above department level of the tenant (a step may go to a unit outside the flow's).
        self.fields["fixed_unit"] = as_picker(self.fields["fixed_unit"], UnitPickerField).offer(
            UnitChoices(everywhere=True, **ABOVE_DEPARTMENTS), self.user)
        if not self.instance.pk and flow is not None:
            last = flow.steps.order_by("-order").values_list("order", flat=True).first() or 0
            self.initial.setdefault("order", last + 1)

    def clean(self):
        data = super().clean()
        relation = data.get("relation")
        if relation == ApproverRelation.NEAREST_KIND and not data.get("unit_kind"):
            self.add_error("unit_kind", _("请选择单位类型。"))
        if relation == ApproverRelation.NEAREST_NAMED and not data.get("unit_keyword"):
            self.add_error("unit_keyword", _("请填写单位名称关键字。"))
        if relation == ApproverRelation.FIXED_UNIT and not data.get("fixed_unit"):
            self.add_error("fixed_unit", _("请选择指定单位。"))
        has_field = bool(data.get("condition_field"))
        if has_field and (not data.get("condition_operator") or data.get("condition_value") is None):
            self.add_error("condition_value", _("设置条件时须同时选择比较方式并填写条件值。"))
        if not has_field:
            data["condition_operator"], data["condition_value"] = "", None
        return data


class DecisionForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(label=_("审批意见"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)
    delegate_to = forms.ModelChoiceField(label=_("转办给"), required=False, queryset=User.objects.none(),
                                         empty_label=_("选择转办对象…"))


class PreviewForm(BootstrapFormMixin, forms.Form):
    """试算: which steps would a request with these figures go through?"""

    unit = UnitPickerField(label=_("申请单位"))
    amount = forms.DecimalField(label=_("金额（元）"), required=False, max_digits=16, decimal_places=2)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        # ``units``: a subtree (the flow's unit and below) without departments; the picker offers the
        # same, from the subtree's top unit.
        top = units.order_by("depth", "path").values_list("path", flat=True).first() if units is not None else None
        self.fields["unit"].offer(UnitChoices(everywhere=True, within=top or "/-/", active=False,
                                              **ABOVE_DEPARTMENTS))
        self.fields["unit"].queryset = units if units is not None else self.fields["unit"].queryset
