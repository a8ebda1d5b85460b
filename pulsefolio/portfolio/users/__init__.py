"""The current user: who they are and the currency they see their portfolio in."""
