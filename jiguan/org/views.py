"""Pages of the org app. Thin: scoping comes from the core base views, writes from ``services``."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core.filters import filter_querystring
from jiguan.core.services import generic_create
from jiguan.core.views import ObjectDetailView, ObjectFormView, ObjectListView, ScopedViewMixin

from . import directory, filters, forms, oidc, otp, picker, services, tables
from .models import ApiToken, ListColumns, OrgUnit, Role, RoleAssignment, SavedFilter, User

# Organisation units ----------------------------------------------------------------------------


class UnitTreeView(ScopedViewMixin, View):
    """The tree browser: the top units of the user's scope; children load on demand (htmx)."""

    model = OrgUnit
    breadcrumbs = [(gettext_lazy("组织机构"), None)]

    def get(self, request):
        scope_qs = self.get_queryset()
        query = request.GET.get("q", "").strip()
        context = {"breadcrumbs": self.get_breadcrumbs(), "query": query,
                   "can_add": request.user.has_perm("org.add_orgunit"),
                   "can_import": request.user.has_perm("org.import_orgunit")}
        if query:
            context["matches"] = list(scope_qs.filter(name__icontains=query).order_by("path")[:100])
        else:
            # Top units of the scope: in scope, and whose parent is not.
            units = list(scope_qs.exclude(parent__in=scope_qs.values("pk")).order_by("sort_order", "name"))
            context["nodes"] = with_open_first_level(with_child_counts(units, scope_qs), scope_qs)
        return render(request, "org/unit_tree.html", context)


def with_child_counts(units, scope_qs):
    counts = dict(scope_qs.filter(parent__in=units).values_list("parent").annotate(n=Count("id")))
    return [{"unit": u, "child_count": counts.get(u.pk, 0)} for u in units]


def with_open_first_level(nodes, scope_qs):
    """Open the top units on first load: their children come with the page (two queries, whatever
    their number); deeper levels still load on demand."""
    parents = [n["unit"] for n in nodes if n["child_count"]]
    children = list(scope_qs.filter(parent__in=parents).order_by("sort_order", "name")) if parents else []
    by_parent = {}
    for child in with_child_counts(children, scope_qs):
        by_parent.setdefault(child["unit"].parent_id, []).append(child)
    for node in nodes:
        node["children"] = by_parent.get(node["unit"].pk, [])
    return nodes


class UnitChildrenView(ScopedViewMixin, View):
    model = OrgUnit

    def get(self, request, pk):
        scope_qs = self.get_queryset()
        parent = scope_qs.filter(pk=pk).first()
        if parent is None:
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        children = list(scope_qs.filter(parent=parent).order_by("sort_order", "name"))
        return render(request, "org/_unit_nodes.html", {"nodes": with_child_counts(children, scope_qs)})


class UnitListView(ObjectListView):
    model = OrgUnit
    table = tables.OrgUnitTable()
    filterset_class = filters.OrgUnitFilter
    create_url_name = "org:unit_create"
    export_name = gettext_lazy("组织机构")
    breadcrumbs = [(gettext_lazy("组织机构"), "org:unit_tree"), (gettext_lazy("列表"), None)]

    def optimize(self, queryset):
        return queryset.select_related("parent").order_by("path")


class UnitDetailView(ObjectDetailView):
    model = OrgUnit
    template_name = "org/unit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.object
        user = self.request.user
        visible = OrgUnit.objects.restrict(user)
        context["ancestors"] = [a for a in unit.ancestors() if user.has_perm("org.view_orgunit", a)]
        context["children"] = list(visible.filter(parent=unit).order_by("sort_order", "name"))
        context["users"] = list(User.objects.restrict(user).filter(unit=unit).order_by("username")[:50]) \
            if user.has_perm("org.view_user") else []
        context["can_change"] = user.has_perm("org.change_orgunit", unit)
        context["can_move"] = user.has_perm("org.move_orgunit", unit) and unit.parent_id is not None
        context["can_add_child"] = user.has_perm("org.add_orgunit", unit)
        context["breadcrumbs"] = [(_("组织机构"), reverse("org:unit_tree"))] + [
            (a.label, a.get_absolute_url()) for a in context["ancestors"]] + [(unit.label, None)]
        return context


class UnitCreateView(ObjectFormView):
    model = OrgUnit
    action = "add"
    form_class = forms.OrgUnitForm
    success_message = gettext_lazy("单位已创建。")

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("parent"):
            initial["parent"] = self.request.GET["parent"]
        return initial

    def perform(self, form):
        data = dict(form.cleaned_data)
        parent = data.pop("parent")
        return services.orgunit_create(parent=parent, **data)


