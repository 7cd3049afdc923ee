"""The reservation engine's writes (预订): book, edit, cancel, approve, block, check in, release,
wait, remind. The only writers of ``Reservation``, ``Occurrence``, ``Blocking`` and ``WaitlistEntry``.

**No double booking.** Every write that makes an occurrence blocking runs in one transaction that
first locks the resource's row (``select_for_update``; on SQLite every transaction is ``BEGIN
IMMEDIATE``, so the check and the insert are serialised by the database's write lock), then looks
for a blocking occurrence whose span (its times widened by the buffers) overlaps, and refuses with
``BookingConflict`` (409 in the API) naming it, with suggestions. On PostgreSQL the exclusion
constraint ``reservations_no_overlap`` (migration 0002) refuses any overlap whatever wrote it.

A **pending** occurrence (the resource needs approval) blocks nothing: several may wait for one slot.
Approving one confirms its occurrences (those that collide with a confirmed one by then are rejected)
and rejects the pending occurrences of other bookings that collide with them, with the reason.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core.locks import ObjectLocked
from jiguan.notifications import services as notifications
from jiguan.workflow.routing import applying_unit

from . import policies, registry
from .models import (
    BLOCKING_STATES,
    OPEN_STATES,
    Blocking,
    Occurrence,
    OccurrenceState,
    Recurrence,
    Reservation,
    ReservationKind,
    ReservationState,
    Resource,
    WaitlistEntry,
    WaitState,
)

MAX_OCCURRENCES = 200      # occurrences of one series, at most
CHECK_IN_EARLY = 15        # minutes before the start from which one may check in
SUGGESTIONS = 4            # other times and other resources offered with a conflict
TOPIC = "reservations"


def local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value)


def span_label(start: datetime.datetime, end: datetime.datetime) -> str:
    s, e = local(start), local(end)
    if s.date() == e.date():
        return f"{s:%Y-%m-%d %H:%M}–{e:%H:%M}"
    return f"{s:%Y-%m-%d %H:%M} – {e:%Y-%m-%d %H:%M}"


# Conflicts ------------------------------------------------------------------------------------


class BookingConflict(ObjectLocked):
    """The resource is taken at (some of) the asked times. ``clashes``: the blocking occurrences
    collided with; ``suggestions``: ``{"times": [{"start", "end"}], "resources": [{"id", "name",
    "capacity"}]}``, other times of the same resource and other free resources that fit. The API
    answers 409 ``conflict`` with both (``core.rest``)."""

    def __init__(self, resource: Resource, clashes: list[Occurrence], suggestions: dict | None = None,
                 field: str | None = None, show_subject=lambda o: True):
        self.resource = resource
        self.clashes = clashes
        self.suggestions = suggestions or {"times": [], "resources": []}
        self.conflicts = [{
            "object": resource.name, "object_id": resource.pk, "noun": _("资源"),
            "document": conflict_label(o, show_subject(o)), "document_type": _("预订"),
            "occurrence_id": o.pk, "start": o.start.isoformat(), "end": o.end.isoformat(),
        } for o in clashes]
        self.extra = {"suggestions": self.suggestions}
        messages = [_("%(name)s 在 %(span)s 已被占用：%(booking)s。") % {
            "name": resource.name, "span": span_label(o.start, o.end), "booking": c["document"]}
            for o, c in zip(clashes, self.conflicts, strict=True)] or [_("%(name)s 在所选时间已被占用。") % {
                "name": resource.name}]
        ValidationError.__init__(self, {field: messages} if field else messages)


def conflict_label(occurrence: Occurrence, show_subject: bool = True) -> str:
    r = occurrence.reservation
    if r.kind == ReservationKind.BLOCKING:
        return _("公务保障「%(title)s」") % {"title": r.subject}
    who = r.holder.display_name if hasattr(r.holder, "display_name") else str(r.holder)
    if not show_subject:
        return _("%(unit)s的预订") % {"unit": r.unit.name}
    return _("「%(subject)s」（%(who)s，%(unit)s）") % {"subject": r.subject, "who": who, "unit": r.unit.name}


@dataclass
class Slot:
    start: datetime.datetime
    end: datetime.datetime
    block_start: datetime.datetime
    block_end: datetime.datetime


def slot(resource: Resource, start: datetime.datetime, end: datetime.datetime) -> Slot:
    return Slot(start, end, start - datetime.timedelta(minutes=resource.buffer_before),
                end + datetime.timedelta(minutes=resource.buffer_after))


def clashes(resource: Resource, slots: list[Slot], exclude: Iterable[int] = ()) -> list[Occurrence]:
    """The blocking occurrences of ``resource`` whose span overlaps one of ``slots``' spans (one
    query over the slots' whole range, the overlap tested per slot)."""
    if not slots:
        return []
    lo, hi = min(s.block_start for s in slots), max(s.block_end for s in slots)
    rows = (Occurrence.objects.filter(resource=resource, state__in=BLOCKING_STATES, block_start__lt=hi,
                                      block_end__gt=lo)
            .exclude(pk__in=list(exclude))
            .select_related("reservation__unit", "reservation__booked_by", "reservation__booked_for")
            .order_by("start"))
    found = []
    for o in rows:
        if any(o.block_start < s.block_end and o.block_end > s.block_start for s in slots):
            found.append(o)
    return found


def busy_spans(resource_ids: Iterable[int], lo: datetime.datetime, hi: datetime.datetime) -> dict[int, list]:
    """Blocking spans per resource between ``lo`` and ``hi``: one query."""
    spans: dict[int, list] = {}
    rows = Occurrence.objects.filter(resource_id__in=list(resource_ids), state__in=BLOCKING_STATES,
                                     block_start__lt=hi, block_end__gt=lo).values_list(
        "resource_id", "block_start", "block_end")
    for rid, bs, be in rows:
        spans.setdefault(rid, []).append((bs, be))
    return spans


