"""Transactions: the ledger entries a user records; every write keeps positions consistent."""
