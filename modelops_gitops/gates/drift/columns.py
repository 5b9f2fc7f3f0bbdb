"""Which columns the gate tests and as what type (Evidently 0.7's inference, from CURRENT data):

    float                          numerical
    integer, no nulls              categorical when at most 10 distinct values, else numerical
    integer with nulls             numerical (pandas, and so Evidently, reads it as float)
    string / dictionary / bool     categorical (Evidently calls a string column with more than
                                   half its values distinct "text" and trains a classifier on
                                   it; this gate refuses such a column unless it is declared
                                   categorical or excluded: exact.categorical_evidence)
    date, time, timestamp, other   skipped
A type declared in `features.<name>.type` replaces the inference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.drift.evidence import ValueCounts
from modelops_gitops.gates.drift.report import SkippedColumn
from modelops_gitops.gates.drift.summaries import CategoryCounts
from modelops_gitops.kinds.drift import ColumnType, DriftConfig

DataKind = Literal["float", "int", "bool", "string", "skip"]
INT_CATEGORICAL_MAX_DISTINCT = 10


def data_kind(dtype: pa.DataType) -> DataKind:
    if pa.types.is_dictionary(dtype):
        return "string"  # a categorical of any value type
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return "float"
    if pa.types.is_integer(dtype):
        return "int"
    if pa.types.is_boolean(dtype):
        return "bool"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return "string"
    return "skip"


def infer_type(kind: DataKind, *, cur_nulls: int, cur_distinct: int) -> ColumnType:
    if kind == "float":
        return "numerical"
    if kind == "int":
        if cur_nulls == 0 and cur_distinct <= INT_CATEGORICAL_MAX_DISTINCT:
            return "categorical"
        return "numerical"
    return "categorical"


@dataclass(frozen=True)
class PlannedColumn:
    name: str
    ref_kind: DataKind
    cur_kind: DataKind
    declared: ColumnType | None

    @property
    def numeric(self) -> bool:
        """Both samples are read as float64 arrays (numbers, or booleans declared numerical)."""
        kinds = {self.ref_kind, self.cur_kind}
        return kinds <= {"float", "int"} or (
            self.declared == "numerical" and kinds <= {"float", "int", "bool"}
        )

    @property
    def integer(self) -> bool:
        return self.ref_kind == self.cur_kind == "int"


def plan_columns(
    reference: pa.Schema, current: pa.Schema, config: DriftConfig, *, ref_name: str, cur_name: str
) -> tuple[list[PlannedColumn], tuple[SkippedColumn, ...]]:
    """The columns to test, in the current data's order, and those skipped (and why)."""
    wanted: Sequence[str] = config.columns if config.columns is not None else current.names
    for name in (*wanted, *config.features):
        if name in config.exclude:
            continue
        for schema, location in ((current, cur_name), (reference, ref_name)):
            if name not in schema.names:
                raise GateInputError.at(location, f"missing column: {name!r}")
    planned, skipped = [], []
    for name in wanted:
        if name in config.exclude:
            continue
        ref_kind = data_kind(reference.field(name).type)
        cur_kind = data_kind(current.field(name).type)
        declared = config.settings(name).type
        if "skip" in (ref_kind, cur_kind):
            dtype = current.field(name).type if cur_kind == "skip" else reference.field(name).type
            reason = (
                "date/time column" if pa.types.is_temporal(dtype) else f"unsupported type {dtype}"
            )
            skipped.append(SkippedColumn(name=name, reason=reason))
            continue
        kinds = {ref_kind, cur_kind}
        if len(kinds) > 1 and not kinds <= {"float", "int"} and declared != "categorical":
            raise GateInputError(
                f"column {name!r} holds {ref_kind} values in {ref_name} but {cur_kind} in "
                f"{cur_name} (declare features.{name}.type: categorical to compare them as text)"
            )
        if declared == "numerical" and not kinds <= {"float", "int", "bool"}:
            raise GateInputError(
                f"column {name!r} is declared numerical but holds {cur_kind} values"
            )
        planned.append(PlannedColumn(name, ref_kind, cur_kind, declared))
    return planned, tuple(skipped)


def align_categories(ref: CategoryCounts, cur: CategoryCounts) -> ValueCounts:
    """Both samples' counts on the union of their values, in sorted order when the values
    can be ordered (Evidently's z-test compares the first value against the rest)."""
    ref_labels, cur_labels = ref.labels, cur.labels
    if {_family(x) for x in (*ref_labels[:1], *cur_labels[:1])} == {"number", "text"}:
        ref_labels = tuple(str(x) for x in ref_labels)
        cur_labels = tuple(str(x) for x in cur_labels)
    index = {label: i for i, label in enumerate(ref_labels)}
    union = list(ref_labels)
    for label in cur_labels:
        if label not in index:
            index[label] = len(union)
            union.append(label)
    ref_counts = np.zeros(len(union), dtype=np.int64)
    cur_counts = np.zeros(len(union), dtype=np.int64)
    ref_counts[: len(ref_labels)] = ref.counts
    cur_counts[[index[label] for label in cur_labels]] = cur.counts
    try:
        labels: list[Any] = union
        order = sorted(range(len(union)), key=labels.__getitem__)
    except TypeError:
        order = list(range(len(union)))
    return ValueCounts(tuple(union[i] for i in order), ref_counts[order], cur_counts[order])


def _family(value: object) -> str:
    return "text" if isinstance(value, str) else "number"
