from django.db import migrations


def seed(apps, schema_editor):
    from prescriptions.builtin import ensure_builtin_templates

    ensure_builtin_templates(apps.get_model("prescriptions", "PlanTemplate"))


class Migration(migrations.Migration):
    dependencies = [
        ("prescriptions", "0002_suggestion_dismissal"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
