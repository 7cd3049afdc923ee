"""ICS feeds (订阅日历): a user's bookings and a resource's schedule, at secret addresses that a
calendar program fetches without signing in. The address carries the user's signed token
(``feed_token``); a resource's feed shows subjects only to users who may see them, like its pages."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone

from . import ics, policies
from .models import Occurrence, OccurrenceState, Resource

SALT = "jiguan.reservations.ics"
PAST_DAYS, FUTURE_DAYS = 30, 180
STATES = (OccurrenceState.PENDING, OccurrenceState.CONFIRMED, OccurrenceState.CHECKED_IN,
          OccurrenceState.FINISHED, OccurrenceState.CANCELLED)


def feed_token(user) -> str:
    return signing.dumps({"u": user.pk}, salt=SALT)


def feed_url(user) -> str:
    return reverse("reservations:ics_mine", args=[feed_token(user)])


def _user(token: str):
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise Http404("unknown feed") from None
    user = get_user_model().objects.filter(pk=data.get("u"), is_active=True).select_related("unit").first()
    if user is None:
        raise Http404("unknown feed")
    return user


def _window(queryset):
    now = timezone.now()
    return (queryset.filter(start__gte=now - datetime.timedelta(days=PAST_DAYS),
                            start__lt=now + datetime.timedelta(days=FUTURE_DAYS), state__in=STATES)
            .select_related("resource", "reservation__unit").order_by("start")[:2000])


def _response(body: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def ics_mine(request, token):
    """The bookings the token's user made or holds."""
    user = _user(token)
    rows = _window(Occurrence.objects.filter(Q(reservation__booked_by=user) | Q(reservation__booked_for=user)))
    return _response(ics.calendar(f"{user.display_name}的预订", rows, request.get_host()), "bookings")


def ics_resource(request, token, pk):
    """A resource's schedule, for a user who may see the resource (404 otherwise)."""
    user = _user(token)
    resource = Resource.objects.select_related("unit").prefetch_related("allowed_units", "allowed_roles").filter(
        pk=pk).first()
    if resource is None or not policies.may_see(user, resource):
        raise Http404("unknown feed")
    rows = _window(Occurrence.objects.filter(resource=resource))
    return _response(ics.calendar(resource.name, rows, request.get_host()), f"resource-{pk}")
