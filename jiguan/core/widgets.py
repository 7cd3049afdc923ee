"""Form widgets shared by every app.

``PickerInput``: choose one row among thousands (a province's 10,000 units, its people) by typing.
The page carries a text box and a hidden input with the chosen id, never the list of choices: the
matches come as JSON from ``source`` while the user types (jiguan/static/jiguan/picker.js, loaded by
base.html), at most a screenful, each with its path or its unit. So a page weighs the same with ten
units as with ten thousand, and the value shown at first is one lookup (``resolve``), not the list.

Nothing is chosen silently: typing only lists matches; a match is taken when the user clicks it or
presses Enter on the one the arrow keys moved to. Leaving the box without choosing puts back what was
chosen before; emptying it clears the choice.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .forms import _attrs


class PickerInput(forms.Widget):
    """A text box with a dropdown of matches from ``source``, keeping the chosen id in a hidden input.

    * ``source``: the URL of the matches (``?q=`` is added), answering
      ``{"results": [{"id", "label", "path"}], "more": bool}``.
    * ``resolve(value)``: ``{"label", "path"}`` of the current value, or None (unknown, out of scope).
    * ``blank``: for an optional field, the label of the empty choice listed first (全部, 不限).
    * ``submit``: submit the form as soon as a match is chosen (the header's unit switcher).
    * ``show_path``: the chosen row's path under the box (else in its tooltip only).
    """

    empty_text = _("无匹配项")
    placeholder = _("输入名称或拼音首字母")
    more_text = _("只列出最接近的 20 项：再输入几个字可缩小范围。")
    error_text = _("暂时查不到，请稍后重试或刷新页面。")
    menu_style = "top: 100%; left: 0; width: 100%; max-height: 22rem; overflow-y: auto"

    def __init__(self, attrs=None, *, source: str = "", resolve: Callable | None = None, blank=None,
                 submit: bool = False, show_path: bool = True, empty_text=None, placeholder=None, menu_style=None):
        super().__init__(attrs)
        self.source = source
        self.resolve = resolve
        self.blank = blank
        self.submit = submit
        self.show_path = show_path
        if empty_text is not None:
            self.empty_text = empty_text
        if placeholder is not None:
            self.placeholder = placeholder
        if menu_style is not None:
            self.menu_style = menu_style

    def id_for_label(self, id_):
        return f"{id_}_text" if id_ else id_

    def use_required_attribute(self, initial):
        return False  # the hidden input cannot be required; the text box says it instead

    def format_value(self, value):
        if value is None or value == "":
            return ""
        return str(value)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        id_ = attrs.pop("id", None) or f"id_{name}"
        shown = self.resolve(value) if (value and self.resolve) else None
        if value and shown is None:
            value = ""  # not a choice the user may see: never echo it back, never name it
        label = (shown or {}).get("label", "")
        path = (shown or {}).get("path", "")
        text_attrs = {
            "type": "text", "id": f"{id_}_text", "value": label, "autocomplete": "off", "spellcheck": "false",
            "placeholder": attrs.pop("placeholder", None) or self.placeholder,
            "role": "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
            "aria-controls": f"{id_}_list", "data-picker-text": True,
            **{k: v for k, v in attrs.items() if k not in ("name", "type", "value")},
        }
        if path and path != label:
            text_attrs["title"] = path
        box = {
            "class": "jg-picker", "data-picker": self.source, "data-picker-empty": self.empty_text,
            "data-picker-more": self.more_text, "data-picker-error": self.error_text,
            "data-picker-value": value, "data-picker-label": label,
        }
        if self.blank is not None:
            box["data-picker-blank"] = self.blank
        if self.submit:
            box["data-picker-submit"] = True
        parts = [
            "<div" + _attrs(box) + ">",
            format_html('<input type="hidden" name="{}" id="{}" value="{}">', name, id_, value),
            '<div class="position-relative"><input' + _attrs(text_attrs) + ">",
            format_html('<ul class="dropdown-menu shadow-sm py-1" role="listbox" id="{}_list" style="{}"></ul></div>',
                        id_, self.menu_style),
        ]
        if self.show_path:
            parts.append(format_html('<div class="form-text mt-1 text-truncate" id="{}_path" data-picker-path>{}</div>',
                                     id_, path if path != label else ""))
        parts.append("</div>")
        return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped by format_html, _attrs too)
