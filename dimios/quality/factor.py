"""Factor structure of the instrument: EFA (factor_analyzer) and CFA (semopy).

Missing data
------------
All analyses here use **listwise deletion** (complete cases on the analysed items,
:func:`complete_cases`); the number of complete cases ``n`` is always reported.
factor_analyzer would silently impute column medians for NaN; this module never
passes missing values to it.

Fit measures (CFA)
------------------
semopy estimates the model (ML, objective ``"MLW"``: the Wishart discrepancy with
the *biased* sample covariance S, denominator N). The fit measures are computed here
following lavaan's definitions (``lavaan::fitMeasures``, estimator ML, no mean
structure), because semopy lacks SRMR and the RMSEA CI and its RMSEA uses N-1:

* χ² = N · F_ML with F_ML = log|Σ̂| + tr(S Σ̂⁻¹) − log|S| − p (lavaan's ML
  convention uses N, not N−1; semopy's ``calc_chi2`` is identical: n · fun);
* baseline (independence) model: χ²_b = N (Σ log s_ii − log|S|), df_b = p(p−1)/2;
* CFI = 1 − max(χ²−df, 0) / max(χ²−df, χ²_b−df_b, 0);
* TLI = (χ²_b/df_b − χ²/df) / (χ²_b/df_b − 1);
* RMSEA = sqrt(max(χ²−df, 0) / (df · N)) · sqrt(G);
* RMSEA 90 % CI by inverting the noncentral χ² distribution as lavaan's
  ``lav_fit_rmsea_ci``: λ_L solves P(χ²_df(λ) ≤ χ²) = .95, λ_U solves it = .05,
  bound = sqrt(λ / (N · df)) · sqrt(G);
* SRMR = lavaan's ``srmr`` (= ``srmr_bentler``): root mean square over the
  p(p+1)/2 elements i ≤ j (diagonal included) of (s_ij − σ̂_ij)/sqrt(s_ii s_jj).

semopy's GFI/AGFI are not reported (semopy's GFI is the NFI formula).

Golden tests: Holzinger & Swineford (1939) three-factor model reproduces lavaan's
published output (χ² 85.306, df 24, CFI .931, TLI .896, RMSEA .092 [.071, .114],
SRMR .065); ``tests/test_golden_r.py`` compares KMO, Bartlett, parallel analysis, the
EFA (loadings, Φ, communalities) and the three instrument CFA models with R (psych,
lavaan) on a fixed synthetic data set (``tests/reference/``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats


# --------------------------------------------------------------------------- data
def complete_cases(items_df: pd.DataFrame, items: Sequence[str] | None = None) -> pd.DataFrame:
    """Listwise deletion: rows of ``items_df[items]`` without any missing value (float)."""
    items = list(items) if items is not None else list(items_df.columns)
    return items_df[items].astype(float).dropna(axis=0, how="any")


# --------------------------------------------------------------------------- EFA
def kmo(items_df: pd.DataFrame) -> pd.DataFrame:
    """Kaiser–Meyer–Olkin measure of sampling adequacy (factor_analyzer ``calculate_kmo``).

    MSA_j = Σ_{i≠j} r_ij² / (Σ_{i≠j} r_ij² + Σ_{i≠j} q_ij²), q = partial (anti-image)
    correlations; the overall KMO sums over all i ≠ j. Complete cases only.

    Returns
    -------
    DataFrame indexed by item plus a final row ``"overall"``, column ``kmo``;
    ``attrs["n"]`` is the number of complete cases.
    """
    from factor_analyzer.factor_analyzer import calculate_kmo

    x = complete_cases(items_df)
    per_item, overall = calculate_kmo(x.to_numpy())
    out = pd.DataFrame({"kmo": list(per_item) + [overall]}, index=pd.Index(list(x.columns) + ["overall"], name="item"))
    out.attrs["n"] = len(x)
    return out


def bartlett(items_df: pd.DataFrame) -> pd.Series:
    """Bartlett's test of sphericity (factor_analyzer ``calculate_bartlett_sphericity``).

    χ² = −(n − 1 − (2p + 5)/6) · log|R|, df = p(p − 1)/2. Complete cases only.

    Returns
    -------
    Series with ``n, p, chi2, df, pvalue``.
    """
    from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity

    x = complete_cases(items_df)
    chi2, pval = calculate_bartlett_sphericity(x.to_numpy())
    p = x.shape[1]
    return pd.Series({"n": len(x), "p": p, "chi2": float(chi2), "df": p * (p - 1) // 2, "pvalue": float(pval)})


def _eigen_pca_fa(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) of R (PCA) and of the SMC-reduced R (principal axis)."""
    pca = np.linalg.eigvalsh(r)[::-1]
    smc = 1.0 - 1.0 / np.diag(np.linalg.inv(r))
    reduced = r.copy()
    np.fill_diagonal(reduced, smc)
    fa = np.linalg.eigvalsh(reduced)[::-1]
    return pca, fa


