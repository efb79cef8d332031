"""The spine disciplines of ../shared/clinical/REFERENCE.md section 1, with NUCC codes.

Frozen here on purpose: a migration must load the same rows whatever the code says later.
"""

from django.db import migrations

DISCIPLINES = [
    ("spine_surgery_ortho", "Orthopaedic spine surgery", "Orthopaedic spine surgeon",
     ["207XS0117X", "207X00000X"]),
    ("neurosurgery", "Neurosurgery", "Neurosurgeon (spine)", ["207T00000X"]),
    ("physiatry", "Physiatry (PM&R)",
     "Physical medicine & rehabilitation, interventional physiatrist",
     ["208100000X", "2081P2900X", "2081P0010X"]),
    ("pain_medicine", "Pain medicine", "Anesthesiologist / interventional pain",
     ["207L00000X", "207LP2900X", "208VP0014X", "208VP0000X"]),
    ("neuroradiology", "Neuroradiology", "Neuroradiologist, reads spine imaging",
     ["2085N0700X", "2085R0202X"]),
    ("chiropractic", "Chiropractic", "Chiropractor", ["111N00000X", "111NX0800X"]),
    ("physical_therapy", "Physical therapy", "Physical therapist", ["225100000X", "2251X0800X"]),
    ("pain_psychology", "Pain psychology", "Psychologist specialising in pain",
     ["103T00000X", "103TH0004X"]),
    ("primary_care", "Primary care", "Referring / coordinating physician",
     ["207Q00000X", "207R00000X", "208D00000X"]),
]


def load(apps, schema_editor):
    Discipline = apps.get_model("directory", "Discipline")
    for order, (code, name, role, nucc) in enumerate(DISCIPLINES):
        Discipline.objects.update_or_create(
            code=code, defaults={"name": name, "role": role, "nucc_codes": nucc, "sort_order": order}
        )


def unload(apps, schema_editor):
    apps.get_model("directory", "Discipline").objects.filter(
        code__in=[d[0] for d in DISCIPLINES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
