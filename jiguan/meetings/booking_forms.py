"""The forms of booking a room: finding a free room, the booking itself, an edit of occurrences, a
cancellation, a blocking. Plain forms whose cleaned data are the services' arguments."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiguan.core.forms import BootstrapFormMixin
from jiguan.org.models import OrgKind, User
from jiguan.org.picker import PeopleChoices, PersonPickerField
from jiguan.reservations.models import Recurrence

from .models import Equipment, Layout, ServiceKind, codes

WEEKDAYS = [(str(i), _("星期%(d)s") % {"d": d}) for i, d in enumerate("一二三四五六日", start=1)]
SCOPES = [("one", _("仅本场")), ("later", _("本场及以后")), ("all", _("全部场次"))]
TIME_INPUT = forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def agency_path(user) -> str:
    unit = user.unit
    if unit is not None and unit.kind == OrgKind.DEPARTMENT:
        for ancestor in reversed(unit.ancestors()):
            if ancestor.kind != OrgKind.DEPARTMENT:
                return ancestor.path
    return unit.path if unit else ""


def at(day: datetime.date, t: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, t, tzinfo=timezone.get_current_timezone())


class TimeSpanMixin:
    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("结束时间须晚于开始时间。"))
        return data


class FindForm(TimeSpanMixin, BootstrapFormMixin, forms.Form):
    date = forms.DateField(label=_("日期"), widget=DATE_INPUT)
    start_time = forms.TimeField(label=_("开始"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("结束"), widget=TIME_INPUT)
    size = forms.IntegerField(label=_("人数"), min_value=1, max_value=5000, required=False)
    equipment = forms.MultipleChoiceField(label=_("需要的设备"), choices=Equipment.choices, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    compound = forms.ModelChoiceField(label=_("办公区"), queryset=None, required=False, empty_label=_("全部办公区"))

    def __init__(self, *args, compounds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds


class BookingForm(TimeSpanMixin, BootstrapFormMixin, forms.Form):
    subject = forms.CharField(label=_("会议名称（事由）"), max_length=120)
    date = forms.DateField(label=_("日期"), widget=DATE_INPUT)
    start_time = forms.TimeField(label=_("开始时间"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("结束时间"), widget=TIME_INPUT)
    guest_count = forms.IntegerField(label=_("参会人数"), min_value=1, max_value=5000)
    layout = forms.ChoiceField(label=_("布局"), required=False)
    services = forms.MultipleChoiceField(label=_("会务服务"), choices=ServiceKind.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text=_("所选服务将发给办公区的会务服务人员"))
    service_note = forms.CharField(label=_("服务要求"), max_length=200, required=False,
                                   help_text=_("如：横幅内容、桌牌姓名、茶水份数"))
    booked_for = PersonPickerField(label=_("代他人预订（使用人）"), required=False,
                                   help_text=_("为领导等他人预订时选择使用人；不选为本人"))
    attendees = forms.ModelMultipleChoiceField(label=_("参会人员（本单位）"), queryset=User.objects.none(),
                                               required=False, widget=forms.SelectMultiple(attrs={"size": 5}))
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    recurrence = forms.ChoiceField(label=_("重复"), choices=Recurrence.choices, initial=Recurrence.ONCE)
    weekdays = forms.MultipleChoiceField(label=_("每周的哪几天"), choices=WEEKDAYS, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    until = forms.DateField(label=_("重复至"), required=False, widget=DATE_INPUT)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, room, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.room, self.user = room, user
        layouts = codes(room.layouts)
        self.fields["layout"].choices = [("", _("不限"))] + [(c, Layout(c).label) for c in layouts
                                                              if c in Layout.values]
        if not layouts:
            del self.fields["layout"]
        if room.capacity:
            self.fields["guest_count"].max_value = room.capacity
            self.fields["guest_count"].widget.attrs["max"] = room.capacity
            self.fields["guest_count"].help_text = _("最多 %(n)d 人") % {"n": room.capacity}
        path = agency_path(user)
        self.fields["booked_for"].offer(PeopleChoices(perm="", within=path), user)
        self.fields["attendees"].queryset = User.objects.filter(unit__path__startswith=path, is_active=True).order_by(
            "full_name", "username")[:300] if path else User.objects.none()

    def clean_attendees(self):
        chosen = self.cleaned_data.get("attendees") or []
        return list(chosen)

    def clean(self):
        data = super().clean()
        if data.get("recurrence") not in (None, Recurrence.ONCE) and not data.get("until"):
            self.add_error("until", _("重复预订须填写重复至哪天。"))
        return data

    def service_args(self) -> dict:
        d = self.cleaned_data
        note = d.get("service_note", "")
        return {
            "subject": d["subject"], "start": at(d["date"], d["start_time"]), "end": at(d["date"], d["end_time"]),
            "recurrence": d["recurrence"], "weekdays": "".join(sorted(d.get("weekdays") or [])),
            "until": d.get("until"), "booked_for": d.get("booked_for"), "contact_phone": d.get("contact_phone", ""),
            "guest_count": d.get("guest_count") or 0, "attendees": d.get("attendees") or [],
            "layout": d.get("layout", ""), "services": [(k, note) for k in d.get("services") or []],
            "note": d.get("note", ""),
        }


class EditForm(TimeSpanMixin, BootstrapFormMixin, forms.Form):
    scope = forms.ChoiceField(label=_("修改范围"), choices=SCOPES, initial="one", widget=forms.RadioSelect)
    date = forms.DateField(label=_("日期（仅本场可改）"), required=False, widget=DATE_INPUT)
    start_time = forms.TimeField(label=_("开始时间"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("结束时间"), widget=TIME_INPUT)
    subject = forms.CharField(label=_("会议名称（事由）"), max_length=120, required=False,
                              help_text=_("修改本场及以后或全部场次时可改"))


class CancelForm(BootstrapFormMixin, forms.Form):
    scope = forms.ChoiceField(label=_("取消范围"), choices=SCOPES, initial="one", widget=forms.RadioSelect)
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class BlockingForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("公务活动"), max_length=120)
    start = forms.DateTimeField(label=_("开始"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                            format="%Y-%m-%dT%H:%M"))
    end = forms.DateTimeField(label=_("结束"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                          format="%Y-%m-%dT%H:%M"))
    rooms = forms.ModelMultipleChoiceField(label=_("会议室"), queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, rooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rooms"].queryset = rooms

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("结束时间须晚于开始时间。"))
        return data