def is_free(spans: list, s: Slot) -> bool:
    return all(not (bs < s.block_end and be > s.block_start) for bs, be in spans)


def suggest_times(resource: Resource, start: datetime.datetime, end: datetime.datetime,
                  limit: int = SUGGESTIONS) -> list[dict]:
    """Other times of the same resource of the same length: that day (nearest first, half-hour
    steps within opening hours), then the same hours on the next open days."""
    length = end - start
    day = local(start).date()
    step = datetime.timedelta(minutes=30)
    candidates = []
    open_start, open_end = resource.open_window(day)
    t = open_start
    while t + length <= open_end:
        if t != start and t >= timezone.now():
            candidates.append(t)
        t += step
    candidates.sort(key=lambda c: abs((c - start).total_seconds()))
    nxt = day
    for _i in range(14):
        nxt += datetime.timedelta(days=1)
        if resource.opens_on(nxt):
            candidates.append(datetime.datetime.combine(nxt, local(start).time(), tzinfo=local(start).tzinfo))
    if not candidates:
        return []
    lo = min(candidates) - datetime.timedelta(minutes=resource.buffer_before)
    hi = max(candidates) + length + datetime.timedelta(minutes=resource.buffer_after)
    spans = busy_spans([resource.pk], lo, hi).get(resource.pk, [])
    found = []
    for c in candidates:
        if is_free(spans, slot(resource, c, c + length)) and resource.opens_on(local(c).date()):
            found.append({"start": c.isoformat(), "end": (c + length).isoformat(),
                          "label": span_label(c, c + length)})
            if len(found) >= limit:
                break
    return found


def free_resources(candidates, start: datetime.datetime, end: datetime.datetime) -> list[Resource]:
    """Of ``candidates`` (resources, a list or queryset), those free from ``start`` to ``end``,
    buffers included: one query for the lot."""
    candidates = list(candidates)
    if not candidates:
        return []
    pad = datetime.timedelta(minutes=max(max(r.buffer_before, r.buffer_after) for r in candidates))
    spans = busy_spans([r.pk for r in candidates], start - pad, end + pad)
    return [r for r in candidates if is_free(spans.get(r.pk, []), slot(r, start, end))]


def suggestions(resource: Resource, start, end, actor) -> dict:
    kind = registry.get(resource.kind)
    others = kind.call("alternatives", resource, start, end, actor, SUGGESTIONS)
    if others is None:
        pool = (Resource.objects.filter(kind=resource.kind, unit=resource.unit, is_active=True)
                .exclude(pk=resource.pk).select_related("unit").prefetch_related("allowed_units", "allowed_roles")
                .order_by("capacity", "name")[:50])
        if resource.capacity:
            pool = [r for r in pool if (r.capacity or 0) >= resource.capacity]
        others = [r for r in free_resources([r for r in pool if policies.may_book(actor, r)], start, end)]
    return {"times": suggest_times(resource, start, end),
            "resources": [{"id": r.pk, "name": r.name, "capacity": r.capacity} for r in others[:SUGGESTIONS]]}


# Series --------------------------------------------------------------------------------------


def _add_months(day: datetime.date, months: int) -> datetime.date | None:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    if day.day > calendar.monthrange(year, month)[1]:
        return None  # a month without that day is skipped (the 31st)
    return day.replace(year=year, month=month)


def expand(resource: Resource, *, recurrence: str, first: datetime.date, until: datetime.date | None,
           weekdays: str = "", count: int | None = None) -> list[datetime.date]:
    """The dates of a series: every open day (daily), the chosen weekdays (weekly), the same day of
    each month (monthly), from ``first`` to ``until`` or ``count`` dates, at most MAX_OCCURRENCES."""
    if recurrence == Recurrence.ONCE:
        return [first]
    limit = min(count or MAX_OCCURRENCES, MAX_OCCURRENCES)
    last = until or (first + datetime.timedelta(days=366))
    dates: list[datetime.date] = []
    if recurrence == Recurrence.MONTHLY:
        n = 0
        while len(dates) < limit:
            day = _add_months(first, n)
            n += 1
            if day is None:
                if n > 24:
                    break
                continue
            if day > last:
                break
            dates.append(day)
        return dates
    chosen = set(weekdays or str(first.isoweekday())) if recurrence == Recurrence.WEEKLY else None
    day = first
    while day <= last and len(dates) < limit:
        if (chosen is None and resource.opens_on(day)) or (chosen is not None and str(day.isoweekday()) in chosen):
            dates.append(day)
        day += datetime.timedelta(days=1)
    return dates


def _combine(day: datetime.date, t: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, t, tzinfo=timezone.get_current_timezone())


