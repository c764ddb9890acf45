"""Target labour demand over time: the automation shock (logistic adoption) and the demand cycle.

The automation shock moves target demand from D0 to D_final along the paper's logistic path:
adoption(t) = 1 / (1 + exp(-k (t - start - T/2))) for t >= start, with k chosen so that adoption reaches
``automation_level`` (0.9999) at start + T. The cycle multiplies target demand by 1 - a sin(2 pi (t - start)/period).

D_final comes from an exposure index x_i (rescaled to a share of tasks, by its declared rule, see :data:`RULE_DISPLACEMENT_SHARE`) through three
separate channels (Acemoglu & Restrepo 2019), each a documented parameter with a range (docs/engine.md):

  displacement   D0_i * s x_i                 s = displacement_share: exposure is not automation (Eloundou
                                              et al. 2024), only a share s of the exposed task time is lost
  augmentation   D0_i * g (1 - s) x_i          the exposed tasks not displaced are made more productive; their
                                              demand is kept (g = augmentation = 0) or raised by g
  reinstatement  R * G * w_i                  new tasks: R (reinstatement) times the gross displaced demand
                                              G = sum_i D0_i s x_i, spread by w_i ~ D0_i (1 - s x_i)

D_final_i = D0_i (1 - s x_i + g (1 - s) x_i) + R G w_i. R = 1 keeps total demand (the paper; with g = 0 this is
exactly its renormalisation), R = 0 is ``net_loss``. For an index that is already an automation probability
(Frey-Osborne, the paper's own case) x_i is used as it is, with s = 1 by default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workshift.errors import InputError
from workshift.market.params import value

# What each rescaling rule does (an index declares its rule: indices.toml, or the pack's exposure_indices.rule;
# the names are workshift.data.contract.EXPOSURE_RULES) and the displacement share it defaults to:
#   share:       the index is already a share of tasks (used as is, clipped to [0, 1]);
#   quantile:    mapped by employment-weighted rank onto the distribution of gpts_beta (a task share), so
#                that indices on other scales (z-scores, usage scores) say "as exposed as the q-th
#                percentile occupation by GPTs-are-GPTs";
#   probability: an automation probability, used directly as p (the paper's Frey-Osborne case), s = 1.
RULE_DISPLACEMENT_SHARE: dict[str, float] = {
    "share": value("displacement_share"),
    "quantile": value("displacement_share"),
    "probability": 1.0,
}
QUANTILE_REFERENCE = "gpts_beta"


def logistic_rate(adoption_steps: float, level: float | None = None) -> float:
    """Growth rate k of the adoption logistic that reaches ``level`` after ``adoption_steps``."""
    level = value("automation_level") if level is None else level
    return -np.log(1.0 / level - 1.0) / (adoption_steps / 2.0)


def adoption(t: np.ndarray | float, start: float, adoption_steps: float, level: float | None = None) -> np.ndarray:
    """Share of the automation shock reached at step t (0 before ``start``)."""
    t = np.asarray(t, dtype=np.float64)
    k = logistic_rate(adoption_steps, level)
    with np.errstate(over="ignore"):
        share = 1.0 / (1.0 + np.exp(-k * (t - start - adoption_steps / 2.0)))
    return np.where(t < start, 0.0, share)


def rescale_exposure(values: np.ndarray, rule: str, weights: np.ndarray, reference: np.ndarray | None,
                     low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """Turn one index's node values into a task share x in [0, 1] by its rule."""
    values = np.asarray(values, dtype=np.float64)
    if rule in ("share", "probability"):
        return np.clip(values, 0.0, 1.0)
    if rule != "quantile":
        raise InputError(f"unknown exposure rescaling rule '{rule}'")
    if reference is None:  # no reference index: min-max on the index's documented range
        return np.clip((values - low) / (high - low), 0.0, 1.0)
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    ranks = np.empty_like(values)
    ranks[order] = (cum - 0.5 * weights[order]) / cum[-1]
    ref_order = np.argsort(reference, kind="stable")
    ref_cum = np.cumsum(weights[ref_order])
    ref_q = (ref_cum - 0.5 * weights[ref_order]) / ref_cum[-1]
    return np.interp(ranks, ref_q, reference[ref_order])


