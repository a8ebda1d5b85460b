"""The portfolio valuation endpoints: ``GET /api/v1/portfolio`` and per account."""
