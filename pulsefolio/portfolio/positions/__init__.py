"""Positions per account as the ledger keeps them, and the position-change announcements."""
