"""One module per embedded server, each building a :class:`~pulsefolio.runtime.spec.ProcessSpec`."""
