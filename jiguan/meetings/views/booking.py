"""Finding and booking a room, one's bookings, a booking's page and what its people do with it
(cancel, move, check in, wait). Thin: the rows come from ``selectors``, the rules and writes from
``services`` (meetings) and ``jiguan.reservations.services`` (the engine)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View, generic

from jiguan.core.views import ScopedViewMixin
from jiguan.reservations import policies as booking_policies
from jiguan.reservations import services as engine
from jiguan.reservations.models import Occurrence, OccurrenceState, Reservation

from .. import booking_forms, selectors, services
from ..models import Room, ServiceRequest

FIND = gettext_lazy("预订会议室")
MINE = gettext_lazy("我的预订")


def back(request, default: str) -> HttpResponseRedirect:
    """Back to ``next`` when it is a path of this site, else to ``default``."""
    target = request.POST.get("next") or ""
    if not (target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()})):
        target = default
    return HttpResponseRedirect(target)


def error_text(exc) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


def default_span() -> tuple[datetime.date, datetime.time, datetime.time]:
    """The next whole hour today (or tomorrow 09:00 after 17:00), one hour long."""
    now = timezone.localtime()
    if now.hour >= 17:
        return now.date() + datetime.timedelta(days=1), datetime.time(9), datetime.time(10)
    start = max(now.hour + 1, 8)
    return now.date(), datetime.time(start), datetime.time(start + 1)


class RoomsMixin(ScopedViewMixin):
    """Pages over the rooms a user may book: no model permission, the engine's rule decides."""

    model = Room
    require_model_permission = False

    def base_queryset(self):
        return selectors.bookable_rooms(self.request.user)

    def room(self, pk) -> Room:
        room = selectors.room_for(self.request.user, pk)
        if room is None:
            raise Http404(_("会议室不存在，或您所在单位不在其可预订范围内。"))
        return room


