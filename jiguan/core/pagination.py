"""The one paginator of every list, page (``ObjectListView``) and API (``rest.Pagination``).

Django's and DRF's paginators count every matching row on every page (``SELECT COUNT(*)`` over the
whole filtered set) and read a page with ``LIMIT 50 OFFSET n`` over the full rows. At a million asset
cards both grow with the data. ``BoundedPaginator`` keeps both bounded:

- **A bounded count.** It counts at most ``count_bound`` (10,000) rows:
  ``SELECT COUNT(*) FROM (SELECT id … LIMIT 10001)``. When more rows match, ``count`` is the bound and
  ``count_exact`` is False: the page says "超过 10,000 条" and the API returns ``"count_exact": false``.
  Pages beyond the bound still work: such a page reads one extra row to know whether a next one
  exists, so "下一页" goes on to the end (there is no "末页").
- **Deferred rows.** The page's primary keys are chosen by a subquery with the list's own filters and
  ordering, ``WHERE id IN (SELECT id … ORDER BY … LIMIT 50 OFFSET n)``; an index on the filter
  columns and the ordering answers it without reading the rows (an index-only scan), and only the
  page's 50 rows are then read whole, joined (select_related) and annotated. OFFSET 4,950 costs
  a walk over index entries, not 5,000 joined and annotated rows.

Lists that are not querysets (a Python list) are counted exactly and sliced as usual.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet, Subquery
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property


def _deferrable(object_list) -> bool:
    """A model queryset whose page can be picked by primary key in a subquery."""
    if not isinstance(object_list, QuerySet) or object_list._iterable_class is not ModelIterable:
        return False
    query = object_list.query
    return not (query.is_sliced or query.distinct or query.combinator)


class BoundedPage(Page):
    """A page of a list whose count is bounded. Beyond the bound, ``more`` (read with the page) tells
    whether a next page exists; within it the count does, as usual."""

    more: bool | None = None

    def has_next(self) -> bool:
        return self.more if self.more is not None else super().has_next()

    def end_index(self) -> int:
        if self.more is None:
            return super().end_index()
        return self.start_index() + len(self) - 1


class BoundedPaginator(Paginator):
    """Counts at most ``count_bound`` rows and reads a page's rows by primary key (module docstring)."""

    count_bound = 10_000

    @cached_property
    def _bounded_count(self) -> tuple[int, bool]:
        """(count, exact): the number of rows, or the bound when more rows match."""
        object_list = self.object_list
        if not isinstance(object_list, QuerySet) or object_list.query.is_sliced:
            return super().count, True
        # Only the primary key, no ordering: the subquery reads the filter columns alone.
        found = object_list.order_by().values("pk")[: self.count_bound + 1].count()
        return min(found, self.count_bound), found <= self.count_bound

    @cached_property
    def count(self) -> int:
        return self._bounded_count[0]

    @property
    def count_exact(self) -> bool:
        return self._bounded_count[1]

    @property
    def capped(self) -> bool:
        """True when more rows match than were counted (templates: a plain Paginator has no such
        attribute, so its pages read as exact)."""
        return not self.count_exact

    @property
    def bound_label(self) -> str:
        """The bound as people write it, with thousands separators: "10,000"."""
        return f"{self.count_bound:,}"

    def validate_number(self, number):
        if self.count_exact:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number  # beyond the count: page() finds out whether the page has rows

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if self.count_exact:
            if top + self.orphans >= self.count:
                top = self.count
            return self._get_page(self._rows(bottom, top), number, self)
        rows = list(self._rows(bottom, top + 1))  # one more row: is there a next page?
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        page = self._get_page(rows[: self.per_page], number, self)
        page.more = len(rows) > self.per_page
        return page

    def _get_page(self, *args, **kwargs):
        return BoundedPage(*args, **kwargs)

    def _rows(self, bottom: int, top: int):
        object_list = self.object_list
        if not _deferrable(object_list):
            return object_list[bottom:top]
        keys = object_list.values("pk")[bottom:top]
        return object_list.filter(pk__in=Subquery(keys))
