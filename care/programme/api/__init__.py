"""REST API of the care programme, under /api/v1/programme/ (see care.programme.api_urls)."""
