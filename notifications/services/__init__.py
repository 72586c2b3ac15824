"""The SMS engine's business logic. Each function that changes something takes the acting user (None for the
system), runs in one transaction and is audited, as the care services are.

The modules, each importing only modules listed before it:
- `config` (the settings as read), `hours` (sending windows), `refusals` (who must not get a message, and why);
- `optouts`, `followups` (what a failed delivery asks of people), `delivery` (the one state machine: every move
  of a message's status but a refusal), `relay` (sends; its task), `outbox` (queues, then asks for the relay);
- `settings` and `windows` (changing what the outbox plans with), `templates`, `greetings`, `notices`,
  `reminders`, `replies` (STOP/START/HELP), `stats`, `sandbox_phones` (development only).
"""
