"""The meetings pages beyond the generated register pages: find and book a room, one's bookings,
the calendars, the door page, service tasks, blockings and statistics."""

from django.urls import path

from .booking import (
    BookingDetailView,
    BookView,
    CheckInView,
    FindView,
    MyBookingsView,
    OccurrenceCancelView,
    OccurrenceEditView,
    WaitlistJoinView,
)
from .calendar import CalendarView, DoorCheckInView, DoorView
from .stats import StatsView
from .work import BlockingCreateView, BlockingListView, ServiceActionView, ServiceListView

urlpatterns = [
    path("", FindView.as_view(), name="find"),
    path("rooms/<int:pk>/book/", BookView.as_view(), name="book"),
    path("rooms/<int:pk>/wait/", WaitlistJoinView.as_view(), name="wait"),
    path("rooms/<int:pk>/door/", DoorView.as_view(), name="door"),
    path("mine/", MyBookingsView.as_view(), name="mine"),
    path("bookings/<int:pk>/", BookingDetailView.as_view(), name="booking_detail"),
    path("occurrences/<int:pk>/cancel/", OccurrenceCancelView.as_view(), name="occurrence_cancel"),
    path("occurrences/<int:pk>/edit/", OccurrenceEditView.as_view(), name="occurrence_edit"),
    path("occurrences/<int:pk>/check-in/", CheckInView.as_view(), name="check_in"),
    path("check-in/<str:token>/", DoorCheckInView.as_view(), name="door_check_in"),
    path("calendar/", CalendarView.as_view(), name="calendar"),
    path("services/", ServiceListView.as_view(), name="services"),
    path("services/<int:pk>/accept/", ServiceActionView.as_view(verb="accept"), name="service_accept"),
    path("services/<int:pk>/complete/", ServiceActionView.as_view(verb="complete"), name="service_complete"),
    path("blockings/", BlockingListView.as_view(), name="blocking_list"),
    path("blockings/new/", BlockingCreateView.as_view(), name="blocking_create"),
    path("stats/", StatsView.as_view(), name="stats"),
]
