"""Who sees which imports: a batch only to whoever uploaded it, since its rows are that person's work in progress.
Who may import at all, and where, is the registers' rule (care.registers.access.require_write)."""

from care.registers.models import ImportBatch


def own_batches(user):
    """The user's batches, without their file (the report holds what the pages show)."""
    return ImportBatch.objects.filter(created_by=user).defer("content")
