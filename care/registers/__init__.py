"""Registers of a unit: its members (and, as they are built, its organisation tree and hardship ledger)."""
