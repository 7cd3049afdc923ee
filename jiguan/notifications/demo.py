"""Demo notices (通知公告): the province's 机关事务管理局 (prov_offices, 公告发布员 of 福建省) publishes two
notices every demo account reads on its home page. Idempotent: kept when any notice exists."""

from __future__ import annotations

from jiguan.core.context import acting_as
from jiguan.org.models import OrgUnit, User

from . import services
from .models import Announcement

NOTICES = [
    ("关于开展2026年度行政事业性国有资产清查的通知", True,
     "各单位：\n请于12月20日前完成本单位资产清查，核对资产卡片与实物，闲置资产在系统中标记为“闲置”，"
     "以便调剂使用。清查中发现的盘盈、盘亏请按规定报批。\n福建省机关事务管理局"),
    ("元旦期间公务用车封存的通知", False,
     "元旦假期（1月1日至1月3日）除应急、值班用车外，公务用车一律封存停放。\n福建省机关事务管理局"),
]


def load(out) -> None:
    if Announcement.objects.exists():
        out.write(f"  notifications: {Announcement.objects.count()} notices (kept)")
        return
    publisher = User.objects.filter(username="prov_offices").first()
    province = OrgUnit.objects.filter(parent=None).first()
    if publisher is None or province is None:
        return
    with acting_as(publisher, channel="command"):
        for title, pinned, body in reversed(NOTICES):
            services.announcement_publish(unit=province, title=title, body=body, pinned=pinned, actor=publisher)
    out.write(f"  notifications: {len(NOTICES)} notices of {province.name}")