def check_rules(resource: Resource, starts_ends: list[tuple], actor, *, manager: bool) -> dict:
    """The resource's rules for each occurrence: open day and hours, length, notice and advance
    (its managers are held to the hours only). Errors by field, in Chinese; one message per rule."""
    errors: dict[str, str] = {}
    now = timezone.now()
    for start, end in starts_ends:
        if end <= start:
            errors["end"] = _("结束时间须晚于开始时间。")
            break
        s, e = local(start), local(end)
        if not resource.opens_on(s.date()) or not resource.opens_on(e.date()):
            errors["start"] = _("%(name)s 在 %(day)s 不开放（开放日：%(days)s）。") % {
                "name": resource.name, "day": f"{s:%Y-%m-%d}", "days": weekday_label(resource.open_weekdays)}
            break
        if s.time() < resource.open_from or e.time() > resource.open_until or (
                s.date() != e.date() and not (resource.open_from == datetime.time(0, 0))):
            errors["start"] = _("%(name)s 的开放时间为 %(from)s–%(until)s，所选时间不在其内。") % {
                "name": resource.name, "from": f"{resource.open_from:%H:%M}", "until": f"{resource.open_until:%H:%M}"}
            break
        if resource.max_length and (end - start) > datetime.timedelta(minutes=resource.max_length):
            errors["end"] = _("%(name)s 单次最长可预订 %(n)d 分钟。") % {"name": resource.name, "n": resource.max_length}
            break
        if not manager:
            if start < now + datetime.timedelta(minutes=resource.min_notice):
                errors["start"] = (_("开始时间已过。") if start < now else
                                   _("%(name)s 须至少提前 %(n)d 分钟预订。") % {"name": resource.name,
                                                                          "n": resource.min_notice})
                break
            if s.date() > timezone.localdate() + datetime.timedelta(days=resource.max_advance):
                errors["start"] = _("%(name)s 最多可提前 %(n)d 天预订。") % {"name": resource.name,
                                                                     "n": resource.max_advance}
                break
    return errors


WEEKDAY_NAMES = {"1": "一", "2": "二", "3": "三", "4": "四", "5": "五", "6": "六", "7": "日"}


def weekday_label(days: str) -> str:
    days = "".join(sorted(set(days or "")))
    if days == "12345":
        return _("工作日（星期一至星期五）")
    if days == "1234567":
        return _("每天")
    return "、".join(_("星期%(d)s") % {"d": WEEKDAY_NAMES[d]} for d in sorted(days or "") if d in WEEKDAY_NAMES)


def _lock(resource: Resource) -> Resource:
    return Resource.objects.select_for_update().select_related("unit").get(pk=resource.pk)


def _insert(occurrences: list[Occurrence], resource: Resource, actor) -> None:
    """Bulk-insert occurrences; on PostgreSQL the exclusion constraint is the last word."""
    try:
        with transaction.atomic():
            Occurrence.objects.bulk_create(occurrences)
    except IntegrityError as exc:
        if "reservations_no_overlap" not in str(exc):
            raise
        raise BookingConflict(resource, [], {"times": [], "resources": []}) from exc


@transaction.atomic
def book(*, resource: Resource, actor, subject: str, start: datetime.datetime, end: datetime.datetime,
         recurrence: str = Recurrence.ONCE, weekdays: str = "", until: datetime.date | None = None,
         count: int | None = None, booked_for=None, unit=None, contact_phone: str = "", note: str = "",
         field: str | None = None) -> Reservation:
    """Book ``resource`` from ``start`` to ``end`` (the first occurrence) and, for a series, on the
    dates of ``recurrence`` until ``until`` (or ``count`` dates). Confirmed at once, or pending with
    an approval request when the resource requires approval (its managers book without one). The
    booking unit is the holder's agency (a department books as its agency). Raises PermissionDenied, ValidationError (rules, by field) or
    BookingConflict (naming each clash, with suggestions)."""
    policies.book(actor, resource)
    manager = policies.may_manage(actor, resource)
    subject = (subject or "").strip()
    errors = {}
    if not subject:
        errors["subject"] = _("请填写事由。")
    if recurrence not in Recurrence.values:
        errors["recurrence"] = _("重复方式无效。")
    if recurrence != Recurrence.ONCE and until is None and not count:
        errors["until"] = _("重复预订须填写结束日期。")
    if until is not None and until < local(start).date():
        errors["until"] = _("结束日期不能早于开始日期。")
    if weekdays and any(c not in "1234567" for c in weekdays):
        errors["weekdays"] = _("每周的哪几天须为 1–7。")
    if errors:
        raise ValidationError(errors)
    s, e = local(start), local(end)
    dates = expand(resource, recurrence=recurrence, first=s.date(), until=until, weekdays=weekdays, count=count)
    if not dates:
        raise ValidationError({"until": _("所选重复方式在这段日期内没有可预订的日子。")})
    days = (e.date() - s.date())
    pairs = [(_combine(d, s.time()), _combine(d + days, e.time())) for d in dates]
    errors = check_rules(resource, pairs, actor, manager=manager)
    if errors:
        raise ValidationError(errors)
    resource = _lock(resource)
    holder = booked_for or actor
    pending = resource.requires_approval and not manager
    slots = [slot(resource, a, b) for a, b in pairs]
    if not pending:
        found = clashes(resource, slots)
        if found:
            raise BookingConflict(resource, found, suggestions(resource, start, end, actor), field=field,
                                  show_subject=lambda o: policies.may_see_booking(actor, o.reservation))
    reservation = Reservation(
        resource=resource, unit=unit or applying_unit(holder.unit), subject=subject, booked_by=actor,
        booked_for=booked_for if booked_for is not None and booked_for.pk != actor.pk else None,
        contact_phone=(contact_phone or "").strip(), recurrence=recurrence,
        weekdays=weekdays if recurrence == Recurrence.WEEKLY else "", first_date=dates[0],
        until_date=dates[-1] if recurrence != Recurrence.ONCE else None, start_time=s.time(), end_time=e.time(),
        state=ReservationState.PENDING if pending else ReservationState.CONFIRMED, note=(note or "").strip())
    reservation.full_clean(exclude=["blocking"])
    reservation.save()
    state = OccurrenceState.PENDING if pending else OccurrenceState.CONFIRMED
    _insert([Occurrence(reservation=reservation, resource=resource, start=x.start, end=x.end,
                        block_start=x.block_start, block_end=x.block_end, state=state) for x in slots],
            resource, actor)
    audit.record_create(reservation, message=_("预订 %(name)s：%(span)s，共 %(n)d 场") % {
        "name": resource.name, "span": span_label(start, end), "n": len(slots)})
    if pending:
        kind = registry.get(resource.kind)
        from jiguan.workflow import services as workflow

        hours = round((end - start).total_seconds() / 3600 * len(slots), 2)
        workflow.request_start(
            business_type=kind.business_type, obj=reservation, applicant=actor,
            title=_("%(kind)s预订：%(name)s %(span)s「%(subject)s」") % {
                "kind": kind.label, "name": resource.name, "span": span_label(start, end), "subject": subject},
            values={"hours": hours, "count": len(slots)})
    return reservation


