"""Business logic of the care programme. Like every app's services: each function takes the acting user (None for the
system), checks access (care.registers.access), runs in one transaction and writes the audit record."""
