"""The unit's append-only audit trail: who changed what, when, and from where."""
