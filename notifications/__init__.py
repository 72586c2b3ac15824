"""SMS and other messages: templates, outbox, providers, webhooks, reminders."""
