"""Indexes for search and reports at province scale.

Search (``AssetFilter.search``, ``?q=``) matches a substring of the name and of the model (规格型号)
with Django's ``icontains``, which PostgreSQL runs as ``UPPER("name"::text) LIKE UPPER('%台式%')``: a
sequential scan of every card without an index on that very expression. pg_trgm's GIN operator class
indexes it (``UPPER(name) gin_trgm_ops``); pg_trgm extracts trigrams from Chinese characters as from
letters (database ctype C.UTF-8 or zh_CN.UTF-8), so a query of three or more characters is answered
from the index. The code and pinyin-initials prefixes already have ``varchar_pattern_ops`` indexes
(0001). A unit's subtree and the summary report use ``assets_owner_status_class_id`` (0001).

PostgreSQL only, and outside Django's model state (``RunPython``, no ``Meta.indexes`` entry): SQLite
has no GIN index, and its substring search scans a laptop-sized table. ``CREATE EXTENSION IF NOT
EXISTS pg_trgm`` is what ``TrigramExtension`` runs; it is done here so that going backwards drops the
indexes but leaves the extension (other objects may use it; ``TrigramExtension`` would drop it, and
fail on SQLite). pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
Building the indexes takes about 3 s per 100,000 cards and blocks writes to the card table meanwhile.
"""

from django.db import migrations

INDEXES = {
    "assets_name_trgm": 'UPPER("name") gin_trgm_ops',
    "assets_spec_model_trgm": 'UPPER("spec_model") gin_trgm_ops',
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "assets_asset" USING gin ({expression})')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("assets", "0005_workload_readings")]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
