"""Plans, usage metering, invoices and limits (built by a later issue)."""
