"""Pulsefolio: a self-hostable, real-time investment portfolio platform."""

__version__ = "0.1.0"
