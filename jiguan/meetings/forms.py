"""Forms of the meetings registers: compounds, buildings, rooms (with their booking rules)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.org.forms import ScopedFormMixin
from jiguan.org.models import OrgUnit, Role

from .booking_forms import WEEKDAYS
from .models import Building, Compound, Equipment, Layout, Room, codes, wrap

CHECKBOXES = forms.CheckboxSelectMultiple


class CompoundForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = Compound
        fields = ["unit", "name", "address", "resident_units", "service_phone", "note"]
        widgets = {"resident_units": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_units("unit", "change" if self.instance.pk else "add", Compound)
        self.fields["resident_units"].queryset = OrgUnit.objects.in_scope(
            self.user.get_scope("org.view_orgunit")).filter(is_active=True).exclude(kind="department").order_by(
            "path")[:500] if self.user.has_perm("org.view_orgunit") else OrgUnit.objects.none()


class BuildingForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = Building
        fields = ["compound", "name", "floors", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "change" if self.instance.pk else "add"
        self.fields["compound"].queryset = Compound.objects.in_scope(
            self.user.get_scope(f"meetings.{action}_building")).order_by("name")


class RoomForm(ScopedFormMixin, forms.ModelForm):
    """A room and its booking rules. Equipment, layouts and open weekdays are ticked; who may book
    defaults to the compound's resident units and its managing unit (全部入驻单位)."""

    equipment = forms.MultipleChoiceField(label=_("设备"), choices=Equipment.choices, required=False,
                                          widget=CHECKBOXES)
    layouts = forms.MultipleChoiceField(label=_("可选布局"), choices=Layout.choices, required=False, widget=CHECKBOXES)
    open_weekdays = forms.MultipleChoiceField(label=_("开放日"), choices=WEEKDAYS, widget=CHECKBOXES,
                                              initial=list("12345"))

    class Meta:
        model = Room
        fields = ["unit", "compound", "building", "name", "floor", "number", "usage", "capacity", "area",
                  "equipment", "layouts", "description", "is_active", "open_from", "open_until", "open_weekdays",
                  "buffer_before", "buffer_after", "min_notice", "max_advance", "max_length", "release_after",
                  "requires_approval", "open_to", "allowed_units", "allowed_roles"]
        widgets = {"open_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "open_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "allowed_units": forms.SelectMultiple(attrs={"size": 6}),
                   "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"allowed_units": _("不选则为办公区的全部入驻单位和管理单位")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "change" if self.instance.pk else "add"
        scope = self.user.get_scope(f"meetings.{action}_room")
        self.offer_units("unit", action, Room)
        self.fields["compound"].queryset = Compound.objects.in_scope(scope).order_by("name")
        self.fields["building"].queryset = Building.objects.in_scope(scope).select_related("compound").order_by(
            "compound__name", "name")
        self.fields["allowed_units"].queryset = OrgUnit.objects.filter(is_active=True).exclude(
            kind="department").order_by("path")[:500]
        self.fields["allowed_roles"].queryset = Role.objects.filter(is_active=True, duty="business").order_by("code")
        if self.instance.pk:
            self.initial["equipment"] = codes(self.instance.equipment)
            self.initial["layouts"] = codes(self.instance.layouts)
            self.initial["open_weekdays"] = list(self.instance.open_weekdays or "")

    def clean_equipment(self):
        return wrap(self.cleaned_data.get("equipment") or [])

    def clean_layouts(self):
        return wrap(self.cleaned_data.get("layouts") or [])

    def clean_open_weekdays(self):
        return "".join(sorted(self.cleaned_data.get("open_weekdays") or []))

    def clean(self):
        data = super().clean()
        compound = data.get("compound")
        if compound is not None and data.get("open_to") == "units" and not data.get("allowed_units"):
            # "All units of the compound": its resident units and its managing unit.
            data["allowed_units"] = [*compound.resident_units.all(), compound.unit]
        return data
