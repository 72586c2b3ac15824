"""The SMS pages of a unit's portal under /sms/: outbox, notices, templates, opt-outs, statistics, settings and,
in development, what the sandbox gateway delivered to each phone."""
