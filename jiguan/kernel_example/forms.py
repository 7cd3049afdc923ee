from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.org.forms import ScopedFormMixin
from jiguan.org.picker import UnitPickerField

from .models import Key, KeyHandover


class KeyForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = Key
        fields = ["unit", "code", "room", "kind", "copies", "holder", "holder_phone", "status", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "change" if self.instance.pk else "add"
        self.offer_units("unit", action, Key)  # a unit picker (org.picker): typed, never a list of them all


class KeyHandoverForm(ScopedFormMixin, forms.Form):
    """The fields of a key handover; the keys are picked on the page (documents.LinePickerMixin)."""

    unit = UnitPickerField(label=_("所属单位"))
    to_holder = forms.CharField(label=_("接收人"), max_length=40)
    to_holder_phone = forms.CharField(label=_("接收人电话"), max_length=20, required=False)
    reason = forms.CharField(label=_("移交原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))
    keys = forms.ModelMultipleChoiceField(label=_("钥匙"), queryset=Key.objects.none(),
                                          widget=forms.MultipleHiddenInput,
                                          error_messages={"required": _("请至少选择一把钥匙。"),
                                                          "invalid_choice": _("所选钥匙 %(value)s 不存在，或不在您的数据范围内。"),
                                                          "invalid_pk_value": _("“%(pk)s”不是钥匙的编号。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_units("unit", "add", KeyHandover)
        self.fields["keys"].queryset = Key.objects.in_scope(self.user.get_scope("kernel_example.add_keyhandover"))
