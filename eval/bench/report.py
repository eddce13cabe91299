"""Tables of the benchmark: rows of figures, printed with the machine under each one and written to a Markdown page."""

from __future__ import annotations

import math
import os
import resource
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Table:
    """One table: a title, column names, rows (first cell the row's name) and notes that say how to read it."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, name: str) -> dict[str, Any]:
        """The row called `name` as {column: value}."""
        for cells in self.rows:
            if cells[0] == name:
                return dict(zip(self.columns, cells))
        raise KeyError(name)

    def markdown(self, machine_line: str) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |",
                 "|" + "---|" + "---:|" * (len(self.columns) - 1)]
        lines += ["| " + " | ".join(cell(value) for value in cells) + " |" for cells in self.rows]
        lines += ["", machine_line]
        if self.notes:
            lines += [""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def cell(value: Any) -> str:
    """A figure as people read it: three significant digits, thousands apart, '—' for nothing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if v == 0:
            return "0"
        if abs(v) >= 100:
            return f"{v:,.0f}"
        if abs(v) >= 10:
            return f"{v:.1f}"
        if abs(v) >= 0.01:
            return f"{v:.3g}" if abs(v) < 1 else f"{v:.2f}"
        return f"{v:.2g}"
    return str(value)


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and mean (nearest-rank on the sorted values, as latency reports usually are)."""
    if not values_ms:
        return {"p50": math.nan, "p95": math.nan, "p99": math.nan, "mean": math.nan}
    ordered = sorted(values_ms)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]

    return {"p50": rank(50), "p95": rank(95), "p99": rank(99), "mean": statistics.fmean(ordered)}


def _proc_status_mib(field: str) -> float | None:
    """A memory line of /proc/self/status in MiB (None where there is no /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mib() -> float:
    """This process's resident memory now (MiB)."""
    value = _proc_status_mib("VmRSS")
    return math.nan if value is None else value


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (MiB): VmHWM, which starts afresh at exec (ru_maxrss does not)."""
    value = _proc_status_mib("VmHWM")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if value is None else value


def disk_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
