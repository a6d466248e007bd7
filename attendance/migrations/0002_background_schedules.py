"""The django-q2 schedules of the attendance engine (idempotent: update_or_create by name)."""

from django.db import migrations

SCHEDULES = {
    "attendance: advance sessions": {
        "func": "attendance.tasks.advance_sessions",
        "schedule_type": "I",
        "minutes": 5,
        "repeats": -1,
    },
    "attendance: generate upcoming sessions": {
        "func": "attendance.tasks.generate_upcoming_sessions",
        "schedule_type": "D",
        "repeats": -1,
    },
}


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, values in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults=values)


def remove_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
