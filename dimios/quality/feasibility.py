"""Whether a statistic can be computed on the data at hand, and why not.

A small file (the shipped example has 30 respondents, 6 of them with an answer to every
statement) cannot carry a factor analysis of 26 items: the correlation matrix is
singular, factor_analyzer returns ``-inf`` and nonsense loadings, semopy "repairs" the
covariance matrix. The checks here run *before* a statistic, so that too little data
ends in a stated reason instead of an exception or a meaningless number.

:class:`NotComputable` carries a machine-readable ``code`` and the numbers behind it
(``details``); the chapters turn them into Swedish text. The minimums are declared
once, here:

=====================  ===========================================================
``MIN_FACTOR_N``       complete answers for EFA, parallel analysis, KMO/Bartlett and
                       CFA (and more than the number of items, so that the
                       correlation matrix can be positive definite). 50 is the
                       lowest sample size the classic guidance (Comrey & Lee, 1992:
                       50 very poor, 100 poor, 200 fair) rates at all, and the same
                       floor the invariance test uses per year.
``MIN_ALPHA_N``        complete answers for Cronbach's alpha of one group of items;
                       with fewer the Feldt interval spans most of the scale.
``MIN_MAHAD_N``        respondents for the Mahalanobis distance of the careless
                       check: the χ² reference assumes a well-estimated covariance
                       matrix, which 26 items on a few dozen answers do not give
                       (the in-sample D² of n complete answers never exceeds
                       (n − 1)²/n, and a non-positive-definite pairwise matrix
                       makes it explode).
``min_group``          known groups: each group needs at least the privacy
                       threshold k respondents (a smaller group's mean is not shown)
                       and at least two.
=====================  ===========================================================

Codes
-----
``too_few``      fewer complete answers than required (``n``, ``required``, ``what``; ``unit``
                 "eligible" when ``n`` counts respondents with half the items answered)
``singular``     the correlation/covariance matrix is singular (``p``, ``rank``)
``constant``     items without any variation among the complete answers (``items``)
``one_item``     fewer than two items of a group have answers (``answered``, ``k``)
``no_variance``  the sum score does not vary (``n``)
``small_group``  a comparison group is too small (``group``, ``n``, ``required``)
``no_pairs``     no item pair correlates above the synonym cut-off (``critval``)
``failed``       the numerical method failed (``message``)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

MIN_FACTOR_N = 50
MIN_ALPHA_N = 10
MIN_MAHAD_N = 50
SINGULAR_TOL = 1e-8  # smallest eigenvalue relative to the largest below which a matrix counts as singular


class NotComputable(Exception):
    """A statistic cannot be computed on these data; ``code`` says why, ``details`` with which numbers."""

    def __init__(self, code: str, **details):
        self.code = code
        self.details = details
        shown = ", ".join(f"{k}={v!r}" for k, v in details.items())
        super().__init__(f"not computable: {code}" + (f" ({shown})" if shown else ""))

    def __reduce__(self):  # copy/pickle keep code and details
        return (_rebuild, (self.code, self.details))

    def as_dict(self) -> dict:
        """``{"code": ..., **details}``: the form kept in DataFrame attrs and CSV-friendly results."""
        return {"code": self.code, **self.details}

    @classmethod
    def from_dict(cls, reason: dict) -> NotComputable:
        reason = dict(reason)
        return cls(reason.pop("code"), **reason)


def _rebuild(code: str, details: dict) -> NotComputable:
    return NotComputable(code, **details)


def complete(items_df: pd.DataFrame, items: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows without a missing value on ``items`` (listwise deletion), as float."""
    cols = list(items) if items is not None else list(items_df.columns)
    return items_df[cols].astype(float).dropna(axis=0, how="any")


def _rank(eigenvalues: np.ndarray) -> int:
    top = float(np.max(eigenvalues)) if len(eigenvalues) else 0.0
    return int((eigenvalues > SINGULAR_TOL * max(top, 1e-300)).sum())


def check_factorable(items_df: pd.DataFrame, items: Sequence[str] | None = None, *,
                     min_n: int = MIN_FACTOR_N) -> int:
    """Raise :class:`NotComputable` unless a factor analysis of ``items`` can run.

    Requires at least ``max(min_n, p + 1)`` complete answers, no item without variation
    among them and a positive definite correlation matrix. Returns the number of
    complete answers.
    """
    x = complete(items_df, items)
    n, p = x.shape
    required = max(int(min_n), p + 1)
    if n < required:
        raise NotComputable("too_few", n=n, required=required, what=p)
    sd = x.std(axis=0, ddof=1).to_numpy()
    flat = [c for c, s in zip(x.columns, sd) if not s > 0]
    if flat:
        raise NotComputable("constant", items=flat, n=n)
    eig = np.linalg.eigvalsh(np.corrcoef(x.to_numpy(), rowvar=False))
    rank = _rank(eig)
    if rank < p:
        raise NotComputable("singular", p=p, rank=rank, n=n)
    return n


def check_alpha(items_df: pd.DataFrame, *, min_n: int = MIN_ALPHA_N) -> int:
    """Raise :class:`NotComputable` unless Cronbach's alpha of the columns can be computed.

    Requires two items with answers, at least ``min_n`` complete answers and a varying
    sum score. Returns the number of complete answers.
    """
    x = items_df.astype(float)
    k = x.shape[1]
    answered = [c for c in x.columns if x[c].notna().any()]
    if len(answered) < 2:
        raise NotComputable("one_item", answered=answered, k=k)
    c = x.dropna(axis=0, how="any")
    if len(c) < min_n:
        raise NotComputable("too_few", n=len(c), required=int(min_n), what=k)
    cov = c.cov().to_numpy()
    if not cov.sum() > 0:
        raise NotComputable("no_variance", n=len(c))
    return len(c)


def check_groups(sizes: dict[str, int], *, min_n: int) -> None:
    """Raise :class:`NotComputable` for the first group (in order) with fewer than ``max(min_n, 2)``."""
    required = max(int(min_n), 2)
    for group, n in sizes.items():
        if n < required:
            raise NotComputable("small_group", group=group, n=int(n), required=required)


def mahalanobis_feasible(items_df: pd.DataFrame, n_eligible: int, *, min_n: int = MIN_MAHAD_N) -> NotComputable | None:
    """None when the Mahalanobis index can be computed, else the reason (not raised)."""
    k = items_df.shape[1]
    required = max(int(min_n), k + 1)
    if n_eligible < required:
        return NotComputable("too_few", n=int(n_eligible), required=required, what=k, unit="eligible")
    return None


def from_error(exc: BaseException) -> NotComputable:
    """A numerical failure (singular matrix, no convergence) as a NotComputable."""
    if isinstance(exc, NotComputable):
        return exc
    if isinstance(exc, np.linalg.LinAlgError):
        return NotComputable("singular", message=str(exc))
    return NotComputable("failed", message=f"{type(exc).__name__}: {exc}")
