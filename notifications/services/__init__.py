"""The SMS engine's business logic: settings, templates, opt-outs, the outbox, greetings and delivery outcomes.
Each function that changes something takes the acting user (None for the system), runs in one transaction and
is audited, as the care services are."""
