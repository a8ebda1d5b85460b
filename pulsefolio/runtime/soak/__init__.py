"""The soak test: steady load with faults injected on a schedule, then a check that every
acknowledged write is stored exactly once and positions equal the sum of transactions; and the
fault sequence: one kill after another under write load, each recovered from before the next."""

from pulsefolio.runtime.soak.run import SoakOptions, run_soak
from pulsefolio.runtime.soak.sequence import SequenceOptions, run_fault_sequence

__all__ = ["SequenceOptions", "SoakOptions", "run_fault_sequence", "run_soak"]