# Cancelling and editing ----------------------------------------------------------------------


def booking_url(reservation: Reservation) -> str:
    url = registry.get(reservation.resource.kind).call("booking_url", reservation)
    return url or ""


def _notify_holders(occurrences: list[Occurrence], title: str, body: str, actor=None) -> None:
    """Tell each booking's booker and holder (not the actor) once per booking."""
    by_res: dict[int, Reservation] = {}
    for o in occurrences:
        by_res.setdefault(o.reservation_id, o.reservation)
    messages = []
    for r in by_res.values():
        people = {r.booked_by_id: r.booked_by}
        if r.booked_for_id:
            people[r.booked_for_id] = r.booked_for
        if r.kind != ReservationKind.BOOKING:
            continue
        text = title % {"subject": r.subject, "name": r.resource.name}
        url = booking_url(r)
        messages.extend((uid, text, body, url) for uid in people if actor is None or uid != actor.pk)
    if messages:
        notifications.notify_each(messages)


def _close(occurrences: list[Occurrence], state: str, reason: str, actor=None) -> list[Occurrence]:
    """Set ``state`` and ``reason`` on the open ones of ``occurrences`` (set-based), audit once per
    booking, call the kind's ``on_closed`` and offer the freed slots to the waitlist."""
    open_ones = [o for o in occurrences if o.state in OPEN_STATES]
    if not open_ones:
        return []
    ids = [o.pk for o in open_ones]
    Occurrence.objects.filter(pk__in=ids).update(state=state, state_reason=reason[:200], updated_at=timezone.now())
    freed = [o for o in open_ones if o.state in BLOCKING_STATES]
    for o in open_ones:
        o.state, o.state_reason = state, reason[:200]
    by_res: dict[int, list[Occurrence]] = {}
    for o in open_ones:
        by_res.setdefault(o.reservation_id, []).append(o)
    for items in by_res.values():
        r = items[0].reservation
        audit.record(Action.STATE, r, actor=actor, message=_("%(n)d 场%(state)s：%(reason)s") % {
            "n": len(items), "state": OccurrenceState(state).label, "reason": reason or "—"},
            after={"state": state, "occurrences": [o.pk for o in items]})
        if not r.occurrences.filter(state__in=OPEN_STATES).exists() and r.state in (
                ReservationState.PENDING, ReservationState.CONFIRMED):
            series_state = ReservationState.REJECTED if state == OccurrenceState.REJECTED else (
                ReservationState.CANCELLED if state == OccurrenceState.CANCELLED else r.state)
            Reservation.objects.filter(pk=r.pk).update(state=series_state, updated_at=timezone.now())
            r.state = series_state
    kinds = {o.resource.kind for o in open_ones}
    for code in kinds:
        registry.get(code).call("on_closed", [o.pk for o in open_ones if o.resource.kind == code], state)
    if freed:
        transaction.on_commit(lambda: offer_waitlist([(o.resource_id, o.start, o.end) for o in freed]))
    return open_ones


def _scoped(occurrence: Occurrence, scope: str) -> list[Occurrence]:
    qs = Occurrence.objects.filter(reservation_id=occurrence.reservation_id, state__in=OPEN_STATES)
    if scope == "one":
        qs = qs.filter(pk=occurrence.pk)
    elif scope == "later":
        qs = qs.filter(start__gte=occurrence.start)
    elif scope != "all":
        raise ValidationError({"scope": _("请选择修改本场、本场及以后或全部场次。")})
    return list(qs.select_related("reservation__resource", "reservation__booked_by", "reservation__booked_for",
                                  "resource").order_by("start"))


@transaction.atomic
def cancel(*, occurrence: Occurrence, actor, reason: str, scope: str = "one") -> list[Occurrence]:
    """Cancel ``occurrence`` (``scope="one"``), it and the later ones of its series (``"later"``) or
    every open one (``"all"``), with a reason. The people of the booking are told when someone else
    cancels it; freed slots go to the waitlist."""
    reservation = occurrence.reservation
    policies.change_booking(actor, reservation)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写取消原因。")})
    _lock(reservation.resource)
    rows = _scoped(occurrence, scope)
    if not rows:
        raise ValidationError(_("没有可以取消的场次（已结束或已取消）。"))
    closed = _close(rows, OccurrenceState.CANCELLED, reason, actor)
    _notify_holders(closed, _("您的预订「%(subject)s」（%(name)s）已被取消"), _("取消原因：%(reason)s") % {
        "reason": reason}, actor=actor)
    if reservation.state == ReservationState.PENDING and not reservation.occurrences.filter(
            state=OccurrenceState.PENDING).exists():
        _end_request(reservation, _("预订已取消"))
    return closed


