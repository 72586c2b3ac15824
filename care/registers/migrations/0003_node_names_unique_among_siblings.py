"""Two organisations under the same parent (or two roots) may not share a name. Units that already have such
twins keep the oldest name as it is and get the others renamed "<name> (<id>)", so the constraint can be added;
the rename is visible in the tree and can be changed by hand."""

from django.db import migrations, models
from django.db.models import Count


def rename_twins(apps, schema_editor):
    Node = apps.get_model("registers", "Node")
    name_length = Node._meta.get_field("name").max_length
    twins = Node.objects.values("parent_id", "name").annotate(count=Count("pk")).filter(count__gt=1)
    for twin in twins:
        later = Node.objects.filter(parent_id=twin["parent_id"], name=twin["name"]).order_by("pk")[1:]
        for node in later:
            suffix = f" ({node.pk})"
            node.name = twin["name"][: name_length - len(suffix)] + suffix
            node.save(update_fields=["name"])


class Migration(migrations.Migration):

    dependencies = [
        ("registers", "0002_importbatch"),
    ]

    operations = [
        migrations.RunPython(rename_twins, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="node",
            constraint=models.UniqueConstraint(fields=("parent", "name"), name="node_name_unique_among_siblings"),
        ),
        migrations.AddConstraint(
            model_name="node",
            constraint=models.UniqueConstraint(condition=models.Q(("parent__isnull", True)), fields=("name",),
                                               name="node_name_unique_among_roots"),
        ),
    ]