@dataclass(frozen=True)
class ShockChannels:
    """The AI shock's three channels per node, in persons of labour demand at full adoption (shape like D0)."""

    displaced: np.ndarray  # D0 s x: gross task displacement
    augmented: np.ndarray  # D0 g (1 - s) x: demand gained on augmented tasks (0 = demand kept)
    reinstated: np.ndarray  # R G w: new tasks
    task_loss_share: np.ndarray  # s x - g (1 - s) x: a node's own net loss of task demand, share of D0

    @property
    def change(self) -> np.ndarray:
        """D_final - D0 per node."""
        return self.reinstated + self.augmented - self.displaced

    def totals(self) -> dict[str, float]:
        """Sums over nodes (first scenario): gross displacement, augmentation, reinstatement, the net
        reallocation (demand that must move between occupations: the sum of the net losses) and the net
        change of total demand."""
        change = np.atleast_2d(self.change)[0]
        return {"displaced_gross": float(np.atleast_2d(self.displaced)[0].sum()),
                "augmented": float(np.atleast_2d(self.augmented)[0].sum()),
                "reinstated": float(np.atleast_2d(self.reinstated)[0].sum()),
                "net_reallocation": float(np.maximum(-change, 0.0).sum()),
                "net_change": float(change.sum())}


def shock_channels(d0: np.ndarray, x: np.ndarray, displacement_share: float, augmentation: float,
                   reinstatement: float) -> ShockChannels:
    """The three channels of the shock from task shares x (see the module docstring)."""
    if not 0.0 <= displacement_share <= 1.0:
        raise InputError(f"displacement_share = {displacement_share} must be in [0, 1]")
    if not 0.0 <= augmentation <= 10.0:
        raise InputError(f"augmentation = {augmentation} must be in [0, 10]")
    if not 0.0 <= reinstatement <= 2.0:
        raise InputError(f"reinstatement = {reinstatement} must be in [0, 2]")
    d0 = np.asarray(d0, dtype=np.float64)
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    displaced_share, augmented_share = displacement_share * x, augmentation * (1.0 - displacement_share) * x
    displaced, augmented = d0 * displaced_share, d0 * augmented_share
    remaining = d0 - displaced
    total = remaining.sum(axis=-1, keepdims=True)
    weights = np.divide(remaining, total, out=np.zeros_like(remaining), where=total > 0)
    reinstated = reinstatement * displaced.sum(axis=-1, keepdims=True) * weights
    return ShockChannels(displaced, augmented, reinstated, displaced_share - augmented_share)


@dataclass
class DemandPath:
    """Target demand d(t) = [D0 + (D_final - D0) adoption(t)] * cycle(t), arrays of shape (B or 1, n)."""

    d0: np.ndarray
    d_final: np.ndarray
    start: int = 100
    adoption_steps: float = 231.0
    cycle_amplitude: float | np.ndarray = 0.0
    cycle_period: float = 103.0
    cycle_start: int = 100

    def __post_init__(self) -> None:
        self.d0 = np.atleast_2d(np.asarray(self.d0, dtype=np.float64))
        self.d_final = np.atleast_2d(np.asarray(self.d_final, dtype=np.float64))
        self.cycle_amplitude = np.asarray(self.cycle_amplitude, dtype=np.float64).reshape(-1, 1)
        if self.adoption_steps <= 0:
            raise InputError(f"adoption_steps = {self.adoption_steps} must be > 0")
        if self.cycle_period <= 0:
            raise InputError(f"cycle period_steps = {self.cycle_period} must be > 0")
        if np.any(np.abs(self.cycle_amplitude) >= 1):
            raise InputError("cycle amplitude must be in (-1, 1)")

    def adoption(self, t: float) -> float:
        return float(adoption(t, self.start, self.adoption_steps))

    def cycle(self, t: float) -> np.ndarray:
        if t < self.cycle_start:
            return np.ones_like(self.cycle_amplitude)
        return 1.0 - self.cycle_amplitude * np.sin(2.0 * np.pi * (t - self.cycle_start) / self.cycle_period)

    def at(self, t: float) -> np.ndarray:
        """Target demand at step t, shape (B or 1, n)."""
        shocked = self.d0 + (self.d_final - self.d0) * self.adoption(t)
        return shocked * self.cycle(t)