@dataclass
class ParallelAnalysis:
    """Result of :func:`parallel_analysis`.

    ``table`` has one row per factor number with the observed and the random
    (quantile) eigenvalues for PCA and FA; ``n_components`` / ``n_factors`` are the
    suggested numbers of components / factors.
    """

    table: pd.DataFrame
    n_components: int
    n_factors: int
    n: int
    n_iter: int
    quantile: float
    seed: int


def _n_retained(observed: np.ndarray, random: np.ndarray) -> int:
    above = observed > random
    return int(np.argmin(above)) if not above.all() else len(above)


def parallel_analysis(
    items_df: pd.DataFrame, *, n_iter: int = 100, quantile: float = 0.95, seed: int = 20240601
) -> ParallelAnalysis:
    """Horn's (1965) parallel analysis, PCA- and FA-style, seeded.

    ``n_iter`` data sets of the same size (complete cases n × p) are drawn from
    independent standard normal variables (numpy ``default_rng(seed)``); for each
    the eigenvalues of the correlation matrix (PCA) and of the reduced correlation
    matrix with squared multiple correlations on the diagonal (FA, principal-axis
    eigenvalues; Humphreys & Ilgen, 1969) are computed. The ``quantile`` (default the
    95th percentile, Glorfeld, 1995) of the random eigenvalues per position is the
    reference. The suggested number is the count of leading observed eigenvalues
    that exceed their reference (stopping at the first that does not).

    Note: psych::fa.parallel (fa = "fa") uses the eigenvalues of a one-factor minres
    solution instead of the SMC-reduced matrix, so its FA eigenvalues differ slightly.

    Returns
    -------
    ParallelAnalysis
    """
    x = complete_cases(items_df)
    n, p = x.shape
    obs_pca, obs_fa = _eigen_pca_fa(np.corrcoef(x.to_numpy(), rowvar=False))
    rng = np.random.default_rng(seed)
    rand_pca = np.empty((n_iter, p))
    rand_fa = np.empty((n_iter, p))
    for b in range(n_iter):  # loop over random data sets, not respondents
        z = rng.standard_normal((n, p))
        rand_pca[b], rand_fa[b] = _eigen_pca_fa(np.corrcoef(z, rowvar=False))
    q_pca = np.quantile(rand_pca, quantile, axis=0)
    q_fa = np.quantile(rand_fa, quantile, axis=0)
    table = pd.DataFrame(
        {
            "number": np.arange(1, p + 1),
            "observed_pca": obs_pca,
            "random_pca": q_pca,
            "mean_random_pca": rand_pca.mean(axis=0),
            "observed_fa": obs_fa,
            "random_fa": q_fa,
            "mean_random_fa": rand_fa.mean(axis=0),
        }
    )
    return ParallelAnalysis(
        table=table,
        n_components=_n_retained(obs_pca, q_pca),
        n_factors=_n_retained(obs_fa, q_fa),
        n=n,
        n_iter=n_iter,
        quantile=quantile,
        seed=seed,
    )


@dataclass
class EFAResult:
    """Result of :func:`efa`: pattern loadings (items × factors, plus
    ``communality``), factor correlations Φ (identity for orthogonal rotations),
    explained variance and the settings. Column ``F1`` of the loadings, row and column
    ``F1`` of Φ and the ``F1`` row of ``variance`` are the same factor."""

    loadings: pd.DataFrame
    factor_correlations: pd.DataFrame
    variance: pd.DataFrame
    n: int
    rotation: str
    method: str


