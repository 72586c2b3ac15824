"""Business logic of the care domain. Every function takes the acting user first, runs in one transaction,
checks access (care.access), and writes an audit record (care.audit)."""
