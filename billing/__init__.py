"""Plans, usage metering, invoices and limits."""