def _rotate(unrotated: np.ndarray, rotation: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Rotate loadings with factor_analyzer's ``Rotator``; returns (pattern Λ, Φ).

    Orthogonal rotations (and no rotation) have Φ = I. For oblique rotations Φ is the
    rotator's ``phi_`` (T'T of the rotation matrix T), in the column order of Λ.
    """
    from factor_analyzer.rotator import OBLIQUE_ROTATIONS, Rotator

    k = unrotated.shape[1]
    if rotation is None or k < 2:
        return unrotated.copy(), np.eye(k)
    rot = Rotator(method=rotation)
    lam = np.asarray(rot.fit_transform(unrotated), dtype=float)
    phi = np.asarray(rot.phi_, dtype=float) if rotation in OBLIQUE_ROTATIONS and rot.phi_ is not None else np.eye(k)
    return lam, phi


def efa(items_df: pd.DataFrame, n_factors: int, *, rotation: str = "oblimin", method: str = "minres") -> EFAResult:
    """Exploratory factor analysis with factor_analyzer on complete cases.

    Extraction ``method`` (default minres, as psych::fa) and ``rotation`` (default
    oblimin, an oblique rotation as psych::fa's default, because the DiMiOS
    categories are expected to correlate; ``None`` for none) are explicit.

    What factor_analyzer 0.5.1 does, and what this function does instead:

    * ``FactorAnalyzer`` imputes column medians for missing values by default
      (``impute="median"``) and rotates with promax by default. Here missing values
      are removed listwise before fitting (``impute="drop"`` is set as well, so no
      imputation can ever happen) and the rotation is always passed explicitly.
    * After an oblique rotation ``FactorAnalyzer.fit`` reflects the factors and then
      sorts the columns of ``loadings_`` (and ``structure_``) by explained variance,
      but leaves ``phi_`` in the unsorted order: Φ does not belong to the loading
      columns it is shown with, and communalities diag(ΛΦΛ') computed from the two
      are wrong. Therefore the factors are extracted unrotated and rotated here with
      factor_analyzer's ``Rotator`` (the same algorithm ``fit`` uses: GPA oblimin,
      γ = 0, no Kaiser normalisation, as GPArotation's default used by psych::fa),
      and one permutation and one reflection are applied to Λ and Φ together.

    Presentation (deterministic): factors are ordered by their sum of squared
    pattern loadings (largest first, as psych::fa) and reflected so that each column
    sum of loadings is positive. Communalities are diag(ΛΦΛ') (psych's ``h2``).

    Returns
    -------
    EFAResult
    """
    from factor_analyzer import FactorAnalyzer

    x = complete_cases(items_df)
    arr = x.to_numpy()
    if np.isnan(arr).any():  # complete_cases guarantees this; never let factor_analyzer impute
        raise ValueError("efa: missing values after listwise deletion")
    fa = FactorAnalyzer(n_factors=n_factors, rotation=None, method=method, impute="drop")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # sklearn's force_all_finite rename
        fa.fit(arr)
    lam, phi = _rotate(np.asarray(fa.loadings_, dtype=float), rotation if n_factors > 1 else None)
    order = np.argsort(-(lam**2).sum(axis=0), kind="stable")
    lam, phi = lam[:, order], phi[np.ix_(order, order)]
    sign = np.where(lam.sum(axis=0) < 0, -1.0, 1.0)
    lam, phi = lam * sign, phi * np.outer(sign, sign)
    names = [f"F{i + 1}" for i in range(n_factors)]
    loadings = pd.DataFrame(lam, index=pd.Index(x.columns, name="item"), columns=names)
    # communalities of an oblique solution: diag(Λ Φ Λ')
    loadings["communality"] = np.einsum("ij,jk,ik->i", lam, phi, lam)
    ssl = (lam**2).sum(axis=0)
    variance = pd.DataFrame({"ss_loadings": ssl, "proportion": ssl / arr.shape[1]}, index=names)
    return EFAResult(
        loadings=loadings,
        factor_correlations=pd.DataFrame(phi, index=names, columns=names),
        variance=variance,
        n=len(x),
        rotation=str(rotation),
        method=method,
    )


# --------------------------------------------------------------------------- CFA models
def _check_names(latents: Sequence[str], items: Sequence[str]) -> None:
    clash = set(latents) & set(items)
    if clash:
        raise ValueError(f"latent names clash with item names: {sorted(clash)}")


def model_first_order(factor_items: Mapping[str, Sequence[str]]) -> str:
    """lavaan/semopy syntax of correlated first-order factors, ``f =~ i1 + i2 + ...``.

    Use with ``Instrument.dimension_items()`` (model a, 2 factors) or
    ``Instrument.category_items()`` (model b, 6 factors). The first item of each
    factor is the marker (loading fixed to 1), latent covariances are free.
    """
    _check_names(list(factor_items), [i for v in factor_items.values() for i in v])
    return "\n".join(f"{f} =~ {' + '.join(items)}" for f, items in factor_items.items())


def model_second_order(
    category_items: Mapping[str, Sequence[str]], dimension_categories: Mapping[str, Sequence[str]]
) -> str:
    """Syntax of model c: categories as first-order factors under second-order dimensions.

    ``dimension_categories`` is {dimension: [category ids]} (``Instrument.categories_in``).
    The two second-order factors covary; first-order factors have disturbances.
    """
    items = [i for v in category_items.values() for i in v]
    _check_names(list(category_items) + list(dimension_categories), items)
    lines = [model_first_order(category_items)]
    lines += [f"{d} =~ {' + '.join(cats)}" for d, cats in dimension_categories.items()]
    return "\n".join(lines)


def rmsea_ci(chi2: float, df: float, n: float, n_groups: int = 1, level: float = 0.90) -> tuple[float, float]:
    """RMSEA confidence interval as lavaan's ``lav_fit_rmsea_ci`` (noncentral χ² inversion).

    λ_L solves ``pchisq(chi2, df, ncp=λ) = 1 - (1-level)/2`` on [0, chi2]; λ_U solves it
    equal to ``(1-level)/2`` on [0, max(N, 4·chi2)]; a bound is 0 when no root exists.
    Bound = sqrt(λ / (N · df)) · sqrt(G).
    """
    if df < 1:
        return (0.0, 0.0)
    hi_p, lo_p = 1 - (1 - level) / 2, (1 - level) / 2

    def cdf(lam: float) -> float:
        return float(stats.chi2.cdf(chi2, df)) if lam <= 0 else float(stats.ncx2.cdf(chi2, df, lam))

    lower = 0.0
    if cdf(0.0) - hi_p >= 0:
        lam_l = optimize.brentq(lambda lam: cdf(lam) - hi_p, 0.0, chi2, xtol=1e-12) if cdf(chi2) - hi_p < 0 else chi2
        lower = np.sqrt(lam_l / (n * df))
    upper = 0.0
    n_r = max(n, 4 * chi2)
    if not (cdf(n_r) - lo_p > 0 or cdf(0.0) - lo_p < 0):
        lam_u = optimize.brentq(lambda lam: cdf(lam) - lo_p, 0.0, n_r, xtol=1e-12)
        upper = np.sqrt(lam_u / (n * df))
    g = np.sqrt(n_groups)
    return (float(lower * g), float(upper * g))


def srmr_bentler(s: np.ndarray, sigma: np.ndarray) -> float:
    """lavaan's SRMR (``srmr_bentler``, no mean structure).

    sqrt(mean over i ≤ j of ((s_ij − σ_ij) / sqrt(s_ii s_jj))²), diagonal included.
    """
    sd = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(sd, sd)
    iu = np.triu_indices_from(resid)
    return float(np.sqrt(np.mean(resid[iu] ** 2)))


def ml_discrepancy(s: np.ndarray, sigma: np.ndarray) -> float:
    """F_ML = log|Σ| + tr(S Σ⁻¹) − log|S| − p (S biased, denominator N)."""
    p = s.shape[0]
    sign, logdet_sigma = np.linalg.slogdet(sigma)
    _, logdet_s = np.linalg.slogdet(s)
    if sign <= 0:
        return np.inf
    return float(logdet_sigma + np.trace(np.linalg.solve(sigma, s)) - logdet_s - p)


def baseline_chi2(s: np.ndarray, n: float) -> tuple[float, int]:
    """Independence model: χ²_b = N (Σ log s_ii − log|S|), df_b = p(p−1)/2."""
    p = s.shape[0]
    _, logdet = np.linalg.slogdet(s)
    return float(n * (np.log(np.diag(s)).sum() - logdet)), p * (p - 1) // 2


def fit_indices(chi2: float, df: float, n: float, chi2_base: float, df_base: float, n_groups: int = 1) -> dict:
    """χ² p-value, CFI, TLI, RMSEA and its 90 % CI from the test statistics (lavaan formulas)."""
    cfi_den = max(chi2 - df, chi2_base - df_base, 0.0)
    cfi = 1.0 - max(chi2 - df, 0.0) / cfi_den if cfi_den > 0 else 1.0
    tli = ((chi2_base / df_base) - (chi2 / df)) / ((chi2_base / df_base) - 1.0) if df > 0 else 1.0
    rmsea = np.sqrt(max(chi2 - df, 0.0) / (df * n)) * np.sqrt(n_groups) if df > 0 else 0.0
    lo, hi = rmsea_ci(chi2, df, n, n_groups)
    return {
        "chi2": float(chi2),
        "df": int(df),
        "pvalue": float(stats.chi2.sf(chi2, df)) if df > 0 else np.nan,
        "cfi": float(cfi),
        "tli": float(tli),
        "rmsea": float(rmsea),
        "rmsea_ci_low": lo,
        "rmsea_ci_high": hi,
    }


# --------------------------------------------------------------------------- CFA
@dataclass
class CFAResult:
    """Result of :func:`cfa`: ``fit`` (one-row Series of fit measures), ``loadings``
    (tidy standardized loadings) and the fitted semopy ``model``."""

    name: str
    description: str
    fit: pd.Series
    loadings: pd.DataFrame
    model: object = field(repr=False)


def cfa(items_df: pd.DataFrame, description: str, *, name: str = "model") -> CFAResult:
    """Confirmatory factor analysis (ML) with semopy, lavaan-style fit measures.

    Parameters
    ----------
    items_df : DataFrame with (at least) the observed variables of the model; rows
        with a missing value on any of them are removed (listwise deletion).
    description : lavaan-style model syntax (see ``model_*`` builders).
    name : label for the fit table.

    Returns
    -------
    CFAResult with ``fit`` = ``n, npar, chi2, df, pvalue, cfi, tli, rmsea,
    rmsea_ci_low, rmsea_ci_high, srmr, converged`` (definitions in the module
    docstring) and ``loadings`` = standardized loadings (see
    :func:`standardized_loadings`).
    """
    import semopy

    model = semopy.Model(description)
    observed = [v for v in items_df.columns if v in set(model.vars["observed"])]
    data = complete_cases(items_df, observed)
    res = model.fit(data, obj="MLW")
    obs = list(model.vars["observed"])
    s = np.asarray(model.mx_cov, dtype=float)  # biased covariance, order = obs
    sigma = np.asarray(model.calc_sigma()[0], dtype=float)
    n = len(data)
    p = len(obs)
    npar = len(model.param_vals)
    df = p * (p + 1) // 2 - npar
    chi2 = n * ml_discrepancy(s, sigma)
    chi2_b, df_b = baseline_chi2(s, n)
    fit = {"model": name, "n": n, "npar": npar}
    fit.update(fit_indices(chi2, df, n, chi2_b, df_b))
    fit["srmr"] = srmr_bentler(s, sigma)
    fit["converged"] = bool(getattr(res, "success", True))
    return CFAResult(
        name=name,
        description=description,
        fit=pd.Series(fit),
        loadings=standardized_loadings(model),
        model=model,
    )


def standardized_loadings(model) -> pd.DataFrame:
    """Standardized loadings (lavaan ``std.all``) of a fitted semopy model.

    Returns
    -------
    Tidy DataFrame with ``factor, indicator, level`` (``"item"`` for observed
    indicators, ``"factor"`` for first-order factors under a second-order factor),
    ``estimate`` (unstandardized), ``std_loading``, ``se`` and ``pvalue``.
    """
    ins = model.inspect(std_est=True)
    latent = set(model.vars["latent"])
    observed = set(model.vars["observed"])
    rows = ins[(ins["op"] == "~") & ins["rval"].isin(latent) & (ins["lval"].isin(observed) | ins["lval"].isin(latent))]
    out = pd.DataFrame(
        {
            "factor": rows["rval"].to_numpy(),
            "indicator": rows["lval"].to_numpy(),
            "level": np.where(rows["lval"].isin(observed), "item", "factor"),
            "estimate": rows["Estimate"].astype(float).to_numpy(),
            "std_loading": rows["Est. Std"].astype(float).to_numpy(),
            "se": pd.to_numeric(rows["Std. Err"], errors="coerce").to_numpy(),
            "pvalue": pd.to_numeric(rows["p-value"], errors="coerce").to_numpy(),
        }
    )
    return out.reset_index(drop=True)


def cfa_fit_table(items_df: pd.DataFrame, models: Mapping[str, str]) -> tuple[pd.DataFrame, dict[str, CFAResult]]:
    """Fit several CFA models and stack their fit measures.

    Parameters
    ----------
    models : {name: model syntax}, e.g. ``{"a_dimensions": ..., "b_categories": ...,
        "c_second_order": ...}``.

    Returns
    -------
    (fit table with one row per model, {name: CFAResult})
    """
    results = {name: cfa(items_df, desc, name=name) for name, desc in models.items()}
    table = pd.DataFrame([r.fit for r in results.values()]).reset_index(drop=True)
    return table, results


def instrument_models(
    category_items: Mapping[str, Sequence[str]],
    dimension_items: Mapping[str, Sequence[str]],
    dimension_categories: Mapping[str, Sequence[str]],
) -> dict[str, str]:
    """The three DiMiOS CFA models: (a) 2 dimension factors, (b) 6 category factors,
    (c) 6 categories under 2 second-order dimensions."""
    return {
        "a_dimensions": model_first_order(dimension_items),
        "b_categories": model_first_order(category_items),
        "c_second_order": model_second_order(category_items, dimension_categories),
    }
