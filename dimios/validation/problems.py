"""Problems found in respondent data and how they are told: ``Problem`` (one offending file, column
or cell), ``DataValidationError`` (all of them, as a short readable report) and the collector that
builds Problem objects only for the first offending cells of each kind while counting them all."""

from __future__ import annotations

from dataclasses import dataclass

from dimios.validation.contract import contract_columns

MAX_PROBLEMS = 1000


@dataclass(frozen=True)
class Problem:
    """One problem. ``row`` is the row number the user sees in the file (CSV: line
    number with the header as row 1; XLSX: the Excel row number; parquet: 1-based
    data row); ``row``/``column`` are None for file- or column-level problems."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    note: str | None = None  # what is wrong when the value alone does not say it
    row_label: str = "row"   # "line" for text files such as a mapping file

    def line(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"{self.row_label} {self.row}")
        if self.column is not None:
            where.append(f"column {_quote(self.column)}")
        text = ", ".join(where) if where else "file"
        what = []
        if self.value is not None:
            what.append(f"value {_quote(self.value)}")
        if self.note:
            what.append(self.note if not what else f"({self.note})")
        if what:
            text += ": " + " ".join(what)
        return f"{text} — expected {self.expected}"

    def __str__(self) -> str:
        return self.line()


def _quote(value, limit: int = 60) -> str:
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "'" + text.replace("\n", "\\n").replace("\t", "\\t") + "'"


class DataValidationError(Exception):
    """Raised when a respondent file cannot be read or breaks the data contract.

    ``problems`` holds at most ``MAX_PROBLEMS`` Problem objects; ``counts`` holds the
    total number of problems per (column, expected) group, so ``n_problems`` is exact
    even when not every offending cell got a Problem object.
    """

    def __init__(self, problems, path, counts: dict | None = None):
        self.problems = list(problems)
        self.path = str(path)
        if counts is None:
            counts = {}
            for p in self.problems:
                counts[(p.column, p.expected)] = counts.get((p.column, p.expected), 0) + 1
        self.counts = dict(counts)
        super().__init__(self.format_report(max_lines=8))

    @property
    def n_problems(self) -> int:
        return sum(self.counts.values())

    def format_report(self, max_lines: int = 30, per_group: int = 5) -> str:
        """Readable report: a summary line, then at most ``per_group`` lines per
        (column, kind of problem) with a count of the rest; at most ``max_lines`` lines."""
        n = self.n_problems
        lines = [f"{n} problem{'s' if n != 1 else ''} in {self.path}"]
        groups: dict = {}
        for p in self.problems:
            if p.row is None and p.column is not None:  # column level: one group per kind
                groups.setdefault(("#columns", p.expected, p.note), []).append(p)
            else:
                groups.setdefault((p.column, p.expected), []).append(p)
        shown = 0
        budget = max(max_lines - 1, 2)  # keep one line for "… not shown"
        for key, probs in groups.items():
            if len(lines) >= budget:
                break
            if key[0] == "#columns" and len(probs) > 3:
                names = ", ".join(_quote(p.column) for p in probs[:12]) + (
                    f" and {len(probs) - 12} more" if len(probs) > 12 else "")
                lines.append(f"  {len(probs)} columns {names}: {probs[0].note or ''} — expected {probs[0].expected}"
                             .replace(":  —", " —"))
                shown += len(probs)
                continue
            n_group = 0
            for p in probs[:per_group]:
                if len(lines) >= budget:
                    break
                lines.append("  " + p.line())
                n_group += 1
            rest = self.counts.get(key, len(probs)) - n_group
            if rest > 0 and n_group == min(len(probs), per_group) and len(lines) < budget:
                rows = [str(p.row) for p in probs[n_group:n_group + 8] if p.row is not None]
                more = f" (rows {', '.join(rows)}{', …' if rest > len(rows) else ''})" if rows else ""
                col = f" in column {_quote(key[0])}" if key[0] is not None else ""
                lines.append(f"  … and {rest} more like this{col}{more}")
                n_group += rest
            shown += n_group
        for key, total in self.counts.items():
            if key in groups or len(lines) >= budget or any(k[0] == "#columns" and k[1] == key[1] for k in groups):
                continue
            col = f"column {_quote(key[0])}" if key[0] is not None else "file"
            lines.append(f"  {total} problem{'s' if total != 1 else ''} in {col} — expected {key[1]}")
            shown += total
        hidden = n - shown
        if hidden > 0:
            lines.append(f"  … and {hidden} more problem{'s' if hidden != 1 else ''} not shown")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format_report()


class _Collector:
    """Collects problems; builds Problem objects only up to ``limit``, counts all."""

    def __init__(self, path, limit: int = MAX_PROBLEMS):
        self.file = str(path)
        self.limit = limit
        self.problems: list[Problem] = []
        self.counts: dict = {}
        self.kept: dict = {}
        self.per_kind = max(limit // 10, 20)  # Problem objects kept per (column, expected)

    def add(self, row, column, value, expected, note=None):
        self.add_many([row], column, [value], expected, total=1, note=note)

    def add_many(self, rows, column, values, expected, total=None, note=None):
        """Add problems for cells (rows/values are sequences); ``total`` is the full count."""
        rows = list(rows)
        total = len(rows) if total is None else int(total)
        if total == 0:
            return
        key = (column, expected)
        self.counts[key] = self.counts.get(key, 0) + total
        # every kind of problem keeps some examples even when another kind is very common
        kept = self.kept.get(key, 0)
        room = min(self.limit - len(self.problems), max(self.per_kind - kept, 0))
        self.kept[key] = kept + max(min(room, len(rows)), 0)
        notes = note if isinstance(note, (list, tuple)) else [note] * len(rows)
        for r, v, nt in list(zip(rows, values, notes))[: max(room, 0)]:
            self.problems.append(Problem(self.file, None if r is None else int(r), column,
                                         None if v is None else _show(v), expected, nt))

    def __bool__(self):
        return bool(self.counts)

    def error(self) -> DataValidationError:
        """The error with problems ordered: file level, column level, then cells by
        column (contract order) and row."""
        order = {c: i for i, c in enumerate(contract_columns())}
        order["respondent_id+year"] = len(order)

        def key(p: Problem):
            level = 0 if p.column is None else (1 if p.row is None else 2)
            return (level, order.get(p.column, len(order) + 1), p.row or 0)

        return DataValidationError(sorted(self.problems, key=key), self.file, self.counts)


def _show(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def fail(path, expected, *, value=None, row=None, column=None, note=None, row_label="row") -> DataValidationError:
    """A DataValidationError with a single problem (for read errors)."""
    return DataValidationError([Problem(str(path), row, column, value, expected, note, row_label)], path)
