"""Uplift of a randomised campaign: T- and X-learners, Qini curves, and targeting by budget.

Set-up: a campaign on day ``c`` contacts a random share of the eligible customers
(``treated``); the outcome is measured in a window after ``c`` (e.g. a purchase in 13 weeks).
The *uplift* of a customer is ``τ(x) = P(Y = 1 | x, treated) - P(Y = 1 | x, control)``.

- Features use history before ``c`` only (:func:`uplift_features`: the churn features of
  :func:`helpers.models.churn.build_features` with the BG/NBD inputs of the window, plus
  one-hot customer descriptors).
- Learners (scikit-learn gradient boosting, seeded, single-threaded): the **T-learner**
  ``τ = μ1(x) - μ0(x)`` with one outcome model per arm, and the **X-learner** (Künzel et al.
  2019), which regresses the imputed effects ``Y1 - μ0(X1)`` and ``μ1(X0) - Y0`` and blends
  them by the propensity (the known treated share). Predictions are cross-fitted
  (:func:`cross_fit_uplift`): each customer is scored by models that never saw them.
- Curves: the **Qini curve** ``Q(n) = Y_T(n) - Y_C(n) · N_T(n) / N_C(n)`` over the top ``n``
  customers by score (Radcliffe 2007), its area above the random line (:func:`qini_area`),
  and uplift by decile (:func:`uplift_by_decile`). With a planted truth, the Qini area of the
  true uplift is the ceiling that normalises a model's area (:func:`evaluate_against_truth`).
- Targeting with a contact budget ``k`` (:func:`targeting_comparison`): the top ``k`` by churn
  risk, by value at stake or by predicted uplift × value, scored by the true incremental
  purchasers and revenue of the chosen customers, with paired bootstrap intervals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
from sklearn.model_selection import StratifiedKFold

from helpers.models import churn

log = logging.getLogger(__name__)

DESCRIPTORS = ("income_band", "age_band", "acquisition_channel", "gender")
"""Customer columns one-hot encoded into the uplift features when present."""

_MISSING = -1.0  # stand-in for NaN features (tree models split it off)


# ----------------------------------------------------------------------------- features


def uplift_features(lines: pd.DataFrame, campaign: pd.DataFrame,
                    customers: pd.DataFrame | None = None,
                    products: pd.DataFrame | None = None) -> pd.DataFrame:
    """Features of the campaign's customers from their history before the campaign day.

    Parameters
    ----------
    lines
        Canonical order lines (``customer_id``, ``order_id``, ``order_ts``, ``revenue_amt``).
    campaign
        One row per eligible customer: ``customer_id``, ``campaign_ts`` (one day for all),
        ``outcome_end_ts`` (exclusive end of the outcome window).
    customers
        Optional customers table (``customer_id`` and any of :data:`DESCRIPTORS`), one-hot
        encoded as ``<column>=<value>``.
    products
        Optional products table passed to :func:`helpers.models.churn.build_features`.

    Returns
    -------
    DataFrame indexed by ``customer_id`` in the order of ``campaign``: the extended churn
    features with ``bg_p_no_purchase``, ``bg_p_alive`` and ``bg_expected_purchases`` over the
    outcome window (calendar days), plus descriptor dummies.
    """
    _require(campaign, ("customer_id", "campaign_ts", "outcome_end_ts"), "campaign")
    cutoff = pd.Timestamp(campaign["campaign_ts"].iloc[0])
    if campaign["campaign_ts"].nunique() != 1:
        raise ValueError("uplift_features: campaign_ts must be one day for all customers")
    window = int((pd.Timestamp(campaign["outcome_end_ts"].iloc[0]) - cutoff).days)
    f = churn.build_features(lines, cutoff, products=products, horizon_days=window,
                             extended=True)
    ids = pd.Index(campaign["customer_id"].astype("int64"), name="customer_id")
    missing = ids.difference(f.index)
    if len(missing):
        raise ValueError(f"uplift_features: {len(missing)} campaign customers (e.g. "
                         f"{missing[0]}) have no order before {cutoff:%Y-%m-%d}; keep only "
                         "customers with history before the campaign")
    f = f.reindex(ids)
    if customers is not None:
        _require(customers, ("customer_id",), "customers")
        cols = [c for c in DESCRIPTORS if c in customers.columns]
        desc = customers.assign(customer_id=customers["customer_id"].astype("int64"))
        desc = desc.drop_duplicates("customer_id").set_index("customer_id")[cols]
        dummies = pd.get_dummies(desc.astype("string").fillna("unknown"), prefix_sep="=")
        f = f.join(dummies.astype(float).reindex(ids).fillna(0.0))
    return f


def _require(frame: pd.DataFrame, cols: tuple[str, ...], name: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ValueError(f"uplift: {name} lacks column(s) {missing}")


def _matrix(x: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Float matrix with NaN replaced by :data:`_MISSING`."""
    a = np.asarray(x, dtype=float)
    return np.where(np.isnan(a), _MISSING, a)


