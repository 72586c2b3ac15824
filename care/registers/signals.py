"""What the registers tell the layers above them, which plug in from their AppConfig.ready (the registers know
nothing of them). Sent inside the caller's transaction: what the receivers change commits or rolls back with it."""

from django.dispatch import Signal

# A hardship entry was reviewed (whatever the outcome): sender=HardshipEntry, actor, review (its entry and
# member loaded). The care programme completes the member's hardship-review tasks.
hardship_reviewed = Signal()