@transaction.atomic
def edit(*, occurrence: Occurrence, actor, scope: str, start_time: datetime.time, end_time: datetime.time,
         subject: str | None = None, day: datetime.date | None = None) -> list[Occurrence]:
    """Move occurrences to new times: this one (``scope="one"``, optionally to another ``day``), this
    and the later ones (``"later"``: the series is split, the earlier ones keep their times and the
    later ones form a new series with the new ones) or all open ones (``"all"``). The moved
    occurrences are checked against the others like a new booking (themselves excluded)."""
    reservation = occurrence.reservation
    policies.change_booking(actor, reservation)
    resource = _lock(reservation.resource)
    manager = policies.may_manage(actor, resource)
    rows = _scoped(occurrence, scope)
    if not rows:
        raise ValidationError(_("没有可以修改的场次（已结束或已取消）。"))
    if scope == "later" and reservation.state == ReservationState.PENDING:
        raise ValidationError({"scope": _("待审批的预订只能修改本场或全部场次。")})
    moved = []
    for o in rows:
        d = day if (scope == "one" and day) else local(o.start).date()
        moved.append((o, _combine(d, start_time), _combine(d, end_time)))
    errors = check_rules(resource, [(a, b) for _o, a, b in moved], actor, manager=manager)
    if errors:
        raise ValidationError(errors)
    slots = [slot(resource, a, b) for _o, a, b in moved]
    if any(o.state in BLOCKING_STATES for o in rows):
        found = clashes(resource, [s for (o, _a, _b), s in zip(moved, slots, strict=True) if o.state in BLOCKING_STATES],
                        exclude=[o.pk for o in rows])
        if found:
            raise BookingConflict(resource, found, suggestions(resource, moved[0][1], moved[0][2], actor),
                                  show_subject=lambda x: policies.may_see_booking(actor, x.reservation))
    subject = (subject or "").strip() or reservation.subject
    target = reservation
    if scope == "later" and rows[0].start > reservation.occurrences.order_by("start").values_list(
            "start", flat=True).first():
        # Split the series: the earlier occurrences stay with it, ending the day before.
        target = Reservation.objects.get(pk=reservation.pk)
        target.pk = None
        target.id = None
        target._state.adding = True
        target.first_date = local(rows[0].start).date()
        target.start_time, target.end_time, target.subject = start_time, end_time, subject
        target.save()
        registry.get(resource.kind).call("on_split", reservation, target)
        Reservation.objects.filter(pk=reservation.pk).update(
            until_date=target.first_date - datetime.timedelta(days=1), updated_at=timezone.now())
        audit.record_create(target, message=_("由预订 #%(id)d 拆分：本场及以后改为 %(from)s–%(to)s") % {
            "id": reservation.pk, "from": f"{start_time:%H:%M}", "to": f"{end_time:%H:%M}"})
    elif scope in ("all", "later"):
        before = audit.snapshot(reservation, ["start_time", "end_time", "subject"])
        Reservation.objects.filter(pk=reservation.pk).update(start_time=start_time, end_time=end_time,
                                                             subject=subject, updated_at=timezone.now())
        reservation.refresh_from_db()
        audit.record_update(reservation, before)
    elif subject != reservation.subject:
        raise ValidationError({"subject": _("只改本场时不能修改事由，请选择“全部场次”。")})
    for (o, a, b), s in zip(moved, slots, strict=True):
        o.start, o.end, o.block_start, o.block_end = a, b, s.block_start, s.block_end
        o.reservation = target
        o.is_exception = scope == "one"
    try:
        with transaction.atomic():
            Occurrence.objects.bulk_update([o for o, _a, _b in moved],
                                           ["start", "end", "block_start", "block_end", "reservation", "is_exception"])
    except IntegrityError as exc:
        if "reservations_no_overlap" not in str(exc):
            raise
        raise BookingConflict(resource, []) from exc
    if scope == "one":
        audit.record(Action.UPDATE, reservation, actor=actor, message=_("改期一场：%(span)s") % {
            "span": span_label(moved[0][1], moved[0][2])})
    return [o for o, _a, _b in moved]


# Approval ------------------------------------------------------------------------------------


def _end_request(reservation: Reservation, comment: str) -> None:
    """Withdraw the open approval request of a pending booking that no longer needs deciding."""
    from django.contrib.contenttypes.models import ContentType

    from jiguan.workflow import services as workflow
    from jiguan.workflow.models import ApprovalRequest, RequestStatus

    request = ApprovalRequest.objects.filter(
        content_type=ContentType.objects.get_for_model(Reservation), object_id=str(reservation.pk),
        status__in=[RequestStatus.DRAFT, RequestStatus.PENDING, RequestStatus.RETURNED]).first()
    if request is not None:
        workflow.request_withdraw(request=request, actor=reservation.booked_by, comment=comment)


