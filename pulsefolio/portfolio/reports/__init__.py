"""Reports across all of the caller's accounts: the tax-lot report."""
