"""What the unit registry tells the layers above it."""

from django.dispatch import Signal

# Sent inside the unit's schema when an operator's support account there is (re)activated: sender=User class,
# with user. The registers give it read access to the whole unit (care.registers.apps).
support_account_ready = Signal()