def approval_outcome(reservation: Reservation, outcome: str) -> None:
    """Outcome hook of every kind's booking approval. Approved: each pending occurrence is confirmed,
    unless a confirmed one took its slot meanwhile (then it is rejected, with that reason); the
    pending occurrences of other bookings that collide with the confirmed ones are rejected, their
    people told, and a booking left with nothing to decide has its request withdrawn. Otherwise the
    pending occurrences are rejected (or cancelled, when withdrawn). Idempotent."""
    with transaction.atomic():
        reservation = Reservation.objects.select_related("resource", "booked_by", "booked_for", "unit").get(
            pk=reservation.pk)
        resource = _lock(reservation.resource)
        rows = list(reservation.occurrences.filter(state=OccurrenceState.PENDING).select_related(
            "reservation__booked_by", "reservation__booked_for", "reservation__unit", "resource").order_by("start"))
        if not rows:
            return
        if outcome != "approved":
            state = OccurrenceState.REJECTED if outcome == "rejected" else OccurrenceState.CANCELLED
            reason = _("审批未通过") if outcome == "rejected" else _("申请已撤回")
            _close(rows, state, reason)
            Reservation.objects.filter(pk=reservation.pk).update(
                state=ReservationState.REJECTED if outcome == "rejected" else ReservationState.CANCELLED)
            return
        confirmed, lost = [], []
        for o in rows:
            s = slot(resource, o.start, o.end)
            o.block_start, o.block_end = s.block_start, s.block_end
            (lost if clashes(resource, [s], exclude=[o.pk]) else confirmed).append(o)
            if o in confirmed:
                # confirm one by one, so that two pending occurrences of this series never overlap
                Occurrence.objects.filter(pk=o.pk).update(state=OccurrenceState.CONFIRMED, block_start=o.block_start,
                                                          block_end=o.block_end, updated_at=timezone.now())
                o.state = OccurrenceState.CONFIRMED
        if lost:
            _close(lost, OccurrenceState.REJECTED, _("审批通过时该时段已被其他预订占用"))
        Reservation.objects.filter(pk=reservation.pk).update(
            state=ReservationState.CONFIRMED if confirmed else ReservationState.REJECTED, updated_at=timezone.now())
        audit.record(Action.STATE, reservation, message=_("审批通过：%(n)d 场已确认") % {"n": len(confirmed)},
                     after={"state": ReservationState.CONFIRMED})
        _reject_colliding_pending(resource, confirmed, reservation)
        if confirmed:
            registry.get(resource.kind).call("on_confirmed", reservation)


def _reject_colliding_pending(resource: Resource, confirmed: list[Occurrence], winner: Reservation) -> None:
    if not confirmed:
        return
    lo = min(o.block_start for o in confirmed)
    hi = max(o.block_end for o in confirmed)
    pend = list(Occurrence.objects.filter(resource=resource, state=OccurrenceState.PENDING, start__lt=hi,
                                          end__gt=lo - datetime.timedelta(days=1))
                .exclude(reservation=winner)
                .select_related("reservation__booked_by", "reservation__booked_for", "reservation__unit",
                                "reservation__resource", "resource"))
    losers = []
    for p in pend:
        s = slot(resource, p.start, p.end)
        if any(c.block_start < s.block_end and c.block_end > s.block_start for c in confirmed):
            losers.append(p)
    if not losers:
        return
    reason = _("与已批准的预订「%(subject)s」时间冲突") % {"subject": winner.subject}
    closed = _close(losers, OccurrenceState.REJECTED, reason)
    _notify_holders(closed, _("您的预订「%(subject)s」（%(name)s）未通过"), reason)
    for r in {o.reservation_id: o.reservation for o in closed}.values():
        if not r.occurrences.filter(state=OccurrenceState.PENDING).exists():
            _end_request(r, reason)


# Blockings -----------------------------------------------------------------------------------


@transaction.atomic
def blocking_create(*, unit, title: str, start: datetime.datetime, end: datetime.datetime,
                    resources: Iterable[Resource], actor) -> Blocking:
    """Reserve ``resources`` for an official event from ``start`` to ``end`` (公务保障占用). The
    bookings there (confirmed or pending) are cancelled, their people told why; the span is then
    held by one occurrence per resource."""
    resources = list(resources)
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("请填写公务活动名称。")
    if not resources:
        errors["resources"] = _("请至少选择一个资源。")
    if start is None or end is None or end <= start:
        errors["end"] = _("结束时间须晚于开始时间。")
    if errors:
        raise ValidationError(errors)
    if not actor.has_perm("reservations.add_blocking", unit):
        raise PermissionDenied(_("您没有以该单位名义登记公务保障占用的权限。"))
    for r in resources:
        policies.manage(actor, r)
    locked = [_lock(r) for r in sorted(resources, key=lambda r: r.pk)]
    blocking = Blocking(unit=unit, title=title, start=start, end=end, created_by=actor)
    blocking.full_clean()
    blocking.save()
    victims = list(Occurrence.objects.filter(resource__in=locked, state__in=OPEN_STATES, block_start__lt=end,
                                             block_end__gt=start)
                   .select_related("reservation__booked_by", "reservation__booked_for", "reservation__resource",
                                   "reservation__unit", "resource"))
    reason = _("因公务活动「%(title)s」（%(span)s）占用，预订已取消") % {"title": title, "span": span_label(start, end)}
    closed = _close(victims, OccurrenceState.CANCELLED, reason, actor)
    _notify_holders(closed, _("您的预订「%(subject)s」（%(name)s）因公务活动被取消"), reason)
    for r in {o.reservation_id: o.reservation for o in closed}.values():
        if r.state == ReservationState.PENDING and not r.occurrences.filter(state=OccurrenceState.PENDING).exists():
            _end_request(r, reason)
    s, e = local(start), local(end)
    for r in locked:
        res = Reservation.objects.create(
            resource=r, kind=ReservationKind.BLOCKING, unit=unit, subject=title, booked_by=actor,
            recurrence=Recurrence.ONCE, first_date=s.date(), until_date=e.date() if e.date() != s.date() else None,
            start_time=s.time(), end_time=e.time(), state=ReservationState.CONFIRMED, blocking=blocking)
        _insert([Occurrence(reservation=res, resource=r, start=start, end=end, block_start=start, block_end=end,
                            state=OccurrenceState.CONFIRMED)], r, actor)
    Blocking.objects.filter(pk=blocking.pk).update(cancelled_count=len(closed))
    blocking.cancelled_count = len(closed)
    audit.record_create(blocking, message=_("公务保障占用 %(n)d 个资源，取消 %(c)d 场预订") % {
        "n": len(locked), "c": len(closed)})
    return blocking


