"""Pages of approval flows: 我的待办, 我的申请, request detail with its timeline, flow configuration."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from jiguan.audit import services as audit
from jiguan.core.services import generic_create, generic_update
from jiguan.core.views import ObjectDetailView, ObjectFormView, ObjectListView, ScopedViewMixin

from . import filters, forms, registry, services, tables
from .models import ApprovalRequest, Flow, FlowStep, RequestStatus

# Requests --------------------------------------------------------------------------------------


class RequestListBase(ObjectListView):
    model = ApprovalRequest
    table = tables.RequestTable()
    filterset_class = filters.RequestFilter
    require_model_permission = False  # restrict(): scope, own, participated, routed to me

    def optimize(self, queryset):
        return queryset.select_related("applicant", "applicant_unit", "business_unit", "current_step", "approver_unit") \
            .order_by("-submitted_at", "-id")


class TodoListView(RequestListBase):
    title = gettext_lazy("我的待办")
    filterset_class = filters.TodoFilter  # everything here is 审批中: no status filter
    export_name = gettext_lazy("我的待办")
    breadcrumbs = [(gettext_lazy("我的待办"), None)]

    def base_queryset(self):
        return ApprovalRequest.objects.todo_for(self.request.user)


class MyRequestListView(RequestListBase):
    title = gettext_lazy("我的申请")
    export_name = gettext_lazy("我的申请")
    breadcrumbs = [(gettext_lazy("我的申请"), None)]
    extra_actions_template = "workflow/_start_request.html"  # 发起申请: what the user may start

    def get_context_data(self, **kwargs):
        from jiguan.core import selfservice

        context = super().get_context_data(**kwargs)
        context["services"] = selfservice.for_user(self.request.user)
        return context

    def base_queryset(self):
        return ApprovalRequest.objects.filter(applicant=self.request.user)


class RequestListView(RequestListBase):
    """审批查询: every request in the data scope (needs workflow.view_approvalrequest)."""

    require_model_permission = True
    title = gettext_lazy("审批查询")
    export_name = gettext_lazy("审批查询")
    breadcrumbs = [(gettext_lazy("审批查询"), None)]


class RequestDetailView(ObjectDetailView):
    model = ApprovalRequest
    template_name = "workflow/request_detail.html"
    require_model_permission = False

    @staticmethod
    def list_crumb(req, user, can_act):
        """The list this request was most likely opened from (and the user may open)."""
        if can_act:
            return (_("我的待办"), reverse("workflow:todo"))
        if req.applicant_id == user.pk:
            return (_("我的申请"), reverse("workflow:mine"))
        if user.has_perm("workflow.view_approvalrequest"):
            return (_("审批查询"), reverse("workflow:request_list"))
        return (_("我的待办"), reverse("workflow:todo"))

    def optimize(self, queryset):
        return queryset.select_related("applicant", "applicant_unit", "business_unit", "current_step__approver_role",
                                       "approver_unit", "assignee", "flow", "counterparty_unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        req, user = self.object, self.request.user
        can_act = services.can_act(user, req)
        obj = business_object(req)  # read once: its page's link and, for a document, its content
        context.update({
            "timeline": list(req.actions.select_related("actor", "delegate_to").order_by("id")),
            "can_act": can_act,
            "can_withdraw": req.applicant_id == user.pk and req.is_open,
            "can_resubmit": req.applicant_id == user.pk and req.status == RequestStatus.RETURNED,
            "can_retry": services.can_retry(user, req),
            "outcome_pending": services.pending_outcome(req) is not None,
            "form": forms.DecisionForm(initial={"version": req.version}),
            "approvers": list(services.request_approvers(req)),
            "values": {k: v for k, v in req.values.items() if not k.endswith("_parent_id")},
            "business_url": business_url(obj),
            "breadcrumbs": [self.list_crumb(req, user, can_act), (req.title, None)],
        })
        if can_act:
            context["form"].fields["delegate_to"].queryset = services.request_approvers(req).exclude(pk=user.pk)
            context["has_next"] = ApprovalRequest.objects.todo_for(user).exclude(pk=req.pk).exists()
        context.update(business_content(obj))
        return context


def business_object(req: ApprovalRequest):
    """The request's business object, or None when it is gone."""
    try:
        return req.business_object()
    except ObjectDoesNotExist:
        return None


