"""Business logic of the registers. Every function takes the acting user first, runs in one transaction,
checks access (care.registers.access), and writes an audit record (carehub.audit)."""
