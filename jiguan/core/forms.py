"""Form helpers shared by every app."""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


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


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html in Python: False leaves the attribute out, True writes its name."""
    return "".join(
        f" {name}" if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items() if value is not False)


BLANK_DASHES = "---------"  # django.db.models.fields.BLANK_CHOICE_DASH, ModelChoiceField.empty_label


def render_select(context: dict) -> str:
    """django/forms/widgets/select.html in Python, the same markup. A unit picker of a province has
    ~2,000 options; through the templates (an include per option) it cost more than the rest of a
    list page (docs/performance.md)."""
    widget = context["widget"]
    parts = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in group_choices:
            parts.append(format_html('\n  <option value="{}"', option["value"]))
            parts.append(_attrs(option["attrs"]))
            label = option["label"]
            if label == BLANK_DASHES:  # Django's blank choice, on every select of models and filters
                label = gettext("请选择")
            parts.append(format_html(">{}</option>\n", label))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped by format_html)


class FormRenderer(DjangoTemplates):
    """Django's template renderer, with the <select> widget (and its options) rendered in Python
    when it uses the stock option template."""

    SELECT = "django/forms/widgets/select.html"
    OPTION = "django/forms/widgets/select_option.html"

    def render(self, template_name, context, request=None):
        if template_name == self.SELECT and all(
                option.get("template_name") == self.OPTION
                for _name, options, _index in context["widget"]["optgroups"] for option in options):
            return render_select(context)
        return super().render(template_name, context, request=request)


class JSONObjectField(forms.JSONField):
    """A JSON object of simple values typed into a form (``{"pages": 300000}``), checked by
    ``core.validators.FlatJSONObject`` like the API's ``core.serializers.JSONObjectField``. Left
    empty it is ``{}``; ``null``, ``[]`` or ``"abc"`` are refused under the field."""

    def __init__(self, *, schema=None, **kwargs):
        from .validators import FlatJSONObject

        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.schema = schema or FlatJSONObject()

    def prepare_value(self, value):
        # No object yet is an empty box, not Django's "null".
        return "" if value is None or value == {} else super().prepare_value(value)

    def bound_data(self, data, initial):
        # What the user typed comes back as typed (an invalid "null" stays "null" beside its error).
        if self.disabled or data is None:
            return super().bound_data(data, initial)
        return forms.fields.InvalidJSONInput(data)

    def to_python(self, value):
        if value in self.empty_values:
            return {}
        value = super().to_python(value)
        # Here, not in validators: Django skips those for "empty" values, and null and [] are empty.
        self.schema(value)
        return value


# Full-width digits and punctuation as a Chinese input method types them: ２０２４年１月１５日, 2024－01－15.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９－／．", "0123456789-/.")


class DateField(forms.DateField):
    """A date typed as 2024-01-15, 2024/1/15, 2024.1.15 or 2024年1月15日 (the formats of
    jiguan/core/formats/zh_Hans, full-width digits and spaces allowed); anything else is refused with
    the formats it takes, in Chinese."""

    default_error_messages = {
        "invalid": _("日期格式不对：请按 2024-01-15、2024/1/15 或 2024年1月15日 填写。"),
    }

    def to_python(self, value):
        if isinstance(value, str):
            value = "".join(value.translate(_FULL_WIDTH).split())
        return super().to_python(value)
