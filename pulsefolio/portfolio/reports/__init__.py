"""Reports across the caller's accounts: the tax-lot report and the income report."""