@transaction.atomic
def blocking_lift(*, blocking: Blocking, actor) -> int:
    """End a blocking early: its holds are cancelled (the bookings it cancelled stay cancelled)."""
    if not actor.has_perm("reservations.change_blocking", blocking):
        raise PermissionDenied(_("您没有撤销该公务保障占用的权限。"))
    rows = list(Occurrence.objects.filter(reservation__blocking=blocking, state__in=OPEN_STATES)
                .select_related("reservation__booked_by", "reservation__resource", "reservation__unit", "resource"))
    _close(rows, OccurrenceState.CANCELLED, _("公务保障占用已撤销"), actor)
    return len(rows)


# Check-in, release, reminders ----------------------------------------------------------------


def may_check_in(actor, occurrence: Occurrence) -> bool:
    return policies.is_party(actor, occurrence.reservation) or policies.may_manage(actor, occurrence.resource)


@transaction.atomic
def check_in(*, occurrence: Occurrence, actor, now: datetime.datetime | None = None) -> Occurrence:
    """Check in to a confirmed occurrence, from 15 minutes before its start until its end."""
    now = now or timezone.now()
    occurrence = Occurrence.objects.select_for_update().select_related("reservation", "resource").get(pk=occurrence.pk)
    if not may_check_in(actor, occurrence):
        raise PermissionDenied(_("只有预订人、使用人或管理员可以签到。"))
    if occurrence.state == OccurrenceState.CHECKED_IN:
        return occurrence
    if occurrence.state != OccurrenceState.CONFIRMED:
        raise ValidationError(_("该场预订%(state)s，不能签到。") % {"state": occurrence.get_state_display()})
    if now < occurrence.start - datetime.timedelta(minutes=CHECK_IN_EARLY):
        raise ValidationError(_("开始前 %(n)d 分钟起才能签到。") % {"n": CHECK_IN_EARLY})
    if now >= occurrence.end:
        raise ValidationError(_("该场预订已结束，不能签到。"))
    Occurrence.objects.filter(pk=occurrence.pk).update(state=OccurrenceState.CHECKED_IN, checked_in_at=now,
                                                       checked_in_by=actor, updated_at=now)
    occurrence.refresh_from_db()
    audit.record(Action.STATE, occurrence.reservation, actor=actor,
                 message=_("签到：%(o)s") % {"o": str(occurrence)}, after={"state": OccurrenceState.CHECKED_IN})
    return occurrence


DOOR_SALT = "jiguan.reservations.door"


def _door_mac(resource_id: int, day: str) -> str:
    return salted_hmac(DOOR_SALT, f"{resource_id}.{day}").hexdigest()[:16]


def door_token(resource: Resource, day: datetime.date | None = None) -> str:
    """The check-in code shown on a resource's door page: the resource and today's date with their
    HMAC ("42.20261208.<16 hex>"), short enough for a QR code read across a room."""
    day = (day or timezone.localdate()).strftime("%Y%m%d")
    return f"{resource.pk}.{day}.{_door_mac(resource.pk, day)}"


def door_resource_id(token: str) -> int:
    """The resource of a door code of today; ValidationError for a bad or stale code."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 18 or not constant_time_compare(
            parts[2], _door_mac(int(parts[0]), parts[1])):
        raise ValidationError(_("签到码无效。"))
    if parts[1] != timezone.localdate().strftime("%Y%m%d"):
        raise ValidationError(_("签到码已过期，请扫描门口屏幕上今天的签到码。"))
    return int(parts[0])


def check_in_by_door(*, resource_id: int, actor, now: datetime.datetime | None = None) -> Occurrence:
    """Check in by the door's code: the actor's confirmed occurrence of that resource that is on now
    (or starts within 15 minutes)."""
    now = now or timezone.now()
    rows = list(Occurrence.objects.filter(
        resource_id=resource_id, state__in=(OccurrenceState.CONFIRMED, OccurrenceState.CHECKED_IN),
        start__lte=now + datetime.timedelta(minutes=CHECK_IN_EARLY), end__gt=now)
        .select_related("reservation", "resource").order_by("start"))
    mine = [o for o in rows if may_check_in(actor, o)]
    if not mine:
        raise ValidationError(_("现在没有您在这里的预订可以签到。"))
    return check_in(occurrence=mine[0], actor=actor, now=now)


def release_no_shows(now: datetime.datetime | None = None) -> int:
    """Release the confirmed occurrences nobody checked in to within their resource's
    ``release_after`` minutes (未签到释放), telling their people and offering the slot to the
    waitlist; finish the occurrences that have ended. Set-based; run by the beat every minute."""
    now = now or timezone.now()
    released = 0
    with transaction.atomic():
        rows = list(Occurrence.objects.filter(state=OccurrenceState.CONFIRMED, start__lte=now,
                                              start__gte=now - datetime.timedelta(days=2),
                                              resource__release_after__gt=0)
                    .select_related("resource", "reservation__booked_by", "reservation__booked_for",
                                    "reservation__resource", "reservation__unit")
                    .select_for_update(of=("self",)))
        due = [o for o in rows if o.reservation.kind == ReservationKind.BOOKING
               and o.start + datetime.timedelta(minutes=o.resource.release_after) <= now and o.end > now]
        if due:
            closed = _close(due, OccurrenceState.NO_SHOW, _("开始后未签到，已自动释放"))
            _notify_holders(closed, _("您的预订「%(subject)s」（%(name)s）因未签到已释放"),
                            _("开始后未按时签到，该时段已释放给其他人预订。"))
            released = len(closed)
        Occurrence.objects.filter(state__in=(OccurrenceState.CONFIRMED, OccurrenceState.CHECKED_IN),
                                  end__lte=now).update(state=OccurrenceState.FINISHED, updated_at=now)
    return released


def reminders_send(now: datetime.datetime | None = None, lead_minutes: int = 30) -> int:
    """Remind the people of each confirmed occurrence starting within ``lead_minutes`` (once)."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(Occurrence.objects.filter(state=OccurrenceState.CONFIRMED, reminded_at=None, start__gt=now,
                                              start__lte=now + datetime.timedelta(minutes=lead_minutes),
                                              reservation__kind=ReservationKind.BOOKING)
                    .select_related("resource", "reservation__booked_by", "reservation__booked_for",
                                    "reservation__resource"))
        if not rows:
            return 0
        messages = []
        for o in rows:
            r = o.reservation
            text = _("预订提醒：%(span)s %(name)s「%(subject)s」") % {
                "span": span_label(o.start, o.end), "name": o.resource.name, "subject": r.subject}
            body = _("请按时到场并签到。") if o.resource.release_after else ""
            url = booking_url(r)
            messages.extend((uid, text, body, url) for uid in {r.booked_by_id, r.booked_for_id} if uid)
        notifications.notify_each(messages)
        Occurrence.objects.filter(pk__in=[o.pk for o in rows]).update(reminded_at=now)
    return len(rows)


