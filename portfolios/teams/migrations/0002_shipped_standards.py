"""The two standards the papers describe, shipped as data (staff edit them in the admin)."""

from django.db import migrations

CLINICIANS = [
    "clinical_lead",
    "senior_clinician",
    "clinician",
    "parent_infant_specialist",
    "specialist_health_visitor",
]

STANDARDS = [
    {
        "name": "Specialised parent-infant relationship (PAIR) team",
        "kind": "pair",
        "description": (
            "A multi-disciplinary team of about 7.3 whole-time equivalent: a clinical "
            "psychologist, a child and adolescent psychotherapist, another psychologist, "
            "psychotherapist or allied mental health professional, three parent-infant "
            "specialists (for example a health visitor, midwife or social worker) and a service "
            "manager or administrator. Every clinician attains AiMH UK competency Level 2; two "
            "senior clinicians attain Level 3 to supervise and clinically manage the team, which "
            "is led by a consultant clinician at Level 3."
        ),
        "source": (
            "Parent-Infant Foundation, workforce paper on specialised parent-infant relationship "
            "(PAIR) teams, as summarised by this project. The composition and levels here have "
            "not been checked against the published text: staff should confirm them against the "
            "current edition and edit this standard in the admin."
        ),
        "source_url": "https://parentinfantfoundation.org.uk/",
        "requirements": [
            ("clinicians", CLINICIANS, 2, None),
            ("senior clinicians", ["senior_clinician"], 3, 2),
            ("clinical leads", ["clinical_lead"], 3, 1),
        ],
    },
    {
        "name": "Health visiting service",
        "kind": "health_visiting",
        "description": (
            "Every health visiting service includes at least one Specialist Health Visitor in "
            "perinatal and infant mental health."
        ),
        "source": (
            "Health Education England (2016), Specialist Health Visitors in Perinatal & Infant "
            "Mental Health: what they do and why they matter — \"every health visiting service "
            "should include at least one Specialist Health Visitor (PIMH)\". The paper predates "
            "the AiMH UK framework: Level 3 (for practitioners who manage and supervise) is "
            "this project's reading of \"specialist\"."
        ),
        "source_url": "https://www.hee.nhs.uk/our-work/specialist-health-visitors",
        "requirements": [
            ("specialist health visitors", ["specialist_health_visitor"], 3, 1),
        ],
    },
]


def ship(apps, schema_editor):
    TeamStandard = apps.get_model("teams", "TeamStandard")
    StandardRequirement = apps.get_model("teams", "StandardRequirement")
    for data in STANDARDS:
        requirements = data["requirements"]
        fields = {k: v for k, v in data.items() if k != "requirements"}
        standard, created = TeamStandard.objects.get_or_create(
            name=fields["name"], kind=fields["kind"], defaults=fields
        )
        if not created:
            continue
        for position, (label, roles, level, minimum) in enumerate(requirements):
            StandardRequirement.objects.create(
                standard=standard,
                label=label,
                roles=roles,
                level=level,
                minimum=minimum,
                position=position,
            )


class Migration(migrations.Migration):
    dependencies = [("teams", "0001_initial")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
