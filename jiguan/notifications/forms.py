from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.org.forms import ScopedFormMixin
from jiguan.org.picker import UnitPickerField

from .models import Announcement


class AnnouncementForm(ScopedFormMixin, forms.Form):
    unit = UnitPickerField(label=_("发布单位"), help_text=_("本单位及全部下级单位的人员都能看到这条公告。"))
    title = forms.CharField(label=_("标题"), max_length=120)
    body = forms.CharField(label=_("正文"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))
    pinned = forms.BooleanField(label=_("置顶"), required=False, help_text=_("置顶的公告排在最前面。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_units("unit", "add", Announcement)
        if self.user.unit_id and not self.is_bound:
            self.initial.setdefault("unit", self.user.unit_id)
