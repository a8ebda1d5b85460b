"""Port picking: a platform's dozen ports must be free and must differ from each other."""

from __future__ import annotations

import socket

from pulsefolio.runtime.ports import PortPicker, port_in_use


def test_picked_ports_are_distinct_and_free() -> None:
    picker = PortPicker()
    ports = [picker.one() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert not any(port_in_use("127.0.0.1", port) for port in ports[:20])


def test_a_run_is_consecutive_free_and_apart_from_single_ports() -> None:
    picker = PortPicker()
    singles = {picker.one() for _ in range(50)}
    first = picker.run(3)
    assert singles.isdisjoint(range(first, first + 3))
    assert picker.given >= set(range(first, first + 3))
    assert not any(port_in_use("127.0.0.1", port) for port in range(first, first + 3))


def test_a_run_skips_a_port_someone_holds() -> None:
    picker = PortPicker()
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        taken = held.getsockname()[1]
        for _ in range(100):
            first = picker.run(2)
            assert taken not in (first, first + 1)
