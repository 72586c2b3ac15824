"""The public-schema registry of units: their domains, onboarding, lifecycle and the operator console."""
