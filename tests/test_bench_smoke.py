"""The HTTP commands benchmark runs end to end on a tiny load; its figures are not checked."""

import pytest

from bench import http_commands


def test_benchmark_tiny_run(capsys: pytest.CaptureFixture[str]) -> None:
    rounds = http_commands.main(
        ["--clients", "1,2", "--rounds", "1", "--operations", "4", "--warmup", "1", "--cases-per-client", "1"]
    )

    assert sorted(rounds) == [(target, clients) for target in ("http", "library", "raw") for clients in (1, 2)]
    assert all(result.operations == 4 for results in rounds.values() for result in results)
    printed = capsys.readouterr().out
    assert "1 client(s): http/library" in printed
    assert "2 client(s): http/library" in printed