class FindView(RoomsMixin, generic.TemplateView):
    """预订会议室: free rooms for a time, a size and equipment, smallest fitting first."""

    template_name = "meetings/find.html"
    breadcrumbs = [(FIND, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        day, start, end = default_span()
        compounds = selectors.compounds_for(user)
        searched = "date" in self.request.GET
        form = booking_forms.FindForm(self.request.GET if searched else None, compounds=compounds,
                                      initial={"date": day, "start_time": start, "end_time": end})
        rooms = None
        if searched and form.is_valid():
            d = form.cleaned_data
            rooms = selectors.find_free(user, start=booking_forms.at(d["date"], d["start_time"]),
                                        end=booking_forms.at(d["date"], d["end_time"]), size=d.get("size") or 0,
                                        equipment=d.get("equipment") or [], compound=d.get("compound"))
        context.update({"title": FIND, "form": form, "rooms": rooms, "searched": searched,
                        "has_rooms": compounds.exists(), "query": self.request.GET.urlencode()})
        return context


class BookView(RoomsMixin, View):
    """The booking form of one room, with the room's rules beside it. A conflict is shown with the
    booking collided with and what is free instead (other times, other rooms)."""

    template_name = "meetings/book.html"

    def initial(self, room) -> dict:
        get = self.request.GET
        day, start, end = default_span()
        initial = {"date": day, "start_time": start, "end_time": end, "guest_count": get.get("size") or None}
        if get.get("start") and get.get("end"):  # a suggestion or a waitlist offer: ISO times
            s, e = parse_datetime(get["start"]), parse_datetime(get["end"])
            if s and e:
                s, e = timezone.localtime(timezone.make_aware(s) if timezone.is_naive(s) else s), \
                    timezone.localtime(timezone.make_aware(e) if timezone.is_naive(e) else e)
                initial.update({"date": s.date(), "start_time": s.time(), "end_time": e.time()})
        for key in ("date", "start_time", "end_time", "subject"):
            if get.get(key):
                initial[key] = get[key]
        return initial

    def render_page(self, room, form, conflict=None, status=200):
        context = {"title": _("预订 %(room)s") % {"room": room.name}, "room": room, "form": form,
                   "conflict": conflict, "breadcrumbs": [(FIND, reverse("meetings:find")), (room.name, None)],
                   "opts": Room._meta, "weekdays": engine.weekday_label(room.open_weekdays)}
        if conflict is not None and hasattr(form, "cleaned_data"):
            args = form.service_args()
            context.update({"conflict_start": args["start"].isoformat(), "conflict_end": args["end"].isoformat(),
                            "wait_start": args["start"].isoformat(), "wait_end": args["end"].isoformat(),
                            "wait_subject": args["subject"]})
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        room = self.room(pk)
        form = booking_forms.BookingForm(room=room, user=request.user, initial=self.initial(room))
        return self.render_page(room, form)

    def post(self, request, pk):
        room = self.room(pk)
        form = booking_forms.BookingForm(request.POST, room=room, user=request.user)
        if not form.is_valid():
            return self.render_page(room, form, status=400)
        try:
            meeting = services.book_room(room=room, actor=request.user, **form.service_args())
        except engine.BookingConflict as exc:
            form.add_error(None, exc.messages)
            return self.render_page(room, form, conflict=exc, status=409)
        except ValidationError as exc:
            for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
                form.add_error(field if field in form.fields else None, errors)
            return self.render_page(room, form, status=400)
        except PermissionDenied as exc:
            form.add_error(None, error_text(exc))
            return self.render_page(room, form, status=403)
        r = meeting.reservation
        if r.state == "pending":
            messages.success(request, _("预订已提交审批，审批通过前该时段不为您保留。"))
        else:
            messages.success(request, _("预订成功：%(room)s %(span)s。") % {
                "room": room.name, "span": engine.span_label(*r.occurrences.values_list("start", "end").first())})
        return HttpResponseRedirect(reverse("meetings:booking_detail", args=[r.pk]))


class WaitlistJoinView(RoomsMixin, View):
    """候补 (POST): wait for a taken slot of a room."""

    http_method_names = ["post"]

    def post(self, request, pk):
        room = self.room(pk)
        s, e = parse_datetime(request.POST.get("start", "")), parse_datetime(request.POST.get("end", ""))
        try:
            if not s or not e:
                raise ValidationError(_("候补时段无效。"))
            engine.waitlist_join(resource=room, actor=request.user, start=s, end=e,
                                 subject=request.POST.get("subject", ""))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已登记候补：该时段空出时会通知您。"))
        return HttpResponseRedirect(reverse("meetings:mine"))


class MyBookingsView(ScopedViewMixin, generic.ListView):
    """我的预订: the occurrences of bookings I made, hold or attend; upcoming (or ?past=1), paginated."""

    model = Occurrence
    require_model_permission = False
    template_name = "meetings/mine.html"
    breadcrumbs = [(MINE, None)]
    paginate_by = 20
    context_object_name = "occurrences"

    def base_queryset(self):
        return selectors.my_occurrences(self.request.user, upcoming=not self.request.GET.get("past"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        for o in context["occurrences"]:
            o.may_check_in = (o.state == OccurrenceState.CONFIRMED and o.resource.release_after
                              and o.start - datetime.timedelta(minutes=engine.CHECK_IN_EARLY) <= now < o.end)
            o.may_cancel = o.state in (OccurrenceState.PENDING, OccurrenceState.CONFIRMED) and o.end > now
        from jiguan.reservations.views import feed_url

        context.update({"title": MINE, "past": bool(self.request.GET.get("past")),
                        "ics_url": self.request.build_absolute_uri(feed_url(self.request.user))})
        return context


class BookingMixin(ScopedViewMixin):
    """Pages of one booking: its people and whoever may see the room; 404 for anyone else."""

    model = Reservation
    require_model_permission = False

    def reservation(self, pk) -> Reservation:
        r = (Reservation.objects.filter(pk=pk, resource__kind="meetings.room")
             .select_related("resource", "unit", "booked_by", "booked_for").first())
        if r is None or not booking_policies.may_see_booking(self.request.user, r):
            raise Http404(_("预订不存在，或不在您的查看范围内。"))
        r.room = Room.objects.select_related("compound", "building").get(pk=r.resource_id)
        return r

    def occurrence(self, pk) -> Occurrence:
        o = Occurrence.objects.filter(pk=pk, resource__kind="meetings.room").select_related(
            "reservation__resource", "reservation__booked_by", "reservation__booked_for", "reservation__unit",
            "resource").first()
        if o is None or not booking_policies.may_see_booking(self.request.user, o.reservation):
            raise Http404(_("预订不存在，或不在您的查看范围内。"))
        return o


class BookingDetailView(BookingMixin, View):
    """A booking's page: the meeting, its occurrences with their states and actions, the service
    requests, and the approval when it needs one."""

    def get(self, request, pk):
        r = self.reservation(pk)
        user = request.user
        may_change = booking_policies.is_party(user, r) or booking_policies.may_manage(user, r.resource)
        now = timezone.now()
        occurrences = list(r.occurrences.order_by("start"))
        services_by = {}
        for s in ServiceRequest.objects.filter(occurrence__in=occurrences).order_by("kind"):
            services_by.setdefault(s.occurrence_id, []).append(s)
        for o in occurrences:
            o.services = services_by.get(o.pk, [])
            o.open = o.state in (OccurrenceState.PENDING, OccurrenceState.CONFIRMED) and o.end > now
            o.may_check_in = (o.state == OccurrenceState.CONFIRMED and r.resource.release_after and may_change
                              and o.start - datetime.timedelta(minutes=engine.CHECK_IN_EARLY) <= now < o.end)
        meeting = getattr(r, "meeting", None)
        from django.contrib.contenttypes.models import ContentType

        from jiguan.workflow.models import ApprovalRequest

        approval = ApprovalRequest.objects.filter(content_type=ContentType.objects.get_for_model(Reservation),
                                                  object_id=str(r.pk)).order_by("-pk").first()
        context = {"title": r.subject, "r": r, "room": r.room, "meeting": meeting, "occurrences": occurrences,
                   "attendees": list(meeting.attendees.all()) if meeting else [], "may_change": may_change,
                   "approval": approval, "opts": Reservation._meta,
                   "breadcrumbs": [(MINE, reverse("meetings:mine")), (r.subject, None)]}
        return render(request, "meetings/booking_detail.html", context)


class OccurrenceCancelView(BookingMixin, View):
    """取消 (POST): this occurrence, this and later, or all, with a reason."""

    http_method_names = ["post"]

    def post(self, request, pk):
        o = self.occurrence(pk)
        form = booking_forms.CancelForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写取消原因。"))
        else:
            try:
                closed = engine.cancel(occurrence=o, actor=request.user, reason=form.cleaned_data["reason"],
                                       scope=form.cleaned_data["scope"])
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("已取消 %(n)d 场。") % {"n": len(closed)})
        return back(request, reverse("meetings:booking_detail", args=[o.reservation_id]))


class OccurrenceEditView(BookingMixin, View):
    """改期: new times for this occurrence, this and the later ones (the series is split), or all."""

    model = Occurrence

    def page(self, o, form, status=200, conflict=None):
        context = {"title": _("修改预订时间"), "o": o, "form": form, "conflict": conflict, "opts": Occurrence._meta,
                   "breadcrumbs": [(MINE, reverse("meetings:mine")),
                                   (o.reservation.subject, reverse("meetings:booking_detail",
                                                                   args=[o.reservation_id])),
                                   (_("修改时间"), None)]}
        return render(self.request, "meetings/occurrence_edit.html", context, status=status)

    def get(self, request, pk):
        o = self.occurrence(pk)
        s, e = timezone.localtime(o.start), timezone.localtime(o.end)
        return self.page(o, booking_forms.EditForm(initial={"date": s.date(), "start_time": s.time(),
                                                             "end_time": e.time(),
                                                             "subject": o.reservation.subject}))

    def post(self, request, pk):
        o = self.occurrence(pk)
        form = booking_forms.EditForm(request.POST)
        if not form.is_valid():
            return self.page(o, form, status=400)
        d = form.cleaned_data
        try:
            engine.edit(occurrence=o, actor=request.user, scope=d["scope"], start_time=d["start_time"],
                        end_time=d["end_time"], subject=d.get("subject") or None, day=d.get("date"))
        except engine.BookingConflict as exc:
            form.add_error(None, exc.messages)
            return self.page(o, form, status=409, conflict=exc)
        except ValidationError as exc:
            for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
                form.add_error(field if field in form.fields else None, errors)
            return self.page(o, form, status=400)
        except PermissionDenied as exc:
            raise PermissionDenied(error_text(exc)) from exc
        messages.success(request, _("预订时间已修改。"))
        o.refresh_from_db()
        return HttpResponseRedirect(reverse("meetings:booking_detail", args=[o.reservation_id]))


class CheckInView(BookingMixin, View):
    """签到 (POST) from the phone."""

    http_method_names = ["post"]

    def post(self, request, pk):
        o = self.occurrence(pk)
        try:
            engine.check_in(occurrence=o, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已签到：%(o)s") % {"o": str(o)})
        return back(request, reverse("meetings:booking_detail", args=[o.reservation_id]))
