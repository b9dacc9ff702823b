"""Quality control of the instrument (report section 2.5, "Kvalitetskontroll av DiMiOS").

The statistics live in :mod:`dimios.quality`; this package only arranges them as Swedish
text, tables and figures. Every number in the prose is computed from the build's data,
and every verdict is written from those numbers against the published claims
(:data:`CLAIMS`): a value outside a published threshold is flagged in the text, in the
table and in the closing summary.

Each section function returns a small dict with its results and its verdicts; the
notebook passes them on to :func:`summary_section`. Missing answers ("vet ej" and
unanswered) are handled as the statistics modules do: the factor analyses,
reliability and invariance use complete cases (listwise deletion) and state ``n``;
the careless indices and the knowledge level use every respondent.

CSV outputs are deterministic: floats are rounded to 6 decimals and the only
resampling (parallel analysis) is seeded.

One module per section, in the order of the notebook: :mod:`.introduction`,
:mod:`.careless`, :mod:`.knowledge`, :mod:`.factor` (EFA and CFA), :mod:`.reliability`,
:mod:`.validity`, :mod:`.invariance` and :mod:`.summary`; the published claims, names and
number formats are in :mod:`.common`, and why a statistic cannot be computed in
:mod:`.reasons`. Everything is re-exported here, so ``from dimios.chapters import quality``
gives the notebook and the tests one namespace.
"""

from __future__ import annotations

from dimios.chapters.quality.common import (  # noqa: F401
    _WORDS, ALPHA_MIN, AVE_RANGE, CLAIMS, EFA_FACTORS, EFA_METHOD, EFA_ROTATION, FIT_MAX, FLAG_COLOUR,
    INDEX_NAMES, INDEX_PROSE, INVARIANCE_CUTS, MIN_ALPHA_N, MIN_FACTOR_N, MIN_GROUP_COMPLETE, MODEL_NAMES,
    OK_COLOUR, OMEGA_SV, PARALLEL_ITER, PARALLEL_SEED, STATUS_SV, STATUS_SYNTHETIC_SV, STEP_NAMES, THRESHOLDS,
    _agrees, _ave_ok, _category_of, _ci, _complete_n,
    _effect_label, _f, _fit_ok, _items, _kmo_label, _name, _p, _round, _signed, _single_thread, _verdict,
)
from dimios.chapters.quality.reasons import (  # noqa: F401
    _as_reason, _complete_answers, _na_list, _na_paragraph, why_sv,
)
from dimios.chapters.quality.introduction import introduction  # noqa: F401
from dimios.chapters.quality.careless import (  # noqa: F401
    _careless_figure, _read_truth, _rules_rows, careless_all, careless_section,
)
from dimios.chapters.quality.knowledge import _knowledge_figure, knowledge_section  # noqa: F401
from dimios.chapters.quality.factor import _match_factors, cfa_section, efa_section  # noqa: F401
from dimios.chapters.quality.reliability import reliability_section  # noqa: F401
from dimios.chapters.quality.validity import validity_section  # noqa: F401
from dimios.chapters.quality.invariance import invariance_section  # noqa: F401
from dimios.chapters.quality.summary import summary_section  # noqa: F401
