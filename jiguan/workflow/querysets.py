from django.db.models import Q

from jiguan.core.scoping import ScopedQuerySet, permission_name


class ApprovalRequestQuerySet(ScopedQuerySet):
    def restrict(self, user, action: str = "view"):
        """A request is visible to its data scope (holders of workflow.view_approvalrequest over its
        business unit, or over the applicant's unit), to its applicant, to everyone who acted on it and
        to its current approvers; requests that need help (stuck, or an outcome not applied) also to the
        configurers of flows over their business unit.
        Routing grants sight: the finance bureau's approver sees a county's request waiting for them."""
        from .models import ApprovalAction
        from .routing import todo_q

        if user is None or not user.is_authenticated:
            return self.none()
        if action != "view":
            return super().restrict(user, action)
        scope = user.get_scope(permission_name(self.model, "view"))
        participated = ApprovalAction.objects.filter(actor=user).values("request_id")
        visible = Q(applicant=user) | Q(pk__in=participated) | todo_q(user)
        if scope.is_global:
            return self
        if not scope.is_empty:
            visible |= scope.q(self.model.scope_path) | scope.q("applicant_unit__path")
        # The unit's administrators (flow configurers) are told about requests that cannot move on
        # and outcomes that failed: they see those requests, to fix the route or retry the outcome.
        configure = user.get_scope("workflow.change_flow")
        if not configure.is_empty:
            needs_help = Q(stuck_reason__gt="") | Q(decided_at__isnull=False, outcome_applied_at__isnull=True)
            visible |= needs_help & (Q() if configure.is_global else configure.q(self.model.scope_path))
        return self.filter(visible)

    def todo_for(self, user):
        from .models import RequestStatus
        from .routing import todo_q

        return self.filter(todo_q(user), status=RequestStatus.PENDING).exclude(applicant=user)
