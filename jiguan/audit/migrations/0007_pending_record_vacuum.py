"""The pending table is a queue: every record is inserted and, milliseconds later, deleted by the
sealer. On PostgreSQL let autovacuum clear its dead rows after every thousand, not after a fifth of
the table, so the sealer's reads stay short under sustained writes."""

from django.db import migrations

SET = ("ALTER TABLE audit_pendingrecord SET (autovacuum_vacuum_scale_factor = 0, "
       "autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0)")
RESET = ("ALTER TABLE audit_pendingrecord RESET (autovacuum_vacuum_scale_factor, "
         "autovacuum_vacuum_threshold, autovacuum_vacuum_cost_delay)")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SET)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RESET)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_pending_record")]
    operations = [migrations.RunPython(forwards, backwards)]
