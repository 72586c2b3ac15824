"""REST API of the care fund, under /api/v1/fund/ (see care.fund.api_urls)."""
