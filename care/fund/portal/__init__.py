"""Portal pages of the care fund, under /fund/ (see care.fund.urls)."""
