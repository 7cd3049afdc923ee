"""Form helpers shared by every app."""

from __future__ import annotations

from django import forms


def bootstrapify(form: forms.BaseForm, small: bool = False, mark_errors: bool = True) -> forms.BaseForm:
    """Give every widget its Bootstrap class (and is-invalid when the field has errors).

    ``mark_errors=False`` does not touch ``form.errors``: reading them validates the form, which must
    not happen in ``__init__`` before a subclass has narrowed its querysets to the user's scope."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
            css = "form-check-input"
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            css = "form-select" + (" form-select-sm" if small else "")
        else:
            css = "form-control" + (" form-control-sm" if small else "")
        if mark_errors and form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    return form


class BootstrapFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self, mark_errors=False)  # full_clean() below marks the invalid fields

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
