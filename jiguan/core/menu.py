"""The left navigation: each module registers its section and entries in its AppConfig.ready().

An entry is shown when the user holds its permission (in any scope). Modules never edit the base
template to add themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    permission: str | None = None
    icon: str = "dot"
    badge: str | None = None  # dotted path of fn(user) -> int, shown as a count (e.g. 待办)
    when: str | None = None  # dotted path of fn(user) -> bool, for entries without a model permission


@dataclass
class MenuSection:
    key: str
    label: str
    icon: str
    order: int = 100
    items: list[MenuItem] = field(default_factory=list)


_sections: dict[str, MenuSection] = {}


def register(key: str, label: str, icon: str, items: list[MenuItem], order: int = 100) -> None:
    section = _sections.setdefault(key, MenuSection(key=key, label=label, icon=icon, order=order))
    section.items.extend(i for i in items if i not in section.items)


def registered() -> list[MenuSection]:
    return sorted(_sections.values(), key=lambda s: s.order)


def for_user(user, current_path: str = "") -> list[dict]:
    sections = []
    for section in registered():
        items = []
        for item in section.items:
            if item.permission and not user.has_perm(item.permission):
                continue
            if item.when and not import_string(item.when)(user):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            count = import_string(item.badge)(user) if item.badge else 0
            items.append({"label": item.label, "url": url, "icon": item.icon, "badge": count,
                          "active": current_path.startswith(url)})
        # One highlighted entry: the longest URL the page lies under (/assets/transfers/ marks
        # 资产调拨, not also 资产卡片 at /assets/).
        matches = [i for i in items if i["active"]]
        if len(matches) > 1:
            best = max(matches, key=lambda i: len(i["url"]))
            for i in matches:
                i["active"] = i is best
        if items:
            sections.append({"key": section.key, "label": section.label, "icon": section.icon,
                             "items": items, "active": any(i["active"] for i in items)})
    return sections
