"""``pulsefolio bench-history`` on a tiny ledger: the table comes out with real figures."""

from __future__ import annotations

from click.testing import CliRunner

from pulsefolio.cli.bench_history import bench_history


class TestBenchHistory:
    def test_prints_a_row_of_figures_per_size(self) -> None:
        result = CliRunner().invoke(bench_history, ["--sizes", "60,120", "--years", "1"])

        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        header = lines[0].split()
        assert header[:2] == ["transactions", "days"] and "baseline" in lines[0]
        rows = [line.split() for line in lines[1:3]]
        assert [row[0] for row in rows] == ["60", "120"]
        assert all(300 < int(row[1]) <= 365 for row in rows)  # first trade to the last day
        assert all(float(row[-1]) < 1e-9 for row in rows)  # loop and arrays agree
        assert all(float(cell) > 0 for row in rows for cell in row[3:9])

    def test_refuses_bad_sizes(self) -> None:
        result = CliRunner().invoke(bench_history, ["--sizes", "5,x"])

        assert result.exit_code == 2
        assert "--sizes" in result.output
