"""Shared ground of every service: settings, money, errors, database, cache and stream.

Nothing here imports another part of Pulsefolio.
"""
