"""``pulsefolio bench``: the platform measured against its own ceilings."""