def business_content(obj) -> dict:
    """The business object's content, shown on the approval page: for a kernel document its declared
    fields and lines (``documents.views.document_content``); nothing for other objects (their page is
    linked) or when the object is gone."""
    from .documents.registry import type_of
    from .documents.views import document_content

    if obj is None:
        return {}
    try:
        dtype = type_of(obj)
    except LookupError:
        return {}
    return {"content_" + key: value for key, value in document_content(obj, dtype).items()}


def business_url(obj) -> str | None:
    """The page of the business object (e.g. the standards change request with its comparison), so
    the approver sees what they decide; None when the object has no page or is gone."""
    try:
        return obj.get_absolute_url() if obj is not None else None
    except AttributeError:
        return None


class RequestActionView(ScopedViewMixin, View):
    """POST approve | reject | return | delegate | withdraw | resubmit | retry on one request."""

    model = ApprovalRequest
    require_model_permission = False

    def post(self, request, pk, verb):
        req = self.get_queryset().filter(pk=pk).first()
        if req is None:
            gone = ApprovalRequest.objects.filter(pk=pk).first()
            if gone is not None and services.was_approver(request.user, gone):
                messages.error(request, services.StaleRequest.message)  # another approver decided first
                return redirect("workflow:todo")
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        form = forms.DecisionForm(request.POST)
        form.fields["delegate_to"].queryset = services.request_approvers(req)
        if not form.is_valid():
            messages.error(request, _("提交的数据有误：%(e)s") % {"e": form.errors.as_text()})
            return redirect(req.get_absolute_url())
        comment, version = form.cleaned_data["comment"] or "", form.cleaned_data["version"]
        user = request.user
        back = self.back_to(request) or req.get_absolute_url()  # the home page's 同意 comes back to it
        try:
            if verb == "approve":
                services.request_approve(request=req, actor=user, comment=comment, expected_version=version)
                messages.success(request, _("已同意：%(title)s。") % {"title": req.title})
            elif verb == "approve_next":  # 同意并处理下一条: straight on to the next request waiting
                services.request_approve(request=req, actor=user, comment=comment, expected_version=version)
                following = (ApprovalRequest.objects.todo_for(user).exclude(pk=req.pk)
                             .order_by("submitted_at", "id").first())
                if following is None:
                    messages.success(request, _("已同意：%(title)s。待办已全部处理完。") % {"title": req.title})
                    return redirect("workflow:todo")
                messages.success(request, _("已同意：%(title)s。下面是下一条待办。") % {"title": req.title})
                return redirect(following.get_absolute_url())
            elif verb == "reject":
                services.request_reject(request=req, actor=user, comment=comment, expected_version=version)
                messages.success(request, _("已驳回。"))
            elif verb == "return":
                services.request_return(request=req, actor=user, comment=comment, expected_version=version)
                messages.success(request, _("已退回申请人修改。"))
            elif verb == "delegate":
                to_user = form.cleaned_data.get("delegate_to")
                if to_user is None:
                    raise ValidationError({"delegate_to": _("请选择转办对象。")})
                services.request_delegate(request=req, actor=user, to_user=to_user, comment=comment,
                                          expected_version=version)
                messages.success(request, _("已转办给 %(name)s。") % {"name": to_user.display_name})
            elif verb == "withdraw":
                services.request_withdraw(request=req, actor=user, comment=comment)
                messages.success(request, _("申请已撤回。"))
            elif verb == "resubmit":
                services.request_submit(request=req, actor=user)
                messages.success(request, _("已重新提交。"))
            elif verb == "retry":
                if not services.can_retry(user, req):
                    raise PermissionDenied(_("您没有执行此操作的权限。"))
                ok = services.outcome_retry(request=req, actor=user)
                (messages.success if ok else messages.error)(request, _("业务处理已完成。") if ok else
                                                             _("业务处理仍然失败，请查看错误信息。"))
            else:
                raise Http404
        except services.StaleRequest as exc:
            messages.error(request, exc.message)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("您没有执行此操作的权限。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect(back)

    @staticmethod
    def back_to(request) -> str:
        """The page the form asked to return to (``next``), when it is a page of this site."""
        target = request.POST.get("next", "")
        if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                                      require_https=request.is_secure()):
            return target
        return ""


class RoutePreviewView(ScopedViewMixin, View):
    """The whole route of a document not yet submitted (htmx fragment of the form pages): each step
    that applies, its approver unit and named approvers, or why it cannot finish. The business type's
    ``draft`` builder reads the page's form within the user's scope; nothing is saved."""

    model = ApprovalRequest
    require_model_permission = False  # what the user may file is checked by the draft builder's form

    def get(self, request):
        code = request.GET.get("business_type", "")
        try:
            btype = registry.get(code)
        except LookupError:
            raise Http404(_("记录不存在，或不在您的数据范围内。")) from None
        builder = btype.draft_builder()
        draft = builder(request.user, request.GET) if builder is not None else None
        plan = None
        if draft is not None:
            obj, values = draft
            plan = services.route_plan_for(business_type=code, obj=obj, applicant=request.user, values=values)
        return render(request, "workflow/_route_preview.html", {"plan": plan})


