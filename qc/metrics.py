"""Process metrics in Prometheus' text exposition format (version 0.0.4), without a client library.

Histograms and counters live in this process (web request latency, live alert latency); the
``/metrics`` page adds the store's counts at scrape time. Thread-safe: handlers run on worker threads.
"""

from __future__ import annotations

import bisect
import math
import threading
from dataclasses import dataclass

LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
ALERT_BUCKETS_S = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def labels_text(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in sorted(labels.items())) + "}"


def number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NaN"
    if value == math.inf:
        return "+Inf"
    return repr(float(value)) if isinstance(value, float) else str(value)


@dataclass
class _Series:
    counts: list[int]
    total: float = 0.0
    observations: int = 0


class Histogram:
    def __init__(self, name: str, help_text: str, buckets: tuple[float, ...]):
        self.name, self.help_text, self.buckets = name, help_text, tuple(sorted(buckets))
        self._series: dict[tuple[tuple[str, str], ...], _Series] = {}
        self._lock = threading.Lock()

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = _Series([0] * len(self.buckets))
            index = bisect.bisect_left(self.buckets, value)
            if index < len(self.buckets):
                series.counts[index] += 1
            series.total += value
            series.observations += 1

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help_text}", f"# TYPE {self.name} histogram"]
        with self._lock:
            items = sorted((k, _Series(list(s.counts), s.total, s.observations)) for k, s in self._series.items())
        for key, series in items:
            labels = dict(key)
            running = 0
            for bound, count in zip(self.buckets, series.counts):
                running += count
                lines.append(f"{self.name}_bucket{labels_text({**labels, 'le': number(float(bound))})} {running}")
            lines.append(f"{self.name}_bucket{labels_text({**labels, 'le': '+Inf'})} {series.observations}")
            lines.append(f"{self.name}_sum{labels_text(labels)} {number(series.total)}")
            lines.append(f"{self.name}_count{labels_text(labels)} {series.observations}")
        return lines


class Counter:
    def __init__(self, name: str, help_text: str):
        self.name, self.help_text = name, help_text
        self._values: dict[tuple[tuple[str, str], ...], float] = {}
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def render(self) -> list[str]:
        with self._lock:
            items = sorted(self._values.items())
        return [f"# HELP {self.name} {self.help_text}", f"# TYPE {self.name} counter",
                *(f"{self.name}{labels_text(dict(k))} {number(v)}" for k, v in items)]


def gauge(name: str, help_text: str, samples: list[tuple[dict[str, str], float]], kind: str = "gauge") -> list[str]:
    """A metric whose values come from elsewhere at scrape time (the store's counts)."""
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}",
            *(f"{name}{labels_text(labels)} {number(value)}" for labels, value in samples)]


HTTP_LATENCY = Histogram("qc_http_request_duration_seconds", "Web request latency by route template, method and status class.",
                         LATENCY_BUCKETS_S)
LIVE_ALERT_LATENCY = Histogram("qc_live_alert_latency_seconds",
                               "From the end of the speech that triggered a live alert to the alert being published.",
                               ALERT_BUCKETS_S)
