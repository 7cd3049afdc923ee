"""The subscriber form of the pages (事件订阅)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import BootstrapFormMixin
from ..models import WEBHOOK_URL, EventSubscriber
from . import registry


class SubscriberForm(BootstrapFormMixin, forms.ModelForm):
    url = forms.URLField(label=_("接收地址"), max_length=500, assume_scheme="https", validators=[WEBHOOK_URL],
                         help_text=_("以 http:// 或 https:// 开头的 Webhook 地址"))
    kinds = forms.MultipleChoiceField(label=_("订阅的事件类型"), choices=(), widget=forms.CheckboxSelectMultiple)
    secret = forms.CharField(label=_("签名密钥"), max_length=128, required=False, widget=forms.PasswordInput,
                             help_text=_("至少 16 个字符，用于 HMAC-SM3 签名；请同时告知接收方。"))

    class Meta:
        model = EventSubscriber
        fields = ["name", "url", "secret", "kinds", "is_active", "description"]

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = registry.choices()
        self.fields["kinds"].widget.attrs.pop("class", None)
        if self.instance.pk:
            self.fields["secret"].help_text = _("留空则保持原密钥不变；至少 16 个字符。")

    def clean_secret(self):
        secret = self.cleaned_data.get("secret", "")
        if not self.instance.pk and not secret:
            raise forms.ValidationError(_("请填写签名密钥。"))
        if secret and len(secret) < 16:
            raise forms.ValidationError(_("签名密钥至少 16 个字符。"))
        return secret

    def _post_clean(self):
        # The service validates the whole row (full_clean) with the secret it keeps.
        pass
