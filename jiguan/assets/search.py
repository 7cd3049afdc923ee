"""Global search over asset cards (全局搜索): code prefix, name, pinyin initials, model, as the card
list's search box (``AssetFilter.q``), within the cards the user may view."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from jiguan.core.search import SearchHit

from .filters import AssetFilter
from .models import Asset


def cards(user, q: str, limit: int) -> list[SearchHit]:
    rows = (AssetFilter({"q": q}, queryset=Asset.objects.restrict(user, "view")).qs
            .select_related("owner_unit").only("id", "code", "name", "status", "owner_unit__name")[:limit])
    return [SearchHit(title=f"{card.code} {card.name}",
                      subtitle=f"{card.owner_unit.name} · {card.get_status_display()}",
                      url=card.get_absolute_url()) for card in rows]


def cards_url(q: str) -> str:
    """The card list with the same search."""
    return f"{reverse('assets:asset_list')}?{urlencode({'q': q})}"
