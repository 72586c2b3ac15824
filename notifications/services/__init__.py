"""The SMS engine's business logic. Each function that changes something takes the acting user (None for the
system), runs in one transaction and is audited, as the care services are.

The modules, each importing only modules listed before it:
- `config` (the settings as read), `hours` (sending windows), `refusals` (who must not get a message, and why);
- `optouts`, `followups` (what a failed delivery asks of people), `delivery` (the one state machine: every move
  of a message's status but a refusal), `calls` (a voice message's tries, keys and minutes once its call is
  placed), `relay` (sends and calls; its task), `outbox` (queues, then asks for the relay), `voice` (queues calls:
  the seam for whatever sends by voice; the TwiML of a call);
- `settings` and `windows` (changing what the outbox plans with), `templates`, `greetings`, `notices` (by SMS or
  voice), `reminders`, `replies` (STOP/START/HELP), `stats`, `sandbox_phones` (development only).
"""
