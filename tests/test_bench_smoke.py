"""The HTTP commands benchmark runs end to end on a tiny load; its figures are not checked."""

import os

import pytest

from bench import http_commands


def test_benchmark_tiny_run(capsys: pytest.CaptureFixture[str]) -> None:
    cpus_before = os.sched_getaffinity(0)

    rounds = http_commands.main(
        ["--clients", "1,2", "--rounds", "1", "--operations", "4", "--warmup", "1", "--cases-per-client", "1"]
    )

    # The benchmark pins this process while it runs and must give the test run its CPUs back.
    assert os.sched_getaffinity(0) == cpus_before
    assert sorted(rounds) == [(target, clients) for target in ("http", "library", "raw") for clients in (1, 2)]
    assert all(result.operations == 4 for results in rounds.values() for result in results)
    printed = capsys.readouterr().out
    assert "1 client(s): http/library" in printed
    assert "2 client(s): http/library" in printed