class UnitUpdateView(ObjectFormView):
    model = OrgUnit
    action = "change"
    form_class = forms.OrgUnitForm
    success_message = gettext_lazy("单位信息已保存。")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # The form must not mutate the instance: the service applies the changes and audits them.
        kwargs["instance"] = OrgUnit.objects.get(pk=self.get_object().pk)
        return kwargs

    def perform(self, form):
        return services.orgunit_update(unit=self.get_object(), **form.cleaned_data)


class UnitMoveView(ObjectFormView):
    model = OrgUnit
    action = "move"
    form_class = forms.OrgUnitMoveForm
    template_name = "org/unit_move.html"
    success_message = gettext_lazy("单位及其下级已移动。")

    def perform(self, form):
        new_parent = form.cleaned_data["new_parent"]
        return services.orgunit_move(unit=self.get_object(), new_parent=new_parent)

    def get_title(self):
        return _("移动单位：%(name)s") % {"name": self.get_object().name}


# Users -----------------------------------------------------------------------------------------


class UserListView(ObjectListView):
    model = User
    table = tables.UserTable()
    filterset_class = filters.UserFilter
    create_url_name = "org:user_create"
    export_name = gettext_lazy("用户")
    breadcrumbs = [(gettext_lazy("用户"), None)]

    def optimize(self, queryset):
        return queryset.select_related("unit").order_by("unit__path", "username")


class UserDetailView(ObjectDetailView):
    model = User
    template_name = "org/user_detail.html"
    context_object_name = "shown_user"  # the default, "user", would hide the signed-in user from the shell
    breadcrumbs = [(gettext_lazy("用户"), "org:user_list")]

    def optimize(self, queryset):
        return queryset.select_related("unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if user.has_perm("org.view_roleassignment"):
            context["assignments"] = list(RoleAssignment.objects.restrict(user).filter(user=self.object)
                                          .select_related("role", "unit"))
        context["can_change"] = user.has_perm("org.change_user", self.object)
        context["can_unlock"] = user.has_perm("org.unlock_user", self.object) and self.object.is_locked
        context["can_assign"] = user.has_perm("org.add_roleassignment")
        context["breadcrumbs"] = [(_("用户"), reverse("org:user_list")), (self.object.display_name, None)]
        return context


class UserCreateView(ObjectFormView):
    model = User
    action = "add"
    form_class = forms.UserForm
    success_message = gettext_lazy("用户已创建。")

    def perform(self, form):
        data = dict(form.cleaned_data)
        password = data.pop("password") or None
        return services.user_create(password=password, **data)


class UserUpdateView(ObjectFormView):
    model = User
    action = "change"
    form_class = forms.UserForm
    success_message = gettext_lazy("用户信息已保存。")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = User.objects.get(pk=self.get_object().pk)
        return kwargs

    def perform(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "username"}
        return services.user_update(user=self.get_object(), **data)


class UserUnlockView(ScopedViewMixin, View):
    model = User
    action = "unlock"

    def post(self, request, pk):
        target = self.get_queryset().filter(pk=pk).first()
        if target is None:
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        services.user_unlock(user=target)
        messages.success(request, _("账号 %(name)s 已解锁。") % {"name": target.username})
        return redirect(target.get_absolute_url())


# Roles and assignments -------------------------------------------------------------------------


class RoleListView(ObjectListView):
    model = Role
    table = tables.RoleTable()
    filterset_class = filters.RoleFilter
    create_url_name = "org:role_create"
    export_name = gettext_lazy("角色")
    breadcrumbs = [(gettext_lazy("角色"), None)]


class RoleDetailView(ObjectDetailView):
    model = Role
    template_name = "org/role_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        perms = self.object.permissions.select_related("content_type").order_by("content_type__app_label",
                                                                                  "codename")
        context["permissions"] = list(perms)
        for perm in context["permissions"]:
            perm.label = permission_label(perm)
        context["breadcrumbs"] = [(_("角色"), reverse("org:role_list")), (self.object.name, None)]
        return context


DEFAULT_PERMISSION_ACTIONS = {"add": gettext_lazy("新增"), "change": gettext_lazy("修改"),
                              "delete": gettext_lazy("删除"), "view": gettext_lazy("查看")}


def permission_label(perm) -> str:
    """Django names its default permissions in English ("Can view 审计记录"): say it in Chinese."""
    action, _sep, model_name = perm.codename.partition("_")
    model = perm.content_type.model_class()
    if action in DEFAULT_PERMISSION_ACTIONS and model is not None and model._meta.model_name == model_name:
        return f"{DEFAULT_PERMISSION_ACTIONS[action]}{model._meta.verbose_name}"
    return perm.name


