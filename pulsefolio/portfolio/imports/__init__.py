"""Imports of transactions from other tools' files, all rows or none, and the CSV export."""
