"""A room's bookings in people's own calendars (ICS feeds), and the waitlist offered a freed slot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jiguan.notifications.models import Notification
from jiguan.reservations.models import Occurrence, WaitlistEntry, WaitState
from jiguan.reservations.views import feed_token

from .test_booking_pages import book_data, next_weekday, place  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_my_feed_and_the_room_feed(place, client_for):  # noqa: F811
    day = next_weekday(1)
    c = client_for(place["staff"])
    assert c.post(reverse("meetings:book", args=[place["big"].pk]), book_data(day)).status_code == 302
    mine = c.get(reverse("meetings:mine")).content.decode()
    url = reverse("reservations:ics_mine", args=[feed_token(place["staff"])])
    assert url in mine  # 我的预订 shows the subscription address
    anonymous = type(c)()  # a calendar program: no session
    feed = anonymous.get(url)
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    text = feed.content.decode()
    assert "BEGIN:VEVENT" in text and "SUMMARY:季度工作会" in text and "LOCATION:第一会议室" in text
    assert "\r\n" in text
    # The room's feed: subjects for those who may see the room, 404 for an outsider's token.
    room_url = reverse("reservations:ics_resource", args=[feed_token(place["staff"]), place["big"].pk])
    assert "季度工作会" in anonymous.get(room_url).content.decode()
    outsider = reverse("reservations:ics_resource", args=[feed_token(place["outsider"]), place["big"].pk])
    assert anonymous.get(outsider).status_code == 404
    assert anonymous.get(reverse("reservations:ics_mine", args=["forged-token"])).status_code == 404


def test_a_cancelled_slot_is_offered_to_the_waitlist(place, client_for, django_capture_on_commit_callbacks):  # noqa: F811
    from jiguan.core.testing import make_user

    day = next_weekday(2)
    first = client_for(place["staff"])
    assert first.post(reverse("meetings:book", args=[place["tiny"].pk]),
                      book_data(day, guest_count=4, services=[])).status_code == 302
    waiter = make_user("waiter", place["staff"].unit, [], full_name="候补人")
    w = client_for(waiter)
    clash = w.post(reverse("meetings:book", args=[place["tiny"].pk]), book_data(day, guest_count=4, services=[]))
    assert clash.status_code == 409 and "登记候补" in clash.content.decode()
    start = f"{day.isoformat()}T14:00:00+08:00"
    end = f"{day.isoformat()}T16:00:00+08:00"
    assert w.post(reverse("meetings:wait", args=[place["tiny"].pk]),
                  {"start": start, "end": end, "subject": "季度工作会"}).status_code == 302
    entry = WaitlistEntry.objects.get(user=waiter)
    assert entry.state == WaitState.WAITING
    occ = Occurrence.objects.get(resource=place["tiny"])
    with django_capture_on_commit_callbacks(execute=True):
        assert first.post(reverse("meetings:occurrence_cancel", args=[occ.pk]),
                          {"scope": "one", "reason": "改期"}).status_code == 302
    entry.refresh_from_db()
    assert entry.state == WaitState.OFFERED
    note = Notification.objects.get(recipient=waiter)
    assert "洽谈室" in note.title and "可以预订" in note.title
    assert reverse("meetings:book", args=[place["tiny"].pk]) in note.url
    # The offer's link opens the form at the freed time.
    page = w.get(note.url).content.decode()
    assert 'value="14:00"' in page and 'value="16:00"' in page
