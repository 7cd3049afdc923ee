"""Test factories of notifications (jiguan.core.testing.factories): a notice (通知公告) of the unit,
published by its publisher (公告发布员)."""

from __future__ import annotations

from jiguan.core.context import acting_as
from jiguan.core.testing import factories
from jiguan.core.testing.factories import person, serial
from jiguan.notifications import services
from jiguan.notifications.models import Announcement


@factories.factory(Announcement, marker=lambda a: a.title)
def announcement(unit):
    publisher = person(unit, "announcer")
    with acting_as(publisher):
        return services.announcement_publish(unit=unit, title=f"契约测试公告{serial():05d}", body="正文",
                                             actor=publisher)
