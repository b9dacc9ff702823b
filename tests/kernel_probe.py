"""Run in a subprocess by tests/test_blas_kernels.py under a given OPENBLAS_CORETYPE: prints, as
JSON, what every seeded computation gives (hashes of the exact bytes, and the rounded values the
report prints where a result passes through LAPACK)."""

from __future__ import annotations

import hashlib
import json
import sys

import numpy as np


def _sha(a) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def main() -> None:
    from threadpoolctl import threadpool_info

    from dimios import draws, instrument, scoring, synthetic, trends
    from dimios.quality import careless, factor

    inst = instrument.load()
    out = {"architecture": sorted({str(i.get("architecture")) for i in threadpool_info()
                                   if i.get("internal_api") == "openblas"})}
    # the default panel: integer answers byte for byte, and its canonical fingerprint
    panel = synthetic.generate()
    answers = panel.responses[list(inst.principle_ids)].to_numpy()
    out["panel_answers"] = _sha(np.where(np.isnan(answers), 0, answers).astype(np.int8))
    out["panel"] = synthetic.panel_fingerprint(panel.responses)
    # correlated normals, exact bits
    rng = np.random.default_rng(7)
    cov = np.full((6, 6), 0.3) + 0.7 * np.eye(6)  # a repeated eigenvalue: where an SVD would differ
    out["correlated_normals"] = _sha(draws.correlated_normals(rng, cov.tolist(), 5000))
    # the careless simulation, exact
    items, truth = careless.simulate_survey(inst.category_items(), n=1500, n_straight=40, n_random=40,
                                            missing_rate=0.05, seed=3)
    out["careless_simulation"] = _sha(items.to_numpy()) + _sha(truth.to_numpy())
    # the bootstrap of trends (seeded resampling, means without BLAS), exact
    org = scoring.organisation_scores(panel.responses)
    boot = trends.bootstrap_change(org, reps=300)
    out["bootstrap"] = _sha(boot.to_numpy(dtype="float64"))
    # parallel analysis: the seeded normal data sets are exact; the eigenvalues come from LAPACK,
    # so compare them as the report prints them (two decimals) and the suggested numbers
    x = panel.responses[list(inst.principle_ids)]
    pa = factor.parallel_analysis(x, n_iter=20, seed=20240601)
    out["parallel_draws"] = _sha(np.random.default_rng(20240601).standard_normal((50, 26)))
    out["parallel_printed"] = [pa.n_components, pa.n_factors,
                               pa.table.drop(columns="number").round(2).to_numpy().tolist()]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
