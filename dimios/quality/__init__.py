"""Statistics of the instrument's quality control.

Modules
-------
careless
    Per-respondent careless-responding indices (longstring, IRV, Mahalanobis D²,
    even-odd consistency, psychometric synonyms), their flag rules and the vote.
knowledge
    Share of missing ("vet ej"/unanswered) answers per item and year.
factor
    Exploratory (factor_analyzer) and confirmatory (semopy) factor analysis with
    lavaan-compatible fit measures.
reliability
    Cronbach's alpha (Feldt CI), alpha if item deleted, omega / composite
    reliability and AVE.
validity
    Known-groups validity (involved vs not involved).
invariance
    Measurement invariance across years (configural, metric, scalar) with a small
    multi-group ML CFA estimator.
feasibility
    Whether a statistic can be computed on the data (enough complete answers, a
    non-singular matrix, two answered items, groups large enough) and, if not, why
    (``NotComputable``); the minimums are declared there.

Every function takes DataFrames/arrays and mappings as arguments, never reads
files, is vectorised over respondents and deterministic.
"""

from . import careless, factor, feasibility, invariance, knowledge, reliability, validity

__all__ = ["careless", "factor", "feasibility", "invariance", "knowledge", "reliability", "validity"]
