from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReservationsConfig(AppConfig):
    """The reservation engine (预订引擎) of the kernel: bookable resources, series of reservations
    stored one row per occurrence, conflicts refused by the database, approval, blockings, check-in,
    waitlist, reminders and ICS feeds. Rooms (meetings), cars and drivers (vehicles) and warehouse
    loans book through it; see docs/development/reservations.md."""

    name = "jiguan.reservations"
    label = "reservations"
    verbose_name = _("预订")