class RoleCreateView(ObjectFormView):
    model = Role
    action = "add"
    form_class = forms.RoleForm

    def perform(self, form):
        return generic_create(form.save(commit=False), save_m2m=form.save_m2m)


class AssignmentListView(ObjectListView):
    model = RoleAssignment
    table = tables.RoleAssignmentTable()
    filterset_class = filters.RoleAssignmentFilter
    create_url_name = "org:assignment_create"
    export_name = gettext_lazy("角色授权")
    breadcrumbs = [(gettext_lazy("角色授权"), None)]

    def optimize(self, queryset):
        return queryset.select_related("user", "role", "unit", "granted_by")


class AssignmentCreateView(ObjectFormView):
    model = RoleAssignment
    action = "add"
    form_class = forms.RoleAssignmentForm
    success_message = gettext_lazy("已授权。")

    def perform(self, form):
        return services.assignment_grant(granted_by=self.request.user, **form.cleaned_data)


class AssignmentRevokeView(ScopedViewMixin, View):
    model = RoleAssignment
    action = "delete"

    def post(self, request, pk):
        assignment = self.get_queryset().select_related("user", "role", "unit").filter(pk=pk).first()
        if assignment is None:
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        services.assignment_revoke(assignment=assignment)
        messages.success(request, _("已收回授权。"))
        return redirect("org:assignment_list")


class SecuritySettingsView(ScopedViewMixin, View):
    """Read-only view of the login-protection settings (they are deployment settings)."""

    model = Role

    def get(self, request):
        limits = settings.JIGUAN_SECURITY
        rows = [
            (_("连续登录失败锁定次数"), limits["LOGIN_FAILURE_LIMIT"], "LOGIN_FAILURE_LIMIT", _("次")),
            (_("锁定时长"), limits["LOCKOUT_MINUTES"], "LOCKOUT_MINUTES", _("分钟")),
            (_("密码有效期"), limits["PASSWORD_MAX_AGE_DAYS"], "PASSWORD_MAX_AGE_DAYS", _("天")),
            (_("会话空闲超时"), limits["SESSION_IDLE_MINUTES"], "SESSION_IDLE_MINUTES", _("分钟")),
            (_("同一地址每分钟登录失败上限"), limits["LOGIN_THROTTLE_PER_IP"], "LOGIN_THROTTLE_PER_IP", _("次")),
            (_("同一账号每分钟登录失败上限"), limits["LOGIN_THROTTLE_PER_ACCOUNT"], "LOGIN_THROTTLE_PER_ACCOUNT",
             _("次")),
        ]
        return render(request, "org/security_settings.html", {
            "rows": rows, "breadcrumbs": [(_("安全策略"), None)]})


# Saved filters (保存的筛选条件) of every list page ------------------------------------------------


def list_url(view: str, query: str = "") -> str:
    """The list page ``view`` with ``query`` applied; the start page when the name is unknown."""
    try:
        url = reverse(view)
    except NoReverseMatch:
        return reverse("home")
    return f"{url}?{query}" if query else url


class SavedFilterCreateView(ScopedViewMixin, View):
    """保存筛选: the list page's form posts the page's URL name, its filters and a name."""

    model = SavedFilter
    action = "add"

    def post(self, request):
        view, query = request.POST.get("view", ""), request.POST.get("query", "")
        try:
            saved = services.saved_filter_save(user=request.user, view=view, name=request.POST.get("name", ""),
                                               query=query)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(list_url(view, filter_querystring(QueryDict(query))))
        messages.success(request, _("已保存筛选“%(name)s”，可在“我的筛选”中使用。") % {"name": saved.name})
        return HttpResponseRedirect(saved.get_absolute_url())


class ListColumnsView(ScopedViewMixin, View):
    """列设置: the list page's column chooser posts its URL name and the ticked columns (or 恢复默认)."""

    model = ListColumns
    action = "change"

    def post(self, request):
        view = request.POST.get("view", "")
        columns = [] if request.POST.get("reset") else request.POST.getlist("columns")
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}) or not target.startswith("/"):
            target = list_url(view)
        try:
            services.list_columns_save(user=request.user, view=view, columns=columns)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(target)
        messages.success(request, _("已恢复默认的列。") if not columns else _("已保存显示的列。"))
        return HttpResponseRedirect(target)


