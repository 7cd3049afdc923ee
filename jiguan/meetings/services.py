"""Meeting room bookings (会议室预订): the meeting's details and its service requests on top of the
reservation engine's booking, and the service staff's work on them. The only writers of ``Meeting``
and ``ServiceRequest``; rooms are written by their register (registers.py)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.notifications import services as notifications
from jiguan.reservations import services as engine
from jiguan.reservations.models import BLOCKING_STATES, OccurrenceState

from .models import Layout, Meeting, Room, ServiceKind, ServiceRequest, ServiceState, codes

SERVICE_ROLE = "meeting_service"


def booking_url(reservation) -> str:
    return reverse("meetings:booking_detail", args=[reservation.pk])


def room_book_url(resource) -> str:
    return reverse("meetings:book", args=[resource.pk])


def service_staff(room):
    """Holders of 会务服务员 over the room's managing unit (at it, or above it with its subtree)."""
    from jiguan.org.models import Role, RoleAssignment, User
    from jiguan.workflow.routing import eligible_q

    role = Role.objects.filter(code=SERVICE_ROLE).first()
    if role is None:
        return User.objects.none()
    ids = RoleAssignment.objects.filter(eligible_q(role.pk, room.unit)).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("username")


@transaction.atomic
def book_room(*, room: Room, actor, subject: str, start: datetime.datetime, end: datetime.datetime,
              recurrence: str = "once", weekdays: str = "", until: datetime.date | None = None, booked_for=None,
              contact_phone: str = "", guest_count: int = 0, attendees=(), layout: str = "",
              services: list[tuple[str, str]] | None = None, note: str = "") -> Meeting:
    """Book ``room`` for a meeting: the engine's booking (rules, conflicts, approval), then the
    meeting (guests, attendees, layout) and, for each occurrence, the service requests, which the
    compound's service staff are told about."""
    errors = {}
    attendees = list(attendees or [])
    guests = int(guest_count or 0)
    if guests < 0:
        errors["guest_count"] = _("参会人数不能为负数。")
    elif room.capacity and max(guests, len(attendees)) > room.capacity:
        errors["guest_count"] = _("参会人数（%(n)d 人）超过 %(room)s 的容纳人数（%(cap)d 人）。") % {
            "n": max(guests, len(attendees)), "room": room.name, "cap": room.capacity}
    if layout and layout not in Layout.values:
        errors["layout"] = _("布局无效。")
    elif layout and layout not in codes(room.layouts):
        errors["layout"] = _("%(room)s 不提供“%(layout)s”布局。") % {"room": room.name, "layout": Layout(layout).label}
    services = [(k, (n or "").strip()[:200]) for k, n in (services or [])]
    if any(k not in ServiceKind.values for k, _n in services):
        errors["services"] = _("服务项目无效。")
    if errors:
        raise ValidationError(errors)
    reservation = engine.book(resource=room, actor=actor, subject=subject, start=start, end=end,
                              recurrence=recurrence, weekdays=weekdays, until=until, booked_for=booked_for,
                              contact_phone=contact_phone, note=note)
    meeting = Meeting.objects.create(reservation=reservation, guest_count=max(guests, len(attendees)),
                                     layout=layout)
    if attendees:
        meeting.attendees.set(attendees)
    if services:
        occurrences = list(reservation.occurrences.all())
        ServiceRequest.objects.bulk_create([ServiceRequest(occurrence=o, kind=k, note=n)
                                            for o in occurrences for k, n in services])
        if reservation.state == "confirmed":
            _tell_service_staff(room, reservation, occurrences, services)
    return meeting


def _tell_service_staff(room, reservation, occurrences, services) -> None:
    staff = list(service_staff(room))
    if not staff:
        return
    first = occurrences[0]
    labels = "、".join(str(ServiceKind(k).label) for k, _n in services)
    more = _("（共 %(n)d 场）") % {"n": len(occurrences)} if len(occurrences) > 1 else ""
    notifications.notify(recipients=staff, title=_("会务服务：%(span)s %(room)s「%(subject)s」需要%(what)s%(more)s") % {
        "span": engine.span_label(first.start, first.end), "room": room.name, "subject": reservation.subject,
        "what": labels, "more": more}, url=reverse("meetings:services"), topic=f"meetings.service.{reservation.pk}")