def _arms(t: Any, y: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(t).astype(bool)
    y = np.asarray(y, dtype=float)
    if len(t) != len(y):
        raise ValueError(f"{name}: treated ({len(t)}) and outcome ({len(y)}) differ in length")
    if t.all() or not t.any():
        raise ValueError(f"{name}: need treated and control customers (got {int(t.sum())} "
                         f"treated of {len(t)})")
    return t, y


# ----------------------------------------------------------------------------- learners


# Shallow, heavily regularised trees: an arm of a few thousand customers carries little signal
# about a difference of two probabilities (depth 3 and leaves of 20 gave lower correlations with
# the planted truth on the synthetic CRM at 3,000-4,000 customers).
_GB = {"n_estimators": 100, "learning_rate": 0.05, "max_depth": 2, "subsample": 0.8,
       "min_samples_leaf": 50}


def _classifier(seed: int) -> GradientBoostingClassifier:
    return GradientBoostingClassifier(random_state=seed, **_GB)


def _regressor(seed: int) -> GradientBoostingRegressor:
    return GradientBoostingRegressor(random_state=seed, **_GB)


def _prob(model: GradientBoostingClassifier, x: np.ndarray) -> np.ndarray:
    """P(Y = 1) from a fitted classifier (0 or 1 when one class only was seen)."""
    classes = list(model.classes_)
    if 1.0 not in classes:
        return np.zeros(len(x))
    return model.predict_proba(x)[:, classes.index(1.0)]


@dataclass(frozen=True)
class UpliftModel:
    """A fitted T- or X-learner; :meth:`predict` gives ``τ(x)`` (outcome units per customer)."""

    kind: str  # "t" or "x"
    mu0: Any  # outcome model of the control arm
    mu1: Any  # outcome model of the treated arm
    tau0: Any = None  # X-learner: effect model fitted on the controls
    tau1: Any = None  # X-learner: effect model fitted on the treated
    propensity: float = 0.5  # X-learner: P(treated), the weight of tau0

    def predict(self, x: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Predicted uplift per row of ``x``."""
        m = _matrix(x)
        if self.kind == "t":
            return _prob(self.mu1, m) - _prob(self.mu0, m)
        return self.propensity * self.tau0.predict(m) + (1 - self.propensity) * \
            self.tau1.predict(m)


def fit_t_learner(x: pd.DataFrame | np.ndarray, treated: Any, y: Any,
                  seed: int = 0) -> UpliftModel:
    """Two-model uplift: gradient-boosted ``P(Y = 1 | x)`` per arm, ``τ = μ1 - μ0``.

    Parameters
    ----------
    x
        Features (rows = customers); NaN allowed.
    treated
        Boolean per row (randomised assignment).
    y
        Binary outcome per row (e.g. purchased in the window).
    seed
        ``random_state`` of both models.
    """
    t, yy = _arms(treated, y, "fit_t_learner")
    m = _matrix(x)
    mu0 = _classifier(seed).fit(m[~t], yy[~t])
    mu1 = _classifier(seed).fit(m[t], yy[t])
    return UpliftModel("t", mu0, mu1)


def fit_x_learner(x: pd.DataFrame | np.ndarray, treated: Any, y: Any,
                  seed: int = 0, base: UpliftModel | None = None) -> UpliftModel:
    """X-learner: T-learner outcome models, then regressions of the imputed effects
    ``D1 = Y1 - μ0(X1)`` (treated) and ``D0 = μ1(X0) - Y0`` (controls), blended as
    ``τ = e τ0 + (1 - e) τ1`` with ``e`` the treated share (randomised, so constant).
    ``base``: the T-learner already fitted on the same rows (it is not refitted)."""
    t, yy = _arms(treated, y, "fit_x_learner")
    base = fit_t_learner(x, t, yy, seed) if base is None else base
    m = _matrix(x)
    d1 = yy[t] - _prob(base.mu0, m[t])
    d0 = _prob(base.mu1, m[~t]) - yy[~t]
    tau1 = _regressor(seed).fit(m[t], d1)
    tau0 = _regressor(seed).fit(m[~t], d0)
    return UpliftModel("x", base.mu0, base.mu1, tau0, tau1, float(t.mean()))


LEARNERS = {"t": fit_t_learner, "x": fit_x_learner}


def _fit_arm(kind: str, m: np.ndarray, target: np.ndarray, seed: int) -> Any:
    """One model of a learner: a classifier (``mu``, an arm's outcome) or a regressor (``tau``,
    an arm's imputed effect), with the learners' settings and ``seed``."""
    return (_classifier(seed) if kind == "mu" else _regressor(seed)).fit(m, target)


def cross_fit_learners(x: pd.DataFrame, treated: Any, y: Any,
                       learners: tuple[str, ...] = ("t", "x"), n_folds: int = 3, seed: int = 0,
                       n_jobs: int = 1) -> dict[str, pd.Series]:
    """:func:`cross_fit_uplift` for several learners on the same folds, each fold's T-learner
    fitted once and shared. Equal to calling :func:`cross_fit_uplift` per learner, in any number
    of processes.

    The fits run ``n_jobs`` at a time in worker processes (0 = the usable CPUs), one model per
    task: first both arms' outcome models of every fold, then (X-learner) both arms' effect
    models, which need the other arm's outcome model. Tasks of one model each keep two workers
    busy where tasks of a whole fold (four models) would leave one idle for the third fold.
    """
    from helpers import progress

    bad = [lrn for lrn in learners if lrn not in LEARNERS]
    if bad or not learners:
        raise ValueError(f"cross_fit_learners: learners={list(learners)!r}; choose from "
                         f"{list(LEARNERS)}")
    t, yy = _arms(treated, y, "cross_fit_learners")
    strata = 2 * t + (yy > 0)
    folds = list(StratifiedKFold(n_folds, shuffle=True, random_state=seed)
                 .split(np.zeros(len(t)), strata))
    m = _matrix(x)
    label = f"uplift cross-fitting ({len(t):,} customers, {n_folds} folds"
    # (fold, arm) -> the rows of that arm among the fold's training rows
    rows = {(f, arm): train[t[train] == arm] for f, (train, _) in enumerate(folds)
            for arm in (False, True)}
    keys = list(rows)
    mus = dict(zip(keys, progress.parallel_map(
        lambda k: _fit_arm("mu", m[rows[k]], yy[rows[k]], seed), keys, n_jobs,
        label + ", outcome models)"), strict=True))
    taus = {}
    if "x" in learners:
        def effect_task(k: tuple[int, bool]) -> Any:
            f, arm = k
            r = rows[k]
            # treated: D1 = Y1 - mu0(X1); controls: D0 = mu1(X0) - Y0
            d = yy[r] - _prob(mus[(f, False)], m[r]) if arm else _prob(mus[(f, True)], m[r]) - yy[r]
            return _fit_arm("tau", m[r], d, seed)

        taus = dict(zip(keys, progress.parallel_map(effect_task, keys, n_jobs,
                                                    label + ", effect models)"), strict=True))
    out = {lrn: np.full(len(t), np.nan) for lrn in learners}
    for f, (train, test) in enumerate(folds):
        base = UpliftModel("t", mus[(f, False)], mus[(f, True)])
        models = {"t": base}
        if "x" in learners:
            models["x"] = UpliftModel("x", base.mu0, base.mu1, taus[(f, False)], taus[(f, True)],
                                      float(t[train].mean()))
        for lrn in learners:
            out[lrn][test] = models[lrn].predict(m[test])
    return {lrn: pd.Series(pred, index=x.index, name="uplift_pred") for lrn, pred in out.items()}


def cross_fit_uplift(x: pd.DataFrame, treated: Any, y: Any, learner: str = "t",
                     n_folds: int = 3, seed: int = 0) -> pd.Series:
    """Out-of-fold predicted uplift: each customer scored by a model fitted without them.

    Folds are stratified by arm × outcome (shuffled with ``seed``).

    Returns
    -------
    Series ``uplift_pred`` indexed like ``x``.
    """
    if learner not in LEARNERS:
        raise ValueError(f"cross_fit_uplift: learner={learner!r}; choose from {list(LEARNERS)}")
    t, yy = _arms(treated, y, "cross_fit_uplift")
    return cross_fit_learners(x, t, yy, (learner,), n_folds, seed)[learner]


# ----------------------------------------------------------------------------- curves


def qini_curve(y: Any, treated: Any, score: Any) -> pd.DataFrame:
    """Qini curve: incremental outcomes among the top ``n`` customers by ``score``.

    ``Q(n) = Y_T(n) - Y_C(n) · N_T(n) / N_C(n)`` (0 while ``N_C(n) = 0``), where ``Y_T(n)``,
    ``N_T(n)`` are the treated outcomes and count among the top ``n`` (ties kept in input
    order), and the random line is ``n / N · Q(N)``.

    Returns
    -------
    DataFrame with rows n = 0..N: ``n``, ``share`` (n / N), ``qini`` and ``random``.
    """
    t, yy = _arms(treated, y, "qini_curve")
    s = np.asarray(score, dtype=float)
    if len(s) != len(t) or np.isnan(s).any():
        raise ValueError("qini_curve: score must have one non-NaN value per customer")
    order = np.argsort(-s, kind="stable")
    t, yy = t[order], yy[order]
    n_t, n_c = np.cumsum(t), np.cumsum(~t)
    y_t, y_c = np.cumsum(yy * t), np.cumsum(yy * ~t)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(n_c > 0, y_t - y_c * n_t / n_c, 0.0)
    n = np.arange(len(t) + 1)
    q = np.concatenate([[0.0], q])
    return pd.DataFrame({"n": n, "share": n / len(t), "qini": q,
                         "random": n / len(t) * q[-1]})


def qini_area(y: Any, treated: Any, score: Any) -> float:
    """Area between the Qini curve and the random line, per customer:
    ``Σ_{n=1..N} (Q(n) - n Q(N) / N) / N²`` (0 for random order; > 0 when the score ranks
    responders first)."""
    c = qini_curve(y, treated, score).iloc[1:]
    n = len(c)
    return float((c["qini"] - c["random"]).sum() / n**2)


def uplift_by_decile(y: Any, treated: Any, score: Any, truth: Any = None,
                     n_bins: int = 10) -> pd.DataFrame:
    """Observed uplift per score bin (bin 1 = highest scores, equal-count bins by rank).

    Returns
    -------
    DataFrame per bin: ``n``, ``n_treated``, ``n_control``, ``rate_treated``,
    ``rate_control``, ``uplift_observed`` (difference of rates), ``score_mean`` and, with
    ``truth``, ``uplift_true_mean``.
    """
    t, yy = _arms(treated, y, "uplift_by_decile")
    s = np.asarray(score, dtype=float)
    rank = np.empty(len(s), np.int64)
    rank[np.argsort(-s, kind="stable")] = np.arange(len(s))
    df = pd.DataFrame({"bin": rank * n_bins // len(s) + 1, "t": t, "y": yy, "score": s})
    if truth is not None:
        df["truth"] = np.asarray(truth, dtype=float)
    g = df.groupby("bin")
    out = pd.DataFrame({
        "n": g.size(),
        "n_treated": g["t"].sum(),
        "n_control": g.size() - g["t"].sum(),
        "rate_treated": df[df["t"]].groupby("bin")["y"].mean(),
        "rate_control": df[~df["t"]].groupby("bin")["y"].mean(),
        "score_mean": g["score"].mean(),
    })
    out["uplift_observed"] = out["rate_treated"] - out["rate_control"]
    if truth is not None:
        out["uplift_true_mean"] = g["truth"].mean()
    return out


def evaluate_against_truth(y: Any, treated: Any, pred: Any, truth: Any) -> dict[str, float]:
    """Predicted vs planted uplift: correlations and the Qini area as a share of the ceiling.

    Returns
    -------
    dict: ``pearson``, ``spearman`` (predicted vs true uplift), ``qini_area`` (observed
    outcomes ranked by the prediction), ``qini_area_truth`` (ranked by the true uplift: the
    ceiling a model can reach on these outcomes), ``qini_share_of_truth`` (their ratio).
    """
    p = np.asarray(pred, dtype=float)
    tr = np.asarray(truth, dtype=float)
    ceiling = qini_area(y, treated, tr)
    area = qini_area(y, treated, p)
    return {
        "pearson": float(stats.pearsonr(p, tr)[0]),
        "spearman": float(stats.spearmanr(p, tr)[0]),
        "qini_area": area,
        "qini_area_truth": ceiling,
        "qini_share_of_truth": area / ceiling if ceiling > 0 else float("nan"),
    }


# ----------------------------------------------------------------------------- targeting


def targeting_scores(features: pd.DataFrame, uplift_pred: pd.Series) -> pd.DataFrame:
    """The three targeting rules' scores (contact the highest first).

    - ``risk``: BG/NBD P(no purchase in the window) (``bg_p_no_purchase``);
    - ``value_at_stake``: expected window revenue if retained minus as things stand,
      ``E[X] (1 / P(alive) - 1) × aov_amt`` (as :func:`helpers.value.actions.retention_value`
      does for CLV; BG/NBD counts one-time buyers as alive, so theirs is 0);
    - ``uplift_value``: predicted uplift × ``aov_amt`` (expected incremental revenue when a
      won customer buys one order of their usual size).
    """
    _require(features, ("bg_p_no_purchase", "bg_p_alive", "bg_expected_purchases", "aov_amt"),
             "features")
    f = features.loc[uplift_pred.index]
    p_alive = f["bg_p_alive"].clip(lower=1e-9)
    return pd.DataFrame({
        "risk": f["bg_p_no_purchase"],
        "value_at_stake": f["bg_expected_purchases"] * (1 / p_alive - 1) * f["aov_amt"],
        "uplift_value": uplift_pred * f["aov_amt"],
    }, index=uplift_pred.index)


def _top_k_sum(score: np.ndarray, value: np.ndarray, k: int) -> float:
    """Σ value over the ``k`` highest scores (ties in input order)."""
    return float(value[np.argsort(-score, kind="stable")[:k]].sum())


def targeting_comparison(scores: pd.DataFrame, true_uplift: pd.Series,
                         true_revenue: pd.Series, k: int, reference: str = "risk",
                         n_boot: int = 500, seed: int = 0,
                         level: float = 0.95) -> pd.DataFrame:
    """True incremental purchasers and revenue when contacting the top ``k`` of each rule.

    Parameters
    ----------
    scores
        One column per rule (higher = contact first), indexed by customer.
    true_uplift, true_revenue
        Planted uplift per customer in purchase probability and in revenue (GBP).
    k
        Contact budget (customers).
    reference
        Rule the others are compared with (paired difference).
    n_boot, seed, level
        Paired bootstrap over customers: each resample of the population is targeted by every
        rule with the budget ``k`` (scores fixed, models not refitted).

    Returns
    -------
    DataFrame per rule: ``k``, ``incremental_purchasers`` with ``_lo`` / ``_hi``,
    ``incremental_revenue_amt`` with ``_lo`` / ``_hi``, ``diff_purchasers_vs_<reference>``
    and ``diff_revenue_amt_vs_<reference>``, each with ``_lo`` / ``_hi``.
    """
    if not 1 <= k <= len(scores):
        raise ValueError(f"targeting_comparison: k={k} must be in 1..{len(scores)} customers")
    if reference not in scores.columns:
        raise ValueError(f"targeting_comparison: reference {reference!r} is not a column of "
                         f"scores ({list(scores.columns)})")
    tu = true_uplift.reindex(scores.index).to_numpy(float)
    tr = true_revenue.reindex(scores.index).to_numpy(float)
    if np.isnan(tu).any() or np.isnan(tr).any():
        raise ValueError("targeting_comparison: true uplift missing for some scored customers")
    sc = {c: scores[c].to_numpy(float) for c in scores.columns}
    point = {c: (_top_k_sum(s, tu, k), _top_k_sum(s, tr, k)) for c, s in sc.items()}
    rng = np.random.default_rng(seed)
    boot = {c: [] for c in sc}
    for _ in range(n_boot):
        idx = rng.integers(0, len(tu), len(tu))
        for c, s in sc.items():
            boot[c].append((_top_k_sum(s[idx], tu[idx], k), _top_k_sum(s[idx], tr[idx], k)))
    a = (1 - level) / 2
    ref_b = np.array(boot[reference])
    ref = ref_b[:, 0]
    rows = []
    for c in sc:
        b = np.array(boot[c])
        d = b[:, 0] - ref
        rows.append({
            "rule": c, "k": k,
            "incremental_purchasers": point[c][0],
            "incremental_purchasers_lo": float(np.quantile(b[:, 0], a)),
            "incremental_purchasers_hi": float(np.quantile(b[:, 0], 1 - a)),
            "incremental_revenue_amt": point[c][1],
            "incremental_revenue_amt_lo": float(np.quantile(b[:, 1], a)),
            "incremental_revenue_amt_hi": float(np.quantile(b[:, 1], 1 - a)),
            f"diff_purchasers_vs_{reference}": point[c][0] - point[reference][0],
            f"diff_purchasers_vs_{reference}_lo": float(np.quantile(d, a)),
            f"diff_purchasers_vs_{reference}_hi": float(np.quantile(d, 1 - a)),
            f"diff_revenue_amt_vs_{reference}": point[c][1] - point[reference][1],
            f"diff_revenue_amt_vs_{reference}_lo": float(np.quantile(b[:, 1] - ref_b[:, 1], a)),
            f"diff_revenue_amt_vs_{reference}_hi":
                float(np.quantile(b[:, 1] - ref_b[:, 1], 1 - a)),
        })
    return pd.DataFrame(rows).set_index("rule")


def randomised_difference(y: Any, treated: Any, n_boot: int = 1000, seed: int = 0,
                          level: float = 0.95) -> tuple[float, float, float]:
    """Difference in mean outcome, treated minus control, with a percentile bootstrap
    interval resampling within each arm: the average uplift the randomisation identifies."""
    t, yy = _arms(treated, y, "randomised_difference")
    y1, y0 = yy[t], yy[~t]
    rng = np.random.default_rng(seed)
    d = [rng.choice(y1, len(y1)).mean() - rng.choice(y0, len(y0)).mean()
         for _ in range(n_boot)]
    a = (1 - level) / 2
    lo, hi = np.quantile(d, [a, 1 - a])
    return float(y1.mean() - y0.mean()), float(lo), float(hi)


def _arm_gain(t: np.ndarray, y: np.ndarray, chosen: np.ndarray) -> float:
    """Incremental outcome of treating the ``chosen`` customers, from the randomised arms among
    them: ``k · (mean Y of the treated chosen - mean Y of the control chosen)`` (NaN when an arm
    is empty)."""
    tc, yc = t[chosen], y[chosen]
    if tc.all() or not tc.any():
        return float("nan")
    return float(len(chosen) * (yc[tc].mean() - yc[~tc].mean()))


def policy_gain_randomised(scores: pd.DataFrame, treated: Any, outcomes: dict[str, Any], k: int,
                           reference: str, n_boot: int = 500, seed: int = 0,
                           level: float = 0.95) -> pd.DataFrame:
    """Each targeting rule's gain estimated from the randomised campaign itself (no truth needed).

    Contacting the top ``k`` customers of a rule gains ``Σ τ_i`` over them. Because treatment
    was assigned at random, within the chosen customers the treated and control groups are
    comparable, so the gain is estimated by ``k · (ȳ_treated - ȳ_control)`` among the chosen
    (difference in means; Horvitz-Thompson with the observed treated share). The scores must be
    out-of-sample for every customer (e.g. cross-fitted, :func:`cross_fit_uplift`).

    Parameters
    ----------
    scores
        One column per rule (higher = contact first), indexed by customer.
    treated
        Boolean per customer (in the order of ``scores``).
    outcomes
        Name -> outcome per customer (e.g. ``{"purchasers": purchased, "revenue_amt": revenue}``).
    k
        Contact budget (customers).
    reference
        Rule the others are compared with (paired difference on every outcome).
    n_boot, seed, level
        Paired bootstrap over customers (each resample targeted by every rule with budget ``k``).

    Returns
    -------
    DataFrame per rule: ``k`` and, per outcome ``o``: ``incremental_<o>`` with ``_lo`` / ``_hi``,
    and ``diff_<o>_vs_<reference>`` with ``_lo`` / ``_hi``.
    """
    if not 1 <= k <= len(scores):
        raise ValueError(f"policy_gain_randomised: k={k} must be in 1..{len(scores)} customers")
    if reference not in scores.columns:
        raise ValueError(f"policy_gain_randomised: reference {reference!r} is not a column of "
                         f"scores ({list(scores.columns)})")
    t = np.asarray(treated).astype(bool)
    ys = {o: np.asarray(v, dtype=float) for o, v in outcomes.items()}
    for o, v in ys.items():
        if len(v) != len(scores) or len(t) != len(scores):
            raise ValueError(f"policy_gain_randomised: outcome {o!r} or treated does not have one "
                             f"value per scored customer ({len(scores)})")
    sc = {c: scores[c].to_numpy(float) for c in scores.columns}

    def gains(idx: np.ndarray) -> dict[str, dict[str, float]]:
        out = {}
        for c, s in sc.items():
            chosen = idx[np.argsort(-s[idx], kind="stable")[:k]]
            out[c] = {o: _arm_gain(t, y, chosen) for o, y in ys.items()}
        return out

    point = gains(np.arange(len(t)))
    rng = np.random.default_rng(seed)
    boot = [gains(rng.integers(0, len(t), len(t))) for _ in range(n_boot)]
    a = (1 - level) / 2

    def q(v: list[float]) -> tuple[float, float]:
        lo, hi = np.nanquantile(np.asarray(v, float), [a, 1 - a])
        return float(lo), float(hi)

    rows = []
    for c in sc:
        row: dict[str, Any] = {"rule": c, "k": k}
        for o in ys:
            lo, hi = q([b[c][o] for b in boot])
            dlo, dhi = q([b[c][o] - b[reference][o] for b in boot])
            row.update({f"incremental_{o}": point[c][o], f"incremental_{o}_lo": lo,
                        f"incremental_{o}_hi": hi,
                        f"diff_{o}_vs_{reference}": point[c][o] - point[reference][o],
                        f"diff_{o}_vs_{reference}_lo": dlo, f"diff_{o}_vs_{reference}_hi": dhi})
        rows.append(row)
    return pd.DataFrame(rows).set_index("rule")


def choose_targeting(diff: float, lo: float, hi: float, challenger: str,
                     reference: str) -> dict[str, Any]:
    """The rule fixed before the test: deploy ``challenger`` only if its gain minus the
    ``reference``'s has an interval wholly above zero; otherwise keep ``reference``.

    >>> choose_targeting(5.0, 1.0, 9.0, "uplift_value", "value_at_stake")["winner"]
    'uplift_value'
    >>> choose_targeting(5.0, -1.0, 9.0, "uplift_value", "value_at_stake")["winner"]
    'value_at_stake'
    """
    beats = bool(np.isfinite(lo) and lo > 0)
    return {"winner": challenger if beats else reference, "challenger": challenger,
            "reference": reference, "diff": float(diff), "ci_low": float(lo),
            "ci_high": float(hi), "beats_reference": beats}
