"""The soak test: steady load with faults injected on a schedule, then a check that every
acknowledged write is stored exactly once and positions equal the sum of transactions."""

from pulsefolio.runtime.soak.run import SoakOptions, run_soak

__all__ = ["SoakOptions", "run_soak"]
