"""Settings of the drift gate: what a Policy's drift rule holds.

Defaults reproduce Evidently 0.7's DataDriftPreset: the test for each feature is chosen from
its type, the reference size and the number of distinct values (see `decide.choose_test`),
each test has its default threshold, and the dataset drifts when at least half the features
do. Every part can be overridden, globally or per feature:

    share_threshold: 0.5            # dataset drift when share of drifted features >= this
    columns: [age, income, city]    # only these (default: every column of the current data)
    exclude: [customer_id]
    numerical_test: psi             # force one test for every numerical feature
    thresholds: {psi: 0.2, ks: 0.01}
    features:
      income: {test: wasserstein, threshold: 0.15}
      zip_code: {type: categorical}
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ColumnType = Literal["numerical", "categorical"]
TestName = Literal["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi"]

# Evidently 0.7's defaults. p-value tests drift below the threshold, distances at or above it.
DEFAULT_THRESHOLDS: dict[TestName, float] = {
    "ks": 0.05,
    "chisquare": 0.05,
    "z": 0.05,
    "wasserstein": 0.1,
    "jensenshannon": 0.1,
    "psi": 0.1,
}
P_VALUE_TESTS: frozenset[TestName] = frozenset({"ks", "chisquare", "z"})
NUMERICAL_ONLY_TESTS: frozenset[TestName] = frozenset({"ks", "wasserstein"})

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", strict=True)


class FeatureSettings(BaseModel):
    """Overrides for one feature: its type (instead of inference), its test, its threshold."""

    model_config = _MODEL_CONFIG

    type: ColumnType | None = Field(default=None, description="Declared column type.")
    test: TestName | None = Field(default=None, description="Test instead of the default choice.")
    threshold: float | None = Field(default=None, ge=0, description="Threshold for the test.")


class DriftConfig(BaseModel):
    """The drift gate's settings; the defaults give Evidently's DataDriftPreset verdicts."""

    model_config = _MODEL_CONFIG

    share_threshold: float = Field(
        default=0.5, gt=0, le=1, description="Dataset drift when the drifted share reaches this."
    )
    columns: list[str] | None = Field(
        default=None, description="Features to check (default: every column of the current data)."
    )
    exclude: list[str] = Field(default_factory=list, description="Columns never checked.")
    numerical_test: TestName | None = Field(
        default=None, description="Test for every numerical feature."
    )
    categorical_test: TestName | None = Field(
        default=None, description="Test for every categorical feature."
    )
    thresholds: dict[TestName, float] = Field(
        default_factory=dict, description="Default threshold per test, replacing Evidently's."
    )
    features: dict[str, FeatureSettings] = Field(
        default_factory=dict, description="Per-feature type, test and threshold."
    )

    @model_validator(mode="after")
    def _consistent(self) -> DriftConfig:
        if self.categorical_test in NUMERICAL_ONLY_TESTS:
            raise ValueError(f"categorical_test: {self.categorical_test} needs numerical data")
        for name, settings in self.features.items():
            if settings.type == "categorical" and settings.test in NUMERICAL_ONLY_TESTS:
                raise ValueError(f"features.{name}: {settings.test} needs a numerical feature")
        for test, value in self.thresholds.items():
            if value < 0:
                raise ValueError(f"thresholds.{test}: must be >= 0")
        return self

    def settings(self, column: str) -> FeatureSettings:
        return self.features.get(column, _NO_SETTINGS)

    def forced_test(self, column: str, column_type: ColumnType) -> TestName | None:
        """The test the configuration imposes on a feature, or None for the default choice."""
        explicit = self.settings(column).test
        if explicit is not None:
            return explicit
        return self.numerical_test if column_type == "numerical" else self.categorical_test

    def threshold(self, column: str, test: TestName) -> float:
        explicit = self.settings(column).threshold
        if explicit is not None:
            return explicit
        return self.thresholds.get(test, DEFAULT_THRESHOLDS[test])


_NO_SETTINGS = FeatureSettings()
