"""No double booking on PostgreSQL: an exclusion constraint (btree_gist) over the resource and the
occurrence's span (buffers included) for the blocking states. SQLite has no such constraint; there
the services serialise the check and the insert (every transaction is BEGIN IMMEDIATE)."""

from django.db import migrations

BLOCKING = "('confirmed', 'checked_in', 'finished')"

FORWARD = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE reservations_occurrence ADD CONSTRAINT reservations_no_overlap
    EXCLUDE USING gist (resource_id WITH =, tstzrange(block_start, block_end, '[)') WITH &&)
    WHERE (state IN {BLOCKING});
"""

BACKWARD = "ALTER TABLE reservations_occurrence DROP CONSTRAINT IF EXISTS reservations_no_overlap;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("reservations", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
