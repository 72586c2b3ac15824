"""SMS and other messages: templates, outbox, providers, webhooks, reminders (built by a later issue)."""
