"""A/B experiments on live sessions: who sees which variant, and whether the difference is real.

A session's audience is split between two variants (line-up order, host style). A variant that
changes what is streamed is its own live room (:func:`arm_room`). The split happens on the join
path: the player's join request (``functions/player``, ``livebase.sessions.joining``) gets the
viewer's arm from :func:`assign_variant` on the pseudonymous key and the exposure is recorded in
the market's player table (experiment, viewer hash -> arm, first exposure); the analysis counts
exposed viewers per arm and, of them, those who ordered after their first exposure
(``flows/session_experiments.py``). No viewer id leaves the market.

The analysis (:func:`analyse`) compares viewer conversion (buyers / unique viewers) of the arms:
the difference B - A with its confidence interval (Newcomb), a two-proportion z-test, and the
sample per arm needed to detect ``mde`` (absolute) at ``alpha`` and ``power``. No winner is
declared before both arms reach that sample: deciding at the planned size, not whenever the
p-value dips (peeking), keeps the false-winner rate at ``alpha``. Pure: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from hashlib import blake2b
from typing import Literal

Variant = Literal["A", "B"]
VARIANTS: tuple[Variant, Variant] = ("A", "B")
A_WINS, B_WINS, NO_DIFFERENCE = "A wins", "B wins", "no difference"
UNDERPOWERED = "underpowered: need {n} per arm"
SRM_P_VALUE = 0.001  # below this the split itself is broken (sample ratio mismatch): check assignment
_SCALE = float(1 << 64)


def _key(experiment_id: str) -> bytes:
    raw = experiment_id.encode()
    return raw if len(raw) <= 64 else blake2b(raw, digest_size=64).digest()  # blake2b keys are <= 64 bytes


def assign_variant(viewer_key: str, experiment_id: str, share: float = 0.5) -> Variant:
    """The viewer's variant: a keyed hash of the pseudonymous key, stable across calls and processes.

    ``share`` is the fraction of the audience that sees B. Keyed by the experiment, so one viewer's
    arms in two experiments are independent; the same viewer always gets the same arm of one.
    """
    if not viewer_key:
        raise ValueError("viewer_key: must not be empty")
    if not experiment_id:
        raise ValueError("experiment_id: must not be empty")
    if not 0.0 < share < 1.0:
        raise ValueError(f"share: must be between 0 and 1 (exclusive), got {share}")
    digest = blake2b(viewer_key.encode(), key=_key(experiment_id), digest_size=8).digest()
    return "B" if int.from_bytes(digest, "big") / _SCALE < share else "A"


def arm_room(room_id: str, variant: Variant) -> str:
    """The live room of one arm of a session's experiment (``<room>-A`` / ``<room>-B``)."""
    if variant not in VARIANTS:
        raise ValueError(f"variant: must be 'A' or 'B', got {variant!r}")
    return f"{room_id}-{variant}"


@dataclass(frozen=True, slots=True)
class ArmCounts:
    """One arm's audience: distinct viewers and, of them, distinct buyers."""

    viewers: int
    buyers: int

    def __post_init__(self) -> None:
        if self.viewers < 0 or self.buyers < 0:
            raise ValueError(f"viewers, buyers: must not be negative, got {self.viewers}, {self.buyers}")
        if self.buyers > self.viewers:
            raise ValueError(f"buyers: {self.buyers} is more than the arm's {self.viewers} viewers")

    @property
    def conversion(self) -> float:
        return self.buyers / self.viewers if self.viewers else 0.0


@dataclass(frozen=True, slots=True)
class ExperimentResult:
    """The comparison of B against A and what may be concluded from it."""

    a: ArmCounts
    b: ArmCounts
    difference: float  # conversion B - A (absolute)
    ci_low: float | None  # None until both arms have viewers
    ci_high: float | None
    z: float | None  # None until both arms have viewers and the pooled rate is neither 0 nor 1
    p_value: float | None
    needed_per_arm: int
    srm_p_value: float | None  # chi-square of the split against ``share``
    verdict: str
    alpha: float
    power: float
    mde: float

    @property
    def sample_ratio_mismatch(self) -> bool:
        return self.srm_p_value is not None and self.srm_p_value < SRM_P_VALUE

    def row(self) -> dict[str, object]:
        """Flat, rounded: a row of the flow's table artifact."""
        flat: dict[str, object] = {f"{arm}_{k}": v for arm in ("a", "b") for k, v in asdict(getattr(self, arm)).items()}
        flat |= {"a_conversion": round(self.a.conversion, 5), "b_conversion": round(self.b.conversion, 5)}
        for name in ("difference", "ci_low", "ci_high", "z", "p_value", "srm_p_value"):
            value = getattr(self, name)
            flat[name] = None if value is None else round(value, 5)
        flat |= {"needed_per_arm": self.needed_per_arm, "verdict": self.verdict}
        flat["sample_ratio_mismatch"] = self.sample_ratio_mismatch
        return flat


