"""Seeded correlated normal draws that are the same on every CPU.

``numpy.random.Generator.multivariate_normal`` factors the covariance matrix with an SVD
(LAPACK) and multiplies with BLAS. Both depend on the BLAS kernel that OpenBLAS picks for the
CPU (``OPENBLAS_CORETYPE=Haswell`` and ``Prescott`` give different draws for the same seed):
a covariance matrix with a repeated eigenvalue has no unique eigenvectors, and a matrix
product may or may not be fused (FMA). No library offers a BLAS-free draw, so this module
writes its own, small enough to check by eye:

- the Cholesky factor is computed in pure Python floats (IEEE double, one rounding per
  operation, the same on every machine);
- the product with the standard normals is formed column by column with numpy's elementwise
  multiply and add, which round every element the same way on every CPU (no BLAS).

Every seeded draw of correlated normals in the package and the tests goes through here.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def cholesky(cov: Sequence[Sequence[float]]) -> list[list[float]]:
    """Lower Cholesky factor L (L Lᵀ = cov) of a small symmetric positive definite matrix.

    Pure Python, so the result does not depend on LAPACK or the BLAS kernel. Raises
    ``ValueError`` for a matrix that is not symmetric positive definite.
    """
    a = [[float(v) for v in row] for row in cov]
    m = len(a)
    if any(len(row) != m for row in a):
        raise ValueError("the covariance matrix must be square")
    for i in range(m):
        for j in range(i):
            if not math.isclose(a[i][j], a[j][i], rel_tol=1e-12, abs_tol=1e-12):
                raise ValueError("the covariance matrix must be symmetric")
    low = [[0.0] * m for _ in range(m)]
    for i in range(m):
        for j in range(i + 1):
            s = a[i][j]
            for k in range(j):
                s -= low[i][k] * low[j][k]
            if i == j:
                if s <= 0.0:
                    raise ValueError("the covariance matrix must be positive definite")
                low[i][j] = math.sqrt(s)
            else:
                low[i][j] = s / low[j][j]
    return low


def combine(z: np.ndarray, factor: Sequence[Sequence[float]]) -> np.ndarray:
    """``z @ factorᵀ`` by elementwise operations: out[:, i] = Σ_k factor[i][k] · z[:, k], k in order.

    ``z`` is n × k standard normals and ``factor`` an m × k matrix of Python floats. Zero
    entries are skipped, so a triangular factor costs what it should.
    """
    z = np.asarray(z, dtype="float64")
    n = z.shape[0]
    out = np.zeros((n, len(factor)))
    for i, row in enumerate(factor):
        col = out[:, i]
        for k, w in enumerate(row):
            if w != 0.0:
                col += float(w) * z[:, k]
    return out


def correlated_normals(rng: np.random.Generator, cov: Sequence[Sequence[float]], n: int) -> np.ndarray:
    """n draws from N(0, cov): n × m, the same bits on every CPU for the same generator state.

    Consumes ``rng.standard_normal((n, m))`` (as ``multivariate_normal`` does) and multiplies
    with the pure-Python Cholesky factor of ``cov``.
    """
    low = cholesky(cov)
    return combine(rng.standard_normal((n, len(low))), low)
