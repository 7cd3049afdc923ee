"""Who approves a step: the unit where the approver sits, and the users who may act there."""

from __future__ import annotations

from django.db.models import Q

from jiguan.org.models import PATH_SEPARATOR, OrgKind, OrgUnit, RoleAssignment, User

from .models import ApproverRelation, FlowStep


def path_prefixes(path: str) -> list[str]:
    """'/1/7/42/' -> ['/1/', '/1/7/', '/1/7/42/'] (root first)."""
    parts = [p for p in path.split(PATH_SEPARATOR) if p]
    return [PATH_SEPARATOR + PATH_SEPARATOR.join(parts[:i]) + PATH_SEPARATOR for i in range(1, len(parts) + 1)]


def applying_unit(unit: OrgUnit) -> OrgUnit:
    """The unit that applies: a department (内设机构) applies through the agency it belongs to."""
    if unit.kind != OrgKind.DEPARTMENT:
        return unit
    chain = OrgUnit.objects.filter(path__in=path_prefixes(unit.path)).exclude(kind=OrgKind.DEPARTMENT)
    return chain.order_by("-depth").first() or unit


def approver_unit(step: FlowStep, business_unit: OrgUnit, counterparty_unit: OrgUnit | None = None) -> OrgUnit | None:
    """The unit whose holders of ``step.approver_role`` decide this step for a request of
    ``business_unit`` (the unit whose business it is, declared by the business type: the 调出单位 of
    a transfer, whoever files it) and, for business with two units, ``counterparty_unit`` (the
    receiving unit of a transfer)."""
    base = applying_unit(business_unit)
    if step.relation == ApproverRelation.SAME_UNIT:
        return base
    if step.relation == ApproverRelation.COUNTERPARTY_UNIT:
        return applying_unit(counterparty_unit) if counterparty_unit is not None else None
    if step.relation == ApproverRelation.PARENT_UNIT:
        return base.parent
    if step.relation == ApproverRelation.FIXED_UNIT:
        return step.fixed_unit
    ancestors = list(OrgUnit.objects.filter(path__in=path_prefixes(base.path)).order_by("-depth"))
    if step.relation == ApproverRelation.NEAREST_KIND:
        return next((u for u in ancestors if u.kind == step.unit_kind), None)
    if step.relation == ApproverRelation.NEAREST_NAMED:
        # The nearest level that has a unit named like the keyword: itself, or a child of an ancestor.
        keyword = step.unit_keyword
        candidates = list(OrgUnit.objects.filter(Q(parent__in=ancestors) | Q(pk__in=[u.pk for u in ancestors]),
                                                 name__contains=keyword, is_active=True)
                          .exclude(kind=OrgKind.DEPARTMENT))
        by_depth = sorted(candidates, key=lambda u: (-u.depth, u.path))
        for level in ancestors:
            for unit in by_depth:
                if unit.pk == level.pk or unit.parent_id == level.pk:
                    return unit
        return None
    return None


def eligible_q(role_id: int, unit: OrgUnit) -> Q:
    """Assignments of ``role_id`` that cover ``unit`` (at it, or above it with descendants)."""
    return Q(role_id=role_id) & (Q(unit__path=unit.path) |
                                 Q(unit__path__in=path_prefixes(unit.path), include_descendants=True))


def eligible_approvers(step: FlowStep, unit: OrgUnit, exclude=None):
    """Active holders of the step's role over ``unit``; ``exclude``: a user who may not decide (the
    applicant never approves their own request)."""
    user_ids = RoleAssignment.objects.filter(eligible_q(step.approver_role_id, unit)).values("user_id")
    users = User.objects.filter(pk__in=user_ids, is_active=True).order_by("username")
    return users.exclude(pk=exclude.pk) if exclude is not None else users


def administrators(unit: OrgUnit):
    """The unit's system administrators (系统管理员 over it, at it or above it with its subtree): told
    when a request of the unit cannot move on."""
    from jiguan.org.models import Role

    role = Role.objects.filter(code="system_admin").first()
    if role is None:
        return User.objects.none()
    user_ids = RoleAssignment.objects.filter(eligible_q(role.pk, unit)).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_active=True).order_by("username")


def is_eligible(user, step: FlowStep, unit: OrgUnit) -> bool:
    return RoleAssignment.objects.filter(eligible_q(step.approver_role_id, unit), user=user).exists()


def todo_q(user, prefix: str = "") -> Q:
    """Requests waiting for ``user``: delegated to them, or at a step of a role they hold over the
    approver unit. Built from the user's few assignments (read once per request with the user's
    permissions, ``User.role_assignments``), not from a list of units."""
    condition = Q(**{f"{prefix}assignee": user})
    for a in user.role_assignments():
        unit_match = (Q(**{f"{prefix}approver_unit__path__startswith": a.unit.path}) if a.include_descendants
                      else Q(**{f"{prefix}approver_unit__path": a.unit.path}))
        condition |= Q(**{f"{prefix}assignee__isnull": True, f"{prefix}current_step__approver_role_id": a.role_id}) \
            & unit_match
    return condition
