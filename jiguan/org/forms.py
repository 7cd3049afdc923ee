from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.core.forms import BootstrapFormMixin

from .models import ApiToken, OrgUnit, Role, RoleAssignment, User
from .picker import PeopleChoices, PersonPickerField, UnitChoices, UnitPickerField


class ScopedFormMixin(BootstrapFormMixin):
    """Forms receive the requesting user; choice fields offer only units in the user's scope."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def units_for(self, perm_action: str, model=OrgUnit):
        from jiguan.core.scoping import permission_name

        scope = self.user.get_scope(permission_name(model, perm_action))
        return OrgUnit.objects.in_scope(scope).filter(is_active=True).order_by("path")

    def offer_units(self, name: str, perm_action: str, model=OrgUnit, **choices):
        """Make field ``name`` a unit picker (org.picker, typed by name or pinyin initials) offering
        the active units of the user's scope for ``perm_action`` on ``model``; ``choices``: more of
        ``UnitChoices`` (``exclude_kinds``, ``outside``...)."""
        return self.pick_units(name, UnitChoices.for_model(model, perm_action, **choices))

    def pick_units(self, name: str, choices: UnitChoices) -> UnitPickerField:
        field = self.fields[name]
        if not isinstance(field, UnitPickerField):
            field = self.fields[name] = as_picker(field, UnitPickerField)
        return field.offer(choices, self.user)

    def pick_people(self, name: str, choices: PeopleChoices) -> PersonPickerField:
        field = self.fields[name]
        if not isinstance(field, PersonPickerField):
            field = self.fields[name] = as_picker(field, PersonPickerField)
        return field.offer(choices, self.user)


def as_picker(field: forms.Field, picker_class):
    """``field`` (a ModelForm's <select> of units or people) as a picker with its label, help text,
    whether it is required and its initial value."""
    picker = picker_class(label=field.label, required=field.required, help_text=field.help_text,
                          initial=field.initial, disabled=field.disabled,
                          to_field_name=getattr(field, "to_field_name", None))
    css = " ".join(c for c in field.widget.attrs.get("class", "").split() if not c.startswith("form-select"))
    picker.widget.attrs["class"] = f"{css} form-control".strip()
    return picker


class OrgUnitForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["parent", "kind", "name", "short_name", "region_code", "credit_code", "credit_code_override",
                  "credit_code_override_reason", "sort_order", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["parent"]  # moving is its own operation (org:unit_move)
        else:
            self.offer_units("parent", "add")
            self.fields["parent"].required = OrgUnit.objects.exists()


class OrgUnitMoveForm(ScopedFormMixin, forms.Form):
    new_parent = UnitPickerField(label=_("新的上级单位"))

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        super().__init__(*args, **kwargs)
        # Not the unit itself nor anything below it.
        self.offer_units("new_parent", "move", outside=instance.path)


class UserForm(ScopedFormMixin, forms.ModelForm):
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, required=False,
                               help_text=_("留空则账号暂不能登录；首次登录须修改密码。"))

    class Meta:
        model = User
        fields = ["username", "full_name", "unit", "phone", "email", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].required = True
        self.offer_units("unit", "add" if not self.instance.pk else "change", User)
        if self.instance.pk:
            del self.fields["password"]
            self.fields["username"].disabled = True


class RoleForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = Role
        fields = ["code", "name", "description", "duty", "is_active"]


class RoleAssignmentForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "unit", "include_descendants"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_units("unit", "add", RoleAssignment)
        self.pick_people("user", PeopleChoices(perm="org.add_roleassignment"))
        self.fields["role"].queryset = Role.objects.filter(is_active=True)


class PasswordChangeForm(BootstrapFormMixin, forms.Form):
    old_password = forms.CharField(label=_("原密码"), widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("确认新密码"), widget=forms.PasswordInput)

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("原密码不正确。"))
        return value

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        if data.get("new_password") and data.get("new_password") == data.get("old_password"):
            self.add_error("new_password", _("新密码不能与原密码相同。"))
        return data


class LoginForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class OtpCodeForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(label=_("动态口令"), max_length=8, help_text=_("验证器（手机应用）当前显示的 6 位数字"),
                           widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code",
                                                         "inputmode": "numeric", "pattern": "[0-9 ]*"}))


class ApiTokenForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60, help_text=_("令牌的用途，如对接的系统名称：预算管理一体化系统"))
    days = forms.IntegerField(label=_("有效期（天）"), min_value=1, max_value=ApiToken.NAMED_MAX_DAYS,
                              initial=ApiToken.NAMED_DEFAULT_DAYS)
