"""Unit and time weights of synthetic control, SDID and DID, as the R package ``synthdid`` computes them.

Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), "Synthetic Difference-in-Differences", AER 111(12).
Outcome matrix Y (units x periods), controls first (N0 rows), then the treated; T0 pre-periods.

- noise sigma = sd of the controls' first differences over the pre-periods;
- unit weights omega on the simplex: min ||omega0 + Y_co,pre' omega - ybar_tr,pre||^2 / T0 + zeta_w^2 ||omega||^2,
  zeta_w = (N_tr T_post)^(1/4) sigma, with an intercept omega0 (SDID); SC: no intercept, zeta_w = 1e-6 sigma;
- time weights lambda on the simplex: the same problem across periods (controls' pre-periods against their
  post-period mean), intercept, zeta_l = 1e-6 sigma (SDID); SC: lambda = 0; DID: uniform omega and lambda;
- each solved by Frank-Wolfe (at most 100 steps), "sparsified" (weights <= max/4 set to 0, renormalised), then
  Frank-Wolfe again from there (at most 10,000 steps), stopping when the objective falls by < (1e-5 sigma)^2;
- tau = (-omega, 1/N1)' Y (-lambda, 1/T1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

METHODS = ("sc", "sdid", "did")
PRE_SPARSIFY_STEPS = 100
MAX_STEPS = 10_000


@numba.njit(cache=True)
def _frank_wolfe(y: np.ndarray, zeta: float, intercept: bool, x: np.ndarray, min_decrease: float,
                 max_steps: int) -> np.ndarray:
    """synthdid's ``sc.weight.fw``: simplex weights x minimising zeta^2 |x|^2 + |A x - b|^2 / rows."""
    rows, cols = y.shape
    k = cols - 1
    if intercept:
        y = y - y.sum(axis=0) / rows
    a = np.ascontiguousarray(y[:, :k])
    b = y[:, k].copy()
    eta = rows * zeta * zeta
    x = x.copy()
    previous, last = np.inf, np.inf
    steps = 0
    while steps < max_steps and (steps < 2 or previous - last > min_decrease * min_decrease):
        steps += 1
        ax = a @ x
        half_grad = (ax - b) @ a + eta * x
        i = np.argmin(half_grad)
        dx = -x
        dx[i] = 1.0 - x[i]
        if np.any(dx != 0.0):
            d_err = a[:, i] - ax
            step = -(half_grad @ dx) / (d_err @ d_err + eta * (dx @ dx))
            x = x + min(1.0, max(0.0, step)) * dx
        err = a @ x - b
        previous, last = last, zeta * zeta * (x @ x) + (err @ err) / rows
    return x


def _sparsify(v: np.ndarray) -> np.ndarray:
    v = np.where(v <= v.max() / 4, 0.0, v)
    return v / v.sum()


def sum_normalize(v: np.ndarray) -> np.ndarray:
    total = v.sum()
    return v / total if total != 0 else np.full(len(v), 1.0 / len(v))


def _solve(y: np.ndarray, zeta: float, intercept: bool, start: np.ndarray, min_decrease: float) -> np.ndarray:
    x = _frank_wolfe(y, zeta, intercept, start, min_decrease, PRE_SPARSIFY_STEPS)
    return _frank_wolfe(y, zeta, intercept, _sparsify(x), min_decrease, MAX_STEPS)


@dataclass(frozen=True)
class Options:
    """Regularisation fixed from the original data (reused unchanged in placebo fits, as synthdid does)."""

    method: str
    noise: float
    zeta_omega: float
    zeta_lambda: float
    min_decrease: float

    @classmethod
    def for_data(cls, y: np.ndarray, n0: int, t0: int, method: str) -> Options:
        n1, t1 = y.shape[0] - n0, y.shape[1] - t0
        noise = float(np.std(np.diff(y[:n0, :t0], axis=1), ddof=1))
        eta_omega = (n1 * t1) ** 0.25 if method == "sdid" else 1e-6
        return cls(method, noise, eta_omega * noise, 1e-6 * noise, 1e-5 * noise)


def collapsed(y: np.ndarray, n0: int, t0: int) -> np.ndarray:
    """synthdid's collapsed form: controls x (pre-periods, post mean) plus one row of treated means."""
    top = np.hstack([y[:n0, :t0], y[:n0, t0:].mean(axis=1, keepdims=True)])
    bottom = np.append(y[n0:, :t0].mean(axis=0), y[n0:, t0:].mean())
    return np.vstack([top, bottom])


def fit(y: np.ndarray, n0: int, t0: int, opts: Options, omega0: np.ndarray | None = None,
        lambda0: np.ndarray | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """The estimate tau, unit weights omega (length n0) and time weights lambda (length t0)."""
    n1, t1 = y.shape[0] - n0, y.shape[1] - t0
    if opts.method == "did":
        omega, lam = np.full(n0, 1.0 / n0), np.full(t0, 1.0 / t0)
    else:
        yc = collapsed(y, n0, t0)
        if opts.method == "sdid":
            start = lambda0 if lambda0 is not None else np.full(t0, 1.0 / t0)
            lam = _solve(yc[:n0, :], opts.zeta_lambda, True, start, opts.min_decrease)
        else:
            lam = np.zeros(t0)
        start = omega0 if omega0 is not None else np.full(n0, 1.0 / n0)
        omega = _solve(np.ascontiguousarray(yc[:, :t0].T), opts.zeta_omega, opts.method == "sdid", start,
                       opts.min_decrease)
    tau = float(np.append(-omega, np.full(n1, 1.0 / n1)) @ y @ np.append(-lam, np.full(t1, 1.0 / t1)))
    return tau, omega, lam


def trajectories(y: np.ndarray, n0: int, t0: int, omega: np.ndarray, lam: np.ndarray):
    """Treated mean path and its synthetic counterpart (control path omega'Y shifted by the lambda-weighted
    pre-period gap; no shift for SC, where lambda = 0). Their post-period mean gap equals tau."""
    treated = y[n0:].mean(axis=0)
    control = omega @ y[:n0]
    shift = lam @ (treated[:t0] - control[:t0]) if lam.sum() > 0 else 0.0
    return treated, control + shift
