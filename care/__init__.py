"""The care domain inside each unit's schema: registers, programme, visits, talks, fund and reports."""
