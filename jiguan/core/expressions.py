"""Query expressions shared by the apps."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from django.db.models import Expression

_SENTINEL = "__jiguan_frozen_base__"


class FrozenExpression(Expression):
    """A large expression over the columns of one model (its base table), compiled to SQL once per
    process, database vendor and ``key``, then reused by every query on that model.

    Django resolves and compiles an expression tree again for every query; for the depreciation
    formula (a few hundred nodes, ``depreciation.accumulated_expr``) that costs tens of milliseconds
    of Python per list page or API call, more than the query itself. The frozen form is compiled on a
    throw-away query of ``model`` with the base table renamed to a sentinel, and each use substitutes
    the alias the base table has in the query at hand. Subqueries inside the expression keep the
    aliases they were compiled with (``W0``, …); where the base table has been relabelled (the query
    nested in another one, with aliases of its own) the expression is compiled in full instead, so
    the two can never collide.

    ``build()`` returns the expression; it must depend only on ``key`` (a month, flags) and refer to
    the model's own columns and correlated subqueries, not to joins."""

    contains_aggregate = False
    contains_over_clause = False
    _cache: OrderedDict = OrderedDict()
    _lock = Lock()
    _CACHE_SIZE = 64

    def __init__(self, model, key: tuple, build, output_field):
        super().__init__(output_field=output_field)
        self.model, self.key, self.build = model, key, build
        self.alias = None

    def __repr__(self):
        return f"{self.__class__.__name__}({self.model._meta.label}, {self.key!r})"

    def get_source_expressions(self):
        return []

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        clone.alias = query.get_initial_alias() if query is not None else None
        return clone

    def relabeled_clone(self, change_map):
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def get_group_by_cols(self):
        return [self]

    def as_sql(self, compiler, connection):
        table = self.model._meta.db_table
        if self.alias != table or compiler.query.alias_prefix != "T":
            # Relabelled or nested: the full expression, resolved against the query being compiled.
            return compiler.compile(self.build().resolve_expression(compiler.query, allow_joins=False))
        sql, params = self._frozen(connection)
        return sql.replace(_SENTINEL, compiler.quote_name_unless_alias(self.alias)), params

    def _frozen(self, connection) -> tuple[str, tuple]:
        cache_key = (connection.vendor, connection.alias, self.model._meta.label, self.key)
        with self._lock:
            found = self._cache.get(cache_key)
            if found is not None:
                self._cache.move_to_end(cache_key)
                return found
        table = self.model._meta.db_table
        query = self.model._default_manager.using(connection.alias).all().query
        # Subqueries take the prefix after the outer query's: an unusual outer prefix keeps theirs
        # apart from any alias the query using the frozen SQL may have.
        query.alias_prefix = "V"
        expression = self.build().resolve_expression(query, allow_joins=False)
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.compile(expression)
        quoted = compiler.quote_name_unless_alias(table)
        if _SENTINEL in sql or f"{quoted}." not in sql:
            # Cannot happen for an expression over the model's columns; compile per query then.
            raise ValueError(f"cannot freeze {self!r}: its SQL does not name {table}")
        frozen = (sql.replace(f"{quoted}.", f"{_SENTINEL}."), tuple(params))
        with self._lock:
            self._cache[cache_key] = frozen
            while len(self._cache) > self._CACHE_SIZE:
                self._cache.popitem(last=False)
        return frozen