# Flow configuration ----------------------------------------------------------------------------


class FlowListView(ObjectListView):
    model = Flow
    title = gettext_lazy("审批流程配置")
    table = tables.FlowTable()
    filterset_class = filters.FlowFilter
    create_url_name = "workflow:flow_create"
    export_name = gettext_lazy("审批流程")
    breadcrumbs = [(gettext_lazy("审批流程配置"), None)]

    def optimize(self, queryset):
        return queryset.select_related("unit")


class FlowDetailView(ObjectDetailView):
    model = Flow
    template_name = "workflow/flow_detail.html"

    def optimize(self, queryset):
        return queryset.select_related("unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        flow, user = self.object, self.request.user
        from jiguan.org.models import OrgUnit

        units = OrgUnit.objects.filter(path__startswith=flow.unit.path).exclude(kind="department") \
            .order_by("path")
        preview_form = forms.PreviewForm(self.request.GET or None, units=units)
        if self.request.GET and preview_form.is_valid():
            amount = preview_form.cleaned_data.get("amount")
            context["preview"] = services.route_preview(
                flow, preview_form.cleaned_data["unit"], {"amount": str(amount) if amount is not None else None})
        context.update({
            "steps": list(flow.steps.select_related("approver_role", "fixed_unit").order_by("order")),
            "preview_form": preview_form,
            "can_change": user.has_perm("workflow.change_flow", flow),
            "breadcrumbs": [(_("审批流程配置"), reverse("workflow:flow_list")), (flow.name, None)],
        })
        return context


class FlowCreateView(ObjectFormView):
    model = Flow
    action = "add"
    form_class = forms.FlowForm
    success_message = gettext_lazy("流程已创建，请添加审批步骤。")

    def perform(self, form):
        return generic_create(form.save(commit=False))


class FlowUpdateView(ObjectFormView):
    model = Flow
    action = "change"
    form_class = forms.FlowForm
    success_message = gettext_lazy("流程已保存。")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Flow.objects.get(pk=self.get_object().pk)
        return kwargs

    def perform(self, form):
        return generic_update(self.get_object(), form.cleaned_data)


class StepFormView(ScopedViewMixin, View):
    """Add or edit one step of a flow (the flow's change permission, in scope)."""

    model = Flow
    action = "change"

    def dispatch_flow(self, pk):
        return get_object_or_404(self.get_queryset(), pk=pk)

    def get(self, request, pk, step_id=None):
        flow = self.dispatch_flow(pk)
        step = get_object_or_404(FlowStep, pk=step_id, flow=flow) if step_id else None
        form = forms.FlowStepForm(instance=step, flow=flow)
        return self.render(request, flow, form, step)

    def post(self, request, pk, step_id=None):
        flow = self.dispatch_flow(pk)
        step = get_object_or_404(FlowStep, pk=step_id, flow=flow) if step_id else None
        if step is not None and request.POST.get("delete"):
            try:
                with transaction.atomic():
                    audit.record_delete(step, audit.snapshot(step))
                    step.delete()
            except ProtectedError:
                messages.error(request, _("该步骤已有申请经过，不能删除；如不再需要，请停用本流程并新建流程。"))
                return redirect(flow.get_absolute_url())
            messages.success(request, _("步骤已删除。"))
            return redirect(flow.get_absolute_url())
        form = forms.FlowStepForm(request.POST, instance=step or FlowStep(flow=flow), flow=flow)
        if form.is_valid():
            try:
                if step is None:
                    generic_create(form.save(commit=False))
                else:
                    generic_update(FlowStep.objects.get(pk=step.pk), form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("步骤已保存。"))
                return redirect(flow.get_absolute_url())
        return self.render(request, flow, form, step)

    def render(self, request, flow, form, step):
        return render(request, "workflow/step_form.html", {
            "flow": flow, "form": form, "step": step,
            "title": _("编辑步骤") if step else _("添加步骤"),
            "breadcrumbs": [(_("审批流程配置"), reverse("workflow:flow_list")),
                            (flow.name, flow.get_absolute_url()), (_("步骤"), None)],
        })
