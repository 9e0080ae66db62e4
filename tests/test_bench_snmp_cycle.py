"""The SNMP cycle benchmark's pure helpers (the benchmark itself runs outside the suite)."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from collectors.profiles import load_profile

BENCH = Path(__file__).resolve().parent.parent / "bench" / "snmp_cycle.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_snmp_cycle", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_snmp_cycle", module)
    spec.loader.exec_module(module)
    return module


def test_the_request_is_the_profiles_poll_of_four_interfaces_with_four_columns() -> None:
    bench = _bench()
    profile = load_profile()
    columns = tuple(profile.object(name) for name, _, _ in bench.COLUMNS)
    assert [c.oid for c in columns] == [oid for _, oid, _ in bench.COLUMNS]
    four = dataclasses.replace(profile, poll_interface_columns=columns)
    assert four.poll_oids(bench.INTERFACES) == bench.request_oids()
    assert len(bench.request_oids()) == 17


def test_dead_devices_are_one_in_ten_and_spread_among_the_live() -> None:
    bench = _bench()
    flags = bench.dead_flags(1000)
    assert sum(flags) == 100 and flags[9] and not flags[0]
    live, dead = [("live", n) for n in range(900)], [("dead", n) for n in range(300)]
    mixed = bench.interleave(live, dead)
    assert sorted(mixed) == sorted(live + dead)
    for start in range(0, 1200, 100):  # every stretch of 100 holds about a quarter dead
        assert 20 <= sum(1 for kind, _ in mixed[start : start + 100] if kind == "dead") <= 30
    assert bench.interleave(live, []) == live


def test_the_exporter_module_asks_the_same_oids() -> None:
    bench = _bench()
    config = bench.exporter_config(1.0, 1)
    for oid in bench.request_oids():
        assert f"  - {oid}\n" in config
    assert "timeout: 1s" in config and "retries: 1" in config and "community: public" in config
