"""Backfill of 0003: a request's business unit comes from its object through the lookup its business
type declares (``registry.BusinessType.business_unit``) when that model is in the migration state,
else the applicant's unit (what routing used until now). Decided requests whose outcome was never
applied get their outbox row, so the sweep applies them."""

from django.db import migrations, models

FINAL = {"approved": "approved", "rejected": "rejected", "withdrawn": "withdrawn"}


def backfill(apps, schema_editor):
    from jiguan.workflow import registry

    ApprovalRequest = apps.get_model("workflow", "ApprovalRequest")
    ApprovalAction = apps.get_model("workflow", "ApprovalAction")
    OutcomeOutbox = apps.get_model("workflow", "OutcomeOutbox")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ApprovalRequest.objects.filter(business_unit__isnull=True).update(
        business_unit_id=models.F("applicant_unit_id"))
    for btype in registry.all_types():
        if not btype.business_unit:
            continue
        try:
            model = apps.get_model(btype.model)
            content_type = ContentType.objects.get(app_label=model._meta.app_label,
                                                   model=model._meta.model_name)
        except (LookupError, ContentType.DoesNotExist):
            continue
        requests = ApprovalRequest.objects.filter(business_type=btype.code, content_type=content_type)
        units = dict(model.objects.filter(pk__in=[int(pk) for pk in requests.values_list("object_id", flat=True)
                                                  if str(pk).isdigit()])
                     .values_list("pk", btype.business_unit))
        for request in requests.only("pk", "object_id"):
            unit_id = units.get(int(request.object_id)) if str(request.object_id).isdigit() else None
            if unit_id is not None:
                ApprovalRequest.objects.filter(pk=request.pk).update(business_unit_id=unit_id)
    for request in ApprovalRequest.objects.filter(status__in=list(FINAL), outcome_applied_at__isnull=True,
                                                  decided_at__isnull=False):
        last = ApprovalAction.objects.filter(request_id=request.pk).order_by("-id").first()
        OutcomeOutbox.objects.get_or_create(request_id=request.pk, defaults={
            "outcome": FINAL[request.status], "actor_id": last.actor_id if last else None,
            "last_error": request.outcome_error})


class Migration(migrations.Migration):

    dependencies = [
        ("workflow", "0003_business_unit_outbox_stuck"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