class SavedFilterDeleteView(ScopedViewMixin, View):
    model = SavedFilter
    action = "delete"

    def post(self, request, pk):
        saved = self.get_queryset().filter(pk=pk).first()
        if saved is None:
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        services.saved_filter_delete(saved_filter=saved)
        messages.success(request, _("已删除筛选“%(name)s”。") % {"name": saved.name})
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
            target = list_url(saved.view)
        return HttpResponseRedirect(target)


# Sign-in ---------------------------------------------------------------------------------------


OTP_PENDING = "jiguan_otp_pending"  # session key: the administrator whose password was right, awaiting the code


def _login_page(request, form, next_url, status=200):
    return render(request, "registration/login.html", {"form": form, "next": next_url,
                                                       "directory_login": directory.enabled(),
                                                       "oidc_login": oidc.enabled()}, status=status)


def _refused_page(request, form, next_url, refused, template="registration/login.html", extra=None):
    form.add_error(None, refused.message)
    context = {"form": form, "next": next_url, "directory_login": directory.enabled(),
               "oidc_login": oidc.enabled(), **(extra or {})}
    if refused.code == "throttled":
        response = render(request, template, context, status=429)
        response["Retry-After"] = str(refused.retry_after)
        return response
    return render(request, template, context)


def _signed_in(request, user, next_url):
    login(request, user, backend="jiguan.org.backends.ScopedRoleBackend")
    if user.password_expired:
        messages.warning(request, _("您的密码已过期或为初始密码，请先修改密码。"))
        return redirect("password_change")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = ""
    return HttpResponseRedirect(next_url or reverse("home"))


def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = forms.LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_attempt(request=request, username=form.cleaned_data["username"],
                                          password=form.cleaned_data["password"])
        except services.SecondFactorRequired as second:
            request.session.cycle_key()
            request.session[OTP_PENDING] = {"user": second.user.pk, "at": int(time.time()), "next": next_url}
            return redirect("login_otp")
        except services.LoginRefused as refused:
            return _refused_page(request, form, next_url, refused)
        return _signed_in(request, user, next_url)
    return _login_page(request, form, next_url)


def login_otp_view(request):
    """The second step of an administrator's sign-in (动态口令), after a right password."""
    pending = request.session.get(OTP_PENDING)
    if not pending or time.time() - pending["at"] > services.OTP_PENDING_SECONDS:
        request.session.pop(OTP_PENDING, None)
        if request.method == "POST":
            return render(request, "registration/login.html", {
                "form": forms.LoginForm(), "next": "", "directory_login": directory.enabled(),
                "login_notice": _("登录已超时，请重新输入用户名和密码。")})
        return redirect("login")
    form = forms.OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_second_factor(request=request, user_id=pending["user"],
                                                code=form.cleaned_data["code"])
        except services.LoginRefused as refused:
            if refused.code in {"locked", "expired", "otp_not_enrolled"}:
                request.session.pop(OTP_PENDING, None)
            return _refused_page(request, form, pending["next"], refused, template="registration/login_otp.html")
        request.session.pop(OTP_PENDING, None)
        return _signed_in(request, user, pending["next"])
    return render(request, "registration/login_otp.html", {"form": form})