def _check(name: str, value: float, low: float, high: float) -> None:
    if not (low < value < high) or math.isnan(value):
        raise ValueError(f"{name}: must be between {low} and {high} (exclusive), got {value}")


def needed_sample(baseline: float, mde: float, *, alpha: float, power: float, share: float = 0.5) -> tuple[int, int]:
    """Viewers needed in (A, B) to detect an absolute change ``mde`` from ``baseline`` conversion.

    Cohen's h between ``baseline + mde`` and ``baseline`` (two-sided), statsmodels' normal power,
    B's arm ``share / (1 - share)`` times A's.
    """
    from statsmodels.stats.power import NormalIndPower  # here, not at import: the join path ships no statsmodels
    from statsmodels.stats.proportion import proportion_effectsize

    _check("mde", mde, 0.0, 1.0)
    low = max(0.0, min(baseline, 1.0 - mde))  # near 1 there is no room upwards: the same gap below
    effect = abs(float(proportion_effectsize(low + mde, low)))
    ratio = share / (1.0 - share)
    n_a = float(NormalIndPower().solve_power(effect_size=effect, alpha=alpha, power=power, ratio=ratio))
    return math.ceil(n_a), math.ceil(n_a * ratio)


def _split_p_value(a: ArmCounts, b: ArmCounts, share: float) -> float | None:
    from scipy.stats import chisquare

    total = a.viewers + b.viewers
    if total == 0:
        return None
    return float(chisquare([a.viewers, b.viewers], f_exp=[total * (1 - share), total * share]).pvalue)


def analyse(
    a: ArmCounts, b: ArmCounts, *, alpha: float = 0.05, power: float = 0.8, mde: float = 0.01, share: float = 0.5
) -> ExperimentResult:
    """Compare conversion of B against A; the verdict is one of "A wins", "B wins", "no difference",
    or "underpowered: need N per arm" while either arm is below the needed sample."""
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    _check("alpha", alpha, 0.0, 0.5)
    _check("power", power, 0.5, 1.0)
    _check("share", share, 0.0, 1.0)
    viewers, buyers = a.viewers + b.viewers, a.buyers + b.buyers
    pooled = buyers / viewers if viewers else 0.0
    baseline = a.conversion if a.viewers else pooled
    need_a, need_b = needed_sample(baseline, mde, alpha=alpha, power=power, share=share)
    low = high = z = p_value = None
    if a.viewers and b.viewers:
        low, high = (float(x) for x in confint_proportions_2indep(
            b.buyers, b.viewers, a.buyers, a.viewers, method="newcomb", compare="diff", alpha=alpha
        ))  # fmt: skip
        if 0 < pooled < 1:
            stat, p = proportions_ztest([b.buyers, a.buyers], [b.viewers, a.viewers])
            z, p_value = float(stat), float(p)
    difference = b.conversion - a.conversion
    if a.viewers < need_a or b.viewers < need_b:  # decide at the planned size only
        verdict = UNDERPOWERED.format(n=max(need_a, need_b))
    elif p_value is None or p_value >= alpha:
        verdict = NO_DIFFERENCE
    else:
        verdict = B_WINS if difference > 0 else A_WINS
    return ExperimentResult(
        a=a, b=b, difference=difference, ci_low=low,
        ci_high=high, z=z, p_value=p_value, needed_per_arm=max(need_a, need_b),
        srm_p_value=_split_p_value(a, b, share), verdict=verdict, alpha=alpha, power=power, mde=mde,
    )  # fmt: skip
