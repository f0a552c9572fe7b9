"""The stored attention row keeps the patient's latest review (not undone), so the clinician
list reads "last reviewed" through two key lookups instead of searching each row's reviews
(issue 19). Rows already stored get it here, in the same statement the writer's evaluation
spells (the latest by time, then by id), so the list never shows "Never" until the nightly
rebuild."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE patients_patientattention SET last_review_id = (
    SELECT review.id FROM patients_flagreview review
    WHERE review.patient_id = patients_patientattention.patient_id
      AND review.undone_at IS NULL
    ORDER BY review.at DESC, review.id DESC
    LIMIT 1
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0016_coverage"),
    ]

    operations = [
        migrations.AddField(
            model_name="patientattention",
            name="last_review",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="patients.flagreview",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=False),
    ]