def occurrences_closed(occurrence_ids: list[int], state: str) -> None:
    """Engine hook: the open service requests of occurrences cancelled, rejected or released are
    cancelled too (the staff's list no longer shows them)."""
    ServiceRequest.objects.filter(occurrence_id__in=occurrence_ids,
                                  state__in=(ServiceState.REQUESTED, ServiceState.ACCEPTED)).update(
        state=ServiceState.CANCELLED)


def approved(reservation) -> None:
    """After a booking's approval confirmed occurrences: their service requests reach the staff."""
    rows = list(reservation.occurrences.filter(state__in=BLOCKING_STATES).order_by("start"))
    kinds = list(ServiceRequest.objects.filter(occurrence__in=rows, state=ServiceState.REQUESTED)
                 .values_list("kind", "note").distinct())
    if rows and kinds:
        _tell_service_staff(reservation.resource.room, reservation, rows, kinds)


def split(old, new) -> None:
    """Engine hook: a series split by an edit of "this and later" keeps its meeting on both parts."""
    meeting = Meeting.objects.filter(reservation=old).first()
    if meeting is None:
        return
    copy = Meeting.objects.create(reservation=new, guest_count=meeting.guest_count, layout=meeting.layout)
    copy.attendees.set(meeting.attendees.all())


def _service_policy(actor, request: ServiceRequest) -> None:
    if not actor.has_perm("meetings.change_servicerequest", request):
        raise PermissionDenied(_("您没有处理该会务服务的权限。"))


@transaction.atomic
def service_accept(*, request: ServiceRequest, actor) -> ServiceRequest:
    """接单: a service staff member takes the request."""
    _service_policy(actor, request)
    request = ServiceRequest.objects.select_for_update().select_related("occurrence__reservation").get(pk=request.pk)
    if request.state != ServiceState.REQUESTED:
        raise ValidationError(_("该服务请求%(state)s，不能接单。") % {"state": request.get_state_display()})
    if request.occurrence.state not in (OccurrenceState.CONFIRMED, OccurrenceState.CHECKED_IN):
        raise ValidationError(_("该场会议%(state)s，无需服务。") % {"state": request.occurrence.get_state_display()})
    before = audit.snapshot(request, ["state"])
    request.state, request.accepted_by, request.accepted_at = ServiceState.ACCEPTED, actor, timezone.now()
    request.save(update_fields=["state", "accepted_by", "accepted_at"])
    audit.record_update(request, before)
    return request


@transaction.atomic
def service_complete(*, request: ServiceRequest, actor) -> ServiceRequest:
    """完成: the service was given (a request not yet taken is taken and completed at once)."""
    _service_policy(actor, request)
    request = ServiceRequest.objects.select_for_update().select_related("occurrence__reservation").get(pk=request.pk)
    if request.state not in (ServiceState.REQUESTED, ServiceState.ACCEPTED):
        raise ValidationError(_("该服务请求%(state)s，不能完成。") % {"state": request.get_state_display()})
    before = audit.snapshot(request, ["state"])
    now = timezone.now()
    if request.accepted_by_id is None:
        request.accepted_by, request.accepted_at = actor, now
    request.state, request.done_by, request.done_at = ServiceState.DONE, actor, now
    request.save(update_fields=["state", "accepted_by", "accepted_at", "done_by", "done_at"])
    audit.record(Action.UPDATE, request, before=before, after={"state": ServiceState.DONE},
                 message=_("会务服务已完成"))
    r = request.occurrence.reservation
    notifications.notify(recipients=[r.holder], title=_("会务服务已完成：%(what)s（%(o)s）") % {
        "what": request.get_kind_display(), "o": str(request.occurrence)}, url=booking_url(r),
        topic=f"meetings.service.{r.pk}")
    return request
