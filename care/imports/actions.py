"""What imports and exports record in the audit trail (see carehub.audit.actions).

The records an import creates are recorded with the registers' own actions (registers.member.created, ...), as
when they are created one by one, with the source "import"; the file itself is recorded with BATCH_IMPORTED.
"""

from django.utils.translation import gettext_lazy as _

from carehub.audit.actions import Action

BATCH_IMPORTED = Action("imports.batch.imported", _("File imported"))
# The object type (member, hardshipentry) says which list; the changes hold its filters and row count.
RECORDS_EXPORTED = Action("imports.records.exported", _("List exported"))
# Which field each column of the unit's files holds, as chosen in an import's column step; the changes hold
# each column's field before and after, and the object is the file the choice was made for.
COLUMNS_CHOSEN = Action("imports.columns.chosen", _("Import columns chosen"))
# A remembered choice dropped: the next file with that header is read as if it had never been chosen.
COLUMN_FORGOTTEN = Action("imports.column.forgotten", _("Remembered import column forgotten"))
