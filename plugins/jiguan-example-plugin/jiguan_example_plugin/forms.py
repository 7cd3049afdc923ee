from django import forms

from jiguan.org.forms import ScopedFormMixin

from .models import Seal


class SealForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = Seal
        fields = ["unit", "name", "kind", "keeper", "status", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "change" if self.instance.pk else "add"
        self.fields["unit"].queryset = self.units_for(action, Seal)