class OtpDeviceView(View):
    """动态口令: an administrator changes their own device (a new phone): the code of the current
    device first, then the QR code of a new one and a code from it."""

    SESSION_KEY = "jiguan_otp_rotate"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("login")
        if not services.needs_second_factor(request.user):
            raise PermissionDenied(_("只有系统管理员、安全管理员和审计管理员使用动态口令。"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        request.session.pop(self.SESSION_KEY, None)
        return self.page(forms.OtpCodeForm())

    def post(self, request):
        form = forms.OtpCodeForm(request.POST)
        pending = request.session.get(self.SESSION_KEY)
        new_secret = otp.secret_from_session(pending) if pending else None
        if form.is_valid():
            try:
                if new_secret is None:
                    new_secret = services.otp_rotate_check(user=request.user, code=form.cleaned_data["code"])
                    request.session[self.SESSION_KEY] = otp.encrypt(new_secret)
                    return self.page(forms.OtpCodeForm(), new_secret)
                services.otp_rotate_finish(user=request.user, secret=new_secret, code=form.cleaned_data["code"])
            except ValidationError as exc:
                form.add_error("code", exc.message_dict.get("code", exc.messages))
            else:
                request.session.pop(self.SESSION_KEY, None)
                messages.success(request, _("动态口令设备已更换，下次登录请使用新设备上的口令。"))
                return redirect("home")
        return self.page(form, new_secret)

    def page(self, form, new_secret=None):
        context = {"form": form, "breadcrumbs": [(_("动态口令"), None)]}
        if new_secret:
            uri = otp.provisioning_uri(new_secret, self.request.user.username)
            context.update(uri=uri, qr=otp.qr_svg(uri), secret=new_secret)
        response = render(self.request, "org/otp_device.html", context)
        response["Cache-Control"] = "no-store"
        return response


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        audit.record(Action.LOGOUT, request.user, actor=request.user)
    logout(request)
    return redirect("login")


def password_change_view(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if request.user.is_directory_account:
        messages.info(request, _("您的账号通过单位目录登录，请在单位目录（统一身份认证）中修改密码。"))
        return redirect("home")
    form = forms.PasswordChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        from django.contrib.auth import update_session_auth_hash
        try:
            services.user_set_password(user=request.user, password=form.cleaned_data["new_password"])
        except ValidationError as exc:
            form.add_error("new_password", exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("home")
    return render(request, "registration/password_change.html", {
        "form": form, "breadcrumbs": [(_("修改密码"), None)],
        "otp_device": services.needs_second_factor(request.user)})


def switch_unit_view(request):
    """The unit switcher: narrows every list to one unit's subtree within the user's scope."""
    if request.method != "POST" or not request.user.is_authenticated:
        raise PermissionDenied
    value = request.POST.get("unit", "")
    if not value:
        request.session.pop("focus_unit", None)
    else:
        unit = OrgUnit.objects.restrict(request.user).filter(pk=value).first()
        if unit is None:
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        request.session["focus_unit"] = unit.pk
    target = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("home")
    return HttpResponseRedirect(target)


# Pickers (选择单位、选择人员) ---------------------------------------------------------------------


class UnitPickView(ScopedViewMixin, View):
    """The unit picker's matches as JSON (``org.picker``): ``?t=`` the field's signed choices (default:
    the units the user may view), ``?q=`` the text typed. At most ``picker.LIMIT`` units, closest first,
    each with its path; never a unit the field does not accept."""

    model = OrgUnit
    require_model_permission = False  # the field's permission (in its token) decides, e.g. assets.add_asset
    choices_class = picker.UnitChoices

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        token = request.GET.get("t")
        try:
            self.choices = self.choices_class.from_token(token, request.user) if token else self.choices_class()
        except signing.BadSignature:
            return JsonResponse({"error": _("选择器已失效，请刷新页面后重试。")}, status=400)
        # The field's permission (the audit log's for its unit filter), held by the user; a field
        # offering units whatever the scope (everywhere) was signed for this user by its page.
        perm = self.choices.perm
        if perm and not getattr(self.choices, "everywhere", False) and not request.user.has_perm(perm):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        results, more = self.search(request.user, self.choices, request.GET.get("q", ""))
        response = JsonResponse({"results": results, "more": more, "limit": picker.LIMIT})
        response["Cache-Control"] = "private, no-store"
        return response

    def search(self, user, choices, q):
        return picker.search_units(user, choices, q)


class UserPickView(UnitPickView):
    """The people picker's matches as JSON: people by real name (or username), with their unit."""

    model = User
    choices_class = picker.PeopleChoices

    def search(self, user, choices, q):
        return picker.search_people(user, choices, q)


# API tokens (API 令牌) of the signed-in account --------------------------------------------------


class ApiTokenListView(ScopedViewMixin, View):
    """API 令牌: the account's own tokens; issue a named one (its token shown once, on this answer
    only) or revoke one."""

    model = ApiToken

    def get(self, request):
        return self.page(forms.ApiTokenForm())

    def post(self, request):
        form = forms.ApiTokenForm(request.POST)
        issued = None
        if form.is_valid():
            try:
                token, plain = services.apitoken_create(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                issued = {"token": token, "plain": plain}
                form = forms.ApiTokenForm()
        return self.page(form, issued)

    def page(self, form, issued=None):
        response = render(self.request, "org/api_tokens.html", {
            "form": form, "issued": issued, "tokens": self.get_queryset(),
            "max_age_hours": int(settings.API_TOKEN_MAX_AGE.total_seconds() // 3600),
            "breadcrumbs": [(_("API 令牌"), None)]})
        response["Cache-Control"] = "no-store"
        return response


class ApiTokenRevokeView(ScopedViewMixin, View):
    model = ApiToken
    action = "delete"

    def post(self, request, pk):
        token = self.get_queryset().filter(pk=pk).first()
        if token is None:
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        services.apitoken_revoke(token=token)
        messages.success(request, _("已撤销令牌“%(name)s”，使用它的系统将无法再调用接口。") % {"name": token.name})
        return redirect("apitoken_list")
