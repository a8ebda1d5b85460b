"""The ``pulsefolio`` command: thin wrappers over :mod:`pulsefolio.runtime`."""
