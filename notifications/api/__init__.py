"""The SMS API under /api/v1/sms/: templates with preview, notices (prepare, then send), the outbox, opt-outs,
members' own sending windows, monthly statistics and the unit's SMS settings. Thin views over
notifications.services, scoped by notifications.access."""
