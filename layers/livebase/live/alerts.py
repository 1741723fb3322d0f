"""Room alerts: pure detectors over a room's per-minute metrics, with the numbers behind each.

Each detector judges the *last* minute of the series it is given; ``scan`` replays a whole
series and keeps onsets only (an alert that held the minute before is not repeated). Tuning
comes from ``market.alerts`` (``livebase.markets.config.AlertThresholds``, set per market in cdk.json):
window lengths included, every knob is a field there.

Conversion drop - one-sided two-proportion z-test, current window vs the room's own trailing
baseline. Trials are unique viewers per minute, successes the viewers who ordered in it; baseline
minutes more than 3 sd above the pooled rate (a flash sale) are left out of it. Minutes
are not independent draws (the same crowd stays), so the variance is inflated by a
quasi-binomial dispersion factor phi = Pearson chi^2 / df of the baseline minutes (phi >= 1):
a flash sale's swing widens the baseline instead of making the next calm minutes look like a
drop. No verdict when fewer than 5 conversions were expected in the window (normal
approximation unsafe). Fires when p < ``conversion_drop_p_value``.

Sentiment spike - per market language: z = (negative share of the window - trailing share) /
sd, with sd = sqrt(phi * p(1-p)/n) of the window's n comments (same dispersion factor). Fires
when z >= ``sentiment_spike_z``, the window has >= ``sentiment_min_comments`` comments, and the
exact binomial tail P(X >= negatives) is as small as a z of that size (small counts are skewed,
so the normal z alone over-alerts).

Viewer drop - concurrent viewers fell by >= ``viewer_drop_fraction`` from the trailing peak,
only while the show is on air for the whole minute (a show's scheduled end is not an alert).

Edge overload - a node's mean CPU or error rate over its threshold: recommend shifting streams to
the neighbouring edge location (same market) with the most measured CPU headroom below the
shift target (80% of the CPU threshold), preferring one whose spare capacity - viewers it can
take at its own CPU cost per viewer - covers the viewers to move. None when no neighbour has room.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from livebase.live.room_minutes import MinuteMetrics
from livebase.markets.config import Market
from livebase.signals.rooms import ConversionDrop, EdgeOverload, RoomAlert, SentimentSpike, ViewerDrop

MIN_EXPECTED_CONVERSIONS = 5.0  # statistical validity of the normal approximation, not tuning
ON_AIR_SECONDS = 55.0


def _dispersion(pairs: Sequence[tuple[int, int]], rate: float) -> float:
    """Pearson chi^2 / df of (trials, successes) per minute around ``rate``; at least 1."""
    used = [(n, x) for n, x in pairs if n > 0]
    if len(used) < 2 or not 0 < rate < 1:
        return 1.0
    chi2 = sum((x - n * rate) ** 2 / (n * rate * (1 - rate)) for n, x in used)
    return max(1.0, chi2 / (len(used) - 1))


def _trim_spikes(pairs: list[tuple[int, int]], z_max: float = 3.0) -> list[tuple[int, int]]:
    """Drop baseline minutes far *above* the pooled rate (a flash sale), so its end is no "drop"."""
    n, x = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
    if n == 0 or not 0 < x < n:
        return pairs
    rate = x / n
    return [(m, k) for m, k in pairs if m == 0 or (k - m * rate) / math.sqrt(m * rate * (1 - rate)) <= z_max]


def _normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def binomial_upper_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed in log space (exact, no scipy in the layer)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    base = math.lgamma(n + 1)
    terms = [base - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q for i in range(k, n + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def detect_conversion_drop(series: Sequence[MinuteMetrics], market: Market) -> ConversionDrop | None:
    limits, window_minutes = market.alerts, market.alerts.conversion_window_minutes
    baseline = list(series[-(window_minutes + limits.conversion_baseline_minutes) : -window_minutes])
    current = series[-window_minutes:]
    if len(current) < window_minutes or len(baseline) < 3:
        return None
    pairs = _trim_spikes([(m.unique_viewers, m.buyers) for m in baseline])
    n0, x0 = sum(n for n, _ in pairs), sum(x for _, x in pairs)
    n1, x1 = sum(m.unique_viewers for m in current), sum(m.buyers for m in current)
    if n0 == 0 or n1 == 0:
        return None
    p0, p1 = x0 / n0, x1 / n1
    if p1 >= p0 or n1 * p0 < MIN_EXPECTED_CONVERSIONS:
        return None
    phi = _dispersion(pairs, p0)
    pooled = (x0 + x1) / (n0 + n1)
    z = (p1 - p0) / math.sqrt(phi * pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    p_value = _normal_cdf(z)
    if p_value >= limits.conversion_drop_p_value:
        return None
    last = series[-1]
    return ConversionDrop(
        market=market.id, room_id=last.room_id, minute=last.minute, window_minutes=window_minutes,
        baseline_minutes=len(baseline), current_viewers=n1, current_buyers=x1, current_rate=p1,
        baseline_viewers=n0, baseline_buyers=x0, baseline_rate=p0,
        spike_minutes_left_out=len(baseline) - len(pairs), dispersion=phi, z=z, p_value=p_value,
        p_threshold=limits.conversion_drop_p_value,
    )  # fmt: skip


def detect_sentiment_spikes(series: Sequence[MinuteMetrics], market: Market) -> list[SentimentSpike]:
    limits = market.alerts
    window_minutes = market.alerts.sentiment_window_minutes
    span = market.alerts.sentiment_baseline_minutes
    baseline, current = series[-(window_minutes + span) : -window_minutes], series[-window_minutes:]
    if len(current) < window_minutes or len(baseline) < 3:
        return []
    spikes = []
    for lang in market.languages:
        n = sum(m.languages[lang].comments for m in current if lang in m.languages)
        k = sum(m.languages[lang].negative for m in current if lang in m.languages)
        per_minute = [(m.languages[lang].comments, m.languages[lang].negative) for m in baseline if lang in m.languages]
        n0, k0 = sum(p[0] for p in per_minute), sum(p[1] for p in per_minute)
        if n < limits.sentiment_min_comments or n0 < limits.sentiment_min_comments:
            continue
        p0 = (k0 + 1) / (n0 + 2)  # Laplace: a spotless baseline still has a finite z
        phi = _dispersion(per_minute, p0)
        z = (k / n - p0) / math.sqrt(phi * p0 * (1 - p0) / n)
        if z < limits.sentiment_spike_z:
            continue
        # Small counts are skewed: confirm with the exact binomial tail at the same level.
        p_value = binomial_upper_tail(round(k / phi), max(1, round(n / phi)), p0)
        if p_value <= _normal_cdf(-limits.sentiment_spike_z):
            last = series[-1]
            spikes.append(SentimentSpike(
                market=market.id, room_id=last.room_id, minute=last.minute, language=lang,
                window_minutes=window_minutes, comments=n, negative=k, negative_share=k / n,
                baseline_comments=n0, baseline_share=k0 / n0, dispersion=phi, z=z, p_value=p_value,
                z_threshold=limits.sentiment_spike_z,
            ))  # fmt: skip
    return spikes


def detect_viewer_drop(series: Sequence[MinuteMetrics], market: Market) -> ViewerDrop | None:
    lookback = market.alerts.viewer_drop_lookback_minutes
    if len(series) < 2:
        return None
    last, earlier = series[-1], series[-1 - lookback : -1]
    if last.on_air_seconds < ON_AIR_SECONDS:
        return None
    peak = max(m.concurrent_viewers for m in earlier)
    if peak < market.alerts.viewer_drop_min_peak:
        return None
    drop = 1 - last.concurrent_viewers / peak
    threshold = market.alerts.viewer_drop_fraction
    if drop < threshold:
        return None
    return ViewerDrop(
        market=market.id, room_id=last.room_id, minute=last.minute, peak_viewers=peak,
        previous_viewers=series[-2].concurrent_viewers, current_viewers=last.concurrent_viewers,
        leaves=last.leaves, drop_fraction=drop, fraction_threshold=threshold,
    )  # fmt: skip


def detect_edge_overload(series: Sequence[MinuteMetrics], market: Market) -> list[EdgeOverload]:
    if not series:
        return []
    last, limits = series[-1], market.alerts
    target = limits.edge_cpu_overload * market.alerts.edge_shift_target_ratio
    healthy = {
        loc: e
        for loc, e in last.edges.items()
        if e.cpu < limits.edge_cpu_overload and e.error_rate < limits.edge_error_rate_overload
    }
    alerts = []
    for loc, edge in sorted(last.edges.items()):
        if loc in healthy:
            continue
        if edge.cpu >= limits.edge_cpu_overload:
            shift = edge.viewers_served * (edge.cpu - target) / edge.cpu
        else:  # errors on a node with CPU to spare: the node is failing, move all of it
            shift = edge.viewers_served
        neighbours = {k: e for k, e in healthy.items() if k != loc and k in market.edge_locations}

        def capacity(e: Any) -> float:
            return math.inf if e.cpu == 0 else e.viewers_served * (target - e.cpu) / e.cpu

        roomy = [k for k, e in neighbours.items() if capacity(e) > 0]
        pool = [k for k in roomy if capacity(neighbours[k]) >= shift] or roomy
        best = max(pool, key=lambda k: (target - neighbours[k].cpu, k), default=None)
        chosen = neighbours[best] if best is not None else None
        cap = None if chosen is None else capacity(chosen)
        alerts.append(EdgeOverload(
            market=market.id, room_id=last.room_id, minute=last.minute, edge_location=loc, cpu=edge.cpu,
            error_rate=edge.error_rate, viewers_served=edge.viewers_served,
            cpu_threshold=limits.edge_cpu_overload, error_rate_threshold=limits.edge_error_rate_overload,
            viewers_to_shift=math.ceil(shift),
            recommended_location=best, recommended_cpu=None if chosen is None else chosen.cpu,
            recommended_capacity=None if cap is None or math.isinf(cap) else int(cap),
            unmeasured_neighbours=tuple(k for k in market.edge_locations if k not in last.edges),
        ))  # fmt: skip
    return alerts


def evaluate(series: Sequence[MinuteMetrics], market: Market) -> list[RoomAlert]:
    """Every detector, judged at the last minute of ``series``."""
    found: list[RoomAlert] = []
    if (conversion := detect_conversion_drop(series, market)) is not None:
        found.append(conversion)
    found.extend(detect_sentiment_spikes(series, market))
    if (viewers := detect_viewer_drop(series, market)) is not None:
        found.append(viewers)
    found.extend(detect_edge_overload(series, market))
    return found


def scan(series: Sequence[MinuteMetrics], market: Market) -> list[RoomAlert]:
    """Replay a room minute by minute; report each alert at its onset only."""
    reach = 1 + max(
        market.alerts.conversion_baseline_minutes + market.alerts.conversion_window_minutes,
        market.alerts.sentiment_baseline_minutes + market.alerts.sentiment_window_minutes,
        market.alerts.viewer_drop_lookback_minutes,
    )
    onsets: list[RoomAlert] = []
    active: set[str] = set()
    for end in range(1, len(series) + 1):
        alerts = evaluate(series[max(0, end - reach) : end], market)
        onsets.extend(a for a in alerts if a.key not in active)
        active = {a.key for a in alerts}
    return onsets