# Waitlist ------------------------------------------------------------------------------------


@transaction.atomic
def waitlist_join(*, resource: Resource, actor, start: datetime.datetime, end: datetime.datetime,
                  subject: str = "") -> WaitlistEntry:
    """Wait for a taken slot (候补): offered it when the booking there is cancelled or released."""
    policies.book(actor, resource)
    if end <= start:
        raise ValidationError({"end": _("结束时间须晚于开始时间。")})
    if start < timezone.now():
        raise ValidationError({"start": _("开始时间已过。")})
    entry = WaitlistEntry.objects.filter(resource=resource, user=actor, start=start, end=end,
                                         state=WaitState.WAITING).first()
    if entry is None:
        entry = WaitlistEntry.objects.create(resource=resource, user=actor, start=start, end=end,
                                             subject=(subject or "").strip()[:120])
        audit.record_create(entry)
    return entry


def offer_waitlist(freed: list[tuple[int, datetime.datetime, datetime.datetime]]) -> int:
    """Offer freed slots to those waiting for them, in the order they joined: each waiting entry
    whose span overlaps a freed span and is now free is told so (once)."""
    offered = 0
    for resource_id, start, end in freed:
        with transaction.atomic():
            waiting = list(WaitlistEntry.objects.select_for_update().filter(
                resource_id=resource_id, state=WaitState.WAITING, start__lt=end, end__gt=start,
                start__gt=timezone.now()).select_related("resource", "user").order_by("created_at", "pk"))
            for w in waiting:
                if clashes(w.resource, [slot(w.resource, w.start, w.end)]):
                    continue
                kind = registry.get(w.resource.kind)
                url = kind.call("resource_url", w.resource) or ""
                if url:
                    url += f"?start={local(w.start):%Y-%m-%dT%H:%M}&end={local(w.end):%Y-%m-%dT%H:%M}"
                notifications.notify(recipients=[w.user], title=_("候补提醒：%(name)s %(span)s 现在可以预订") % {
                    "name": w.resource.name, "span": span_label(w.start, w.end)},
                    body=_("您候补的时段已空出，先到先得，请尽快预订。"), url=url, topic=f"{TOPIC}.wait.{w.pk}")
                WaitlistEntry.objects.filter(pk=w.pk).update(state=WaitState.OFFERED, offered_at=timezone.now())
                offered += 1
    return offered


def waitlist_leave(*, entry: WaitlistEntry, actor) -> None:
    if entry.user_id != actor.pk:
        raise PermissionDenied(_("只能取消自己的候补。"))
    WaitlistEntry.objects.filter(pk=entry.pk).update(state=WaitState.CLOSED)


def resources_for(queryset, user):
    """``queryset`` of resources narrowed to those ``user`` may book or manage, as one query (the
    same rule as ``policies.may_book``)."""
    from jiguan.org.models import RoleAssignment

    from .models import OpenTo

    if user is None or not user.is_authenticated or not getattr(user, "unit_id", None):
        return queryset.none()
    prefixes = sorted(policies._prefixes(user.unit.path))
    roles = RoleAssignment.objects.filter(user=user, role__is_active=True).values("role_id")
    booking = (Q(open_to=OpenTo.ALL)
               | Q(open_to=OpenTo.ROLES, pk__in=Resource.allowed_roles.through.objects.filter(
                   role_id__in=roles).values("resource_id"))
               | Q(open_to=OpenTo.UNITS, pk__in=Resource.allowed_units.through.objects.filter(
                   orgunit__path__in=prefixes).values("resource_id"))
               | (Q(open_to=OpenTo.UNITS, unit__path__in=prefixes)
                  & ~Q(pk__in=Resource.allowed_units.through.objects.values("resource_id"))))
    manage = Q()
    for kind in registry.all_kinds():
        scope = user.get_scope(kind.manage_permission)
        if scope.is_global:
            manage |= Q(kind=kind.code)
        elif not scope.is_empty:
            manage |= Q(kind=kind.code) & scope.q("unit__path")
    condition = (booking & Q(is_active=True)) | manage if manage else booking & Q(is_active=True)
    return queryset.filter(condition)
