from django import forms

from jiguan.org.forms import ScopedFormMixin

from .models import Key


class KeyForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = Key
        fields = ["unit", "code", "room", "kind", "copies", "holder", "holder_phone", "status", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "change" if self.instance.pk else "add"
        self.fields["unit"].queryset = self.units_for(action, Key)
