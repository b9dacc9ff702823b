"""Validation of respondent data against the data contract (see ``data/README.md``).

One concern per module: ``contract`` (the contract's columns and values, the typed table and its
pandera schema), ``problems`` (what is wrong and how it is told: ``Problem``,
``DataValidationError``), ``cells`` (reading the cells of one column into typed values) and
``table`` (``validate``: the checks of the whole table and the typed result). Files are read and
headers mapped by ``dimios.io`` before ``validate`` is called.

The names below are the package's interface, used by ``dimios.io``, the CLI, the synthetic panel's
fingerprint and the tests.
"""

from dimios.validation.contract import (MIN_YEAR, OPTIONAL_COLUMNS, ORGANISATION_TYPES, STRING_DTYPE, contract_columns,
                                        max_year, norm_text, response_schema)
from dimios.validation.problems import MAX_PROBLEMS, DataValidationError, Problem, fail
from dimios.validation.table import validate

__all__ = [
    "MAX_PROBLEMS", "MIN_YEAR", "OPTIONAL_COLUMNS", "ORGANISATION_TYPES", "STRING_DTYPE", "DataValidationError",
    "Problem", "contract_columns", "fail", "max_year", "norm_text", "response_schema", "validate",
]
