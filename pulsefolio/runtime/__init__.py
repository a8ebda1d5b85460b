"""Embedded servers, the services' launch specs and the supervisor that runs them.

Only :mod:`pulsefolio.cli` imports this package; the services never do.
"""
