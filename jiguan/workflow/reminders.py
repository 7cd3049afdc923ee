"""Approval reminders (催办) and the pending approvals of the daily summary (每日汇总).

A pending request waits at its current step since its last action (submitted, approved on from the
step before, delegated: ``ApprovalAction.at``). Once it has waited ``JIGUAN_REMINDER_AFTER_HOURS``
(default 24, calendar hours: the platform has no holiday calendar) its current approvers are reminded,
and again every as many hours while it still waits; ``ApprovalRequest.reminded_at`` records the
last reminder, claimed under row locks (``skip_locked``), so two runs at once never remind twice.

The approvers are those of 我的待办 (``routing.todo_q``): the delegate when there is one, otherwise the
active holders of the step's role over the approver unit (at it, or above it with its subtree), never
the applicant. They are found for every request at once: one query for the requests, one for the
assignments, whatever their number.

Run by the Celery task ``jiguan.workflow.tasks.remind`` (CELERY_BEAT_SCHEDULE["approval-reminders"],
hourly) or ``manage.py approval_reminders`` from cron.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.notifications import services as notifications
from jiguan.notifications.digest import Line
from jiguan.org.models import RoleAssignment

from .models import ApprovalAction, ApprovalRequest, RequestStatus
from .routing import path_prefixes

LISTED = 5  # request titles named in a reminder of several


def after_hours() -> float:
    return float(getattr(settings, "JIGUAN_REMINDER_AFTER_HOURS", 24))


def _waiting_since():
    return Subquery(ApprovalAction.objects.filter(request=OuterRef("pk")).order_by("-id").values("at")[:1])


def _pending():
    return ApprovalRequest.objects.filter(status=RequestStatus.PENDING).annotate(waiting_since=_waiting_since())


def _rows(queryset) -> list[dict]:
    return list(queryset.values("pk", "title", "applicant_id", "assignee_id", "waiting_since",
                                role_id=F("current_step__approver_role_id"), unit_path=F("approver_unit__path")))


def approvers(rows: list[dict]) -> dict[int, set[int]]:
    """``{request id: {user id, ...}}``: who may decide each request now (module docstring)."""
    from jiguan.org.models import User

    found: dict[int, set[int]] = {}
    roles, prefixes, delegates = set(), set(), set()
    for row in rows:
        if row["assignee_id"]:
            delegates.add(row["assignee_id"])
        elif row["role_id"] and row["unit_path"]:
            roles.add(row["role_id"])
            prefixes.update(path_prefixes(row["unit_path"]))
    holders = defaultdict(list)  # (role, unit path) -> [(user, include_descendants)]
    if roles:
        for a in RoleAssignment.objects.filter(role_id__in=roles, role__is_active=True, unit__path__in=prefixes,
                                               user__is_active=True).values("user_id", "role_id", "unit__path",
                                                                            "include_descendants"):
            holders[(a["role_id"], a["unit__path"])].append((a["user_id"], a["include_descendants"]))
    active_delegates = set(User.objects.filter(pk__in=delegates, is_active=True).values_list("pk", flat=True)) \
        if delegates else set()
    for row in rows:
        if row["assignee_id"]:
            users = {row["assignee_id"]} & active_delegates
        else:
            users = set()
            for prefix in path_prefixes(row["unit_path"] or ""):
                for user_id, subtree in holders.get((row["role_id"], prefix), ()):
                    if subtree or prefix == row["unit_path"]:
                        users.add(user_id)
        users.discard(row["applicant_id"])
        found[row["pk"]] = users
    return found


def _hours(since: dt.datetime, now: dt.datetime) -> int:
    return int((now - since).total_seconds() // 3600)


def reminders_send(*, now: dt.datetime | None = None, hours: float | None = None) -> dict[str, int]:
    """Remind the approvers of every request that has waited ``hours`` (JIGUAN_REMINDER_AFTER_HOURS) at
    its step and was not reminded in the last ``hours``: one notification per approver (naming the
    request, or counting several and naming the oldest). Returns ``{"requests": n, "notifications": m}``."""
    now = now or timezone.now()
    hours = after_hours() if hours is None else hours
    due = now - dt.timedelta(hours=hours)
    with transaction.atomic():
        overdue = _pending().filter(waiting_since__lte=due).filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=due))
        ids = list(ApprovalRequest.objects.filter(pk__in=Subquery(overdue.values("pk")))
                   .select_for_update(skip_locked=True).values_list("pk", flat=True))
        if not ids:
            return {"requests": 0, "notifications": 0}
        # Claimed: a run beside this one skips these rows (locked) and then finds them reminded.
        ApprovalRequest.objects.filter(pk__in=ids).update(reminded_at=now)
        rows = _rows(_pending().filter(pk__in=ids).order_by("waiting_since", "pk"))
        deciders = approvers(rows)
        per_user: dict[int, list[dict]] = defaultdict(list)
        for row in rows:  # oldest first
            for user_id in deciders[row["pk"]]:
                per_user[user_id].append(row)
        messages = [(user_id, *reminder(waiting, now)) for user_id, waiting in sorted(per_user.items())]
        notifications.notify_each(messages)
    return {"requests": len(ids), "notifications": len(messages)}


def reminder(waiting: list[dict], now: dt.datetime) -> tuple[str, str, str]:
    """(title, body, url) of one approver's reminder about ``waiting`` (oldest first)."""
    oldest = waiting[0]
    if len(waiting) == 1:
        return (_("催办：%(title)s") % {"title": oldest["title"]},
                _("该审批已在您这里等待 %(h)d 小时，请及时处理。") % {"h": _hours(oldest["waiting_since"], now)},
                reverse("workflow:request_detail", args=[oldest["pk"]]))
    named = "、".join(row["title"] for row in waiting[:LISTED])
    more = _("等 %(n)d 项") % {"n": len(waiting)} if len(waiting) > LISTED else ""
    return (_("催办：%(n)d 项审批等待您处理") % {"n": len(waiting)},
            _("最久的已等待 %(h)d 小时：%(titles)s%(more)s。") % {
                "h": _hours(oldest["waiting_since"], now), "titles": named, "more": more},
            reverse("workflow:todo"))


def pending_section(day: dt.date) -> dict[int, list[Line]]:  # noqa: ARG001 - pending now, whatever the day
    """The daily summary's line for each user with approvals waiting: how many, and the oldest."""
    now = timezone.now()
    rows = _rows(_pending().order_by("waiting_since", "pk"))
    per_user: dict[int, list[dict]] = defaultdict(list)
    for request_id, users in approvers(rows).items():
        for user_id in users:
            per_user[user_id].append(request_id)
    by_pk = {row["pk"]: row for row in rows}
    lines = {}
    for user_id, request_ids in per_user.items():
        oldest = min((by_pk[pk] for pk in request_ids), key=lambda r: (r["waiting_since"] or now, r["pk"]))
        since = timezone.localtime(oldest["waiting_since"]).strftime("%m-%d %H:%M") if oldest["waiting_since"] else ""
        lines[user_id] = [Line(_("待办审批 %(n)d 项，最早的是“%(title)s”（%(since)s 起等待）") % {
            "n": len(request_ids), "title": oldest["title"], "since": since}, reverse("workflow:todo"))]
    return lines
