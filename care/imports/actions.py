"""What imports and exports record in the audit trail (see carehub.audit.actions).

The records an import creates are recorded with the registers' own actions (registers.member.created, ...), as
when they are created one by one, with the source "import"; the file itself is recorded with BATCH_IMPORTED.
"""

from django.utils.translation import gettext_lazy as _

from carehub.audit.actions import Action

BATCH_IMPORTED = Action("imports.batch.imported", _("File imported"))
# The object type (member, hardshipentry) says which list; the changes hold its filters and row count.
RECORDS_EXPORTED = Action("imports.records.exported", _("List exported"))
