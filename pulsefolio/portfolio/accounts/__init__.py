"""Accounts: a user's brokerage, retirement or savings accounts, each in one currency."""
