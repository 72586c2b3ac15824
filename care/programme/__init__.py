"""The care programme engine: unit rules, the Chinese calendar, care tasks and greetings, visits, talks,
life events, pairing and commendations."""
