"""Business logic of the care fund. Like every app's services: each function takes the acting user first, checks access
(care.fund.access), runs in one transaction and writes the audit record."""
