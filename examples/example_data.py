"""Datasets of the bundled example: two scikit-learn toy sets and a seeded synthetic credit set.

Nothing is downloaded. Every random draw comes from a `numpy.random.Generator` seeded here,
so the frames are identical on every run.

The credit set: ~6,000 applicants (4,000 train, 2,000 eval) plus a 3,000-row "current
production sample" with drift injected into exactly two features:

    income   every applicant earns 35% more, as after years of wage inflation (numerical:
             Wasserstein/std ~ 0.6, threshold 0.1). Creditworthiness is income RELATIVE to the
             population, so the approval rate (the `approved` column) does not drift.
    region   the region mix moves from north-heavy to west-heavy (categorical: Jensen-Shannon
             distance ~ 0.3, threshold 0.1)

The other five features (debt_ratio, age, credit_history_months, n_open_accounts,
employment_type) are drawn from the training distribution and stay well under the thresholds.
`sex` is the sensitive attribute: it is NOT a model feature, it only lowers income by 4%, so
approval rates differ only slightly between groups (demographic parity difference < 0.1).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.model_selection import train_test_split

SEED = 20240611

CREDIT_NUMERIC = ["income", "debt_ratio", "age", "credit_history_months", "n_open_accounts"]
CREDIT_CATEGORICAL = ["employment_type", "region"]
CREDIT_FEATURES = CREDIT_NUMERIC + CREDIT_CATEGORICAL
CREDIT_SENSITIVE = "sex"
CREDIT_TARGET = "approved"
CREDIT_DRIFTED = ("income", "region")

EMPLOYMENT = ["salaried", "self_employed", "contractor", "unemployed"]
REGIONS = ["north", "south", "east", "west"]
REGION_MIX_REFERENCE = [0.40, 0.30, 0.20, 0.10]
REGION_MIX_DRIFTED = [0.15, 0.20, 0.25, 0.40]
INCOME_SHIFT = 1.35

Split = tuple[pd.DataFrame, pd.DataFrame]


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def breast_cancer() -> tuple[Split, list[str], str]:
    """Wisconsin breast cancer (569 rows): target `malignant` (1 = malignant)."""
    bunch = load_breast_cancer()
    features = [_snake(name) for name in bunch.feature_names]
    frame = pd.DataFrame(bunch.data, columns=features)
    frame["malignant"] = (bunch.target == 0).astype("int64")  # sklearn codes malignant as 0
    train, evaluation = train_test_split(
        frame, test_size=0.2, random_state=SEED % 1000, stratify=frame["malignant"]
    )
    return (_reset(train), _reset(evaluation)), features, "malignant"


def diabetes() -> tuple[Split, list[str], str]:
    """Diabetes progression (442 rows, unscaled): target `progression` one year on."""
    bunch = load_diabetes(scaled=False)
    features = list(bunch.feature_names)
    frame = pd.DataFrame(bunch.data, columns=features)
    frame["progression"] = bunch.target.astype("float64")
    train, evaluation = train_test_split(frame, test_size=0.2, random_state=SEED % 1000)
    return (_reset(train), _reset(evaluation)), features, "progression"


def credit() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(train, eval, current): 4,000 / 2,000 reference rows and a 3,000-row drifted sample."""
    rng = np.random.default_rng(SEED)
    reference = _applicants(6000, rng, drifted=False)
    train, evaluation = train_test_split(
        reference, test_size=2000, random_state=7, stratify=reference[CREDIT_TARGET]
    )
    current = _applicants(3000, np.random.default_rng(SEED + 1), drifted=True)
    return _reset(train), _reset(evaluation), current


def _applicants(n: int, rng: np.random.Generator, *, drifted: bool) -> pd.DataFrame:
    sex = rng.choice(np.array(["female", "male"]), n)
    age = np.clip(rng.normal(42, 12, n), 21, 75).round().astype("int64")
    raw_income = rng.lognormal(np.log(52_000), 0.45, n) * np.where(sex == "female", 0.96, 1.0)
    if drifted:
        raw_income = raw_income * INCOME_SHIFT  # DRIFT 1: income shifted strongly
    income = raw_income.round(-1)
    debt_ratio = rng.beta(2.2, 5.0, n).round(4)
    history = np.clip(((age - 20) * 12 * rng.uniform(0.2, 1.0, n)).round(), 0, None)
    history = history.astype("int64")
    accounts = rng.poisson(4.0, n).astype("int64")
    employment = rng.choice(np.array(EMPLOYMENT), n, p=[0.62, 0.20, 0.12, 0.06])
    mix = REGION_MIX_DRIFTED if drifted else REGION_MIX_REFERENCE  # DRIFT 2: region mix
    region = rng.choice(np.array(REGIONS), n, p=mix)

    # Income relative to the population median (which moves with the drift, see the docstring).
    # The approval logit: linear in log-income and debt, plus thresholds and interactions
    # that a linear model cannot represent (so the gradient-boosted 1.2.0 honestly wins).
    log_income = np.log(raw_income / (52_000 * (INCOME_SHIFT if drifted else 1.0)))
    salaried = employment == "salaried"
    logit = (
        -0.6
        + 0.8 * log_income
        - 1.5 * debt_ratio
        + 1.8 * (log_income > 0.0) * (debt_ratio < 0.35)
        + 1.1 * (history > 60) * salaried
        - 1.4 * (debt_ratio > 0.45)
        - 1.2 * (accounts > 6) * (log_income < 0.1)
        + 0.7 * np.exp(-(((age - 45) / 12.0) ** 2))
        + np.select(
            [salaried, employment == "self_employed", employment == "contractor"],
            [0.2, 0.0, -0.2],
            -1.0,
        )
        + np.select(
            [region == "north", region == "south", region == "east"], [0.1, 0.0, -0.05], 0.05
        )
    )
    approved = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-logit))).astype("int64")
    return pd.DataFrame(
        {
            "income": income,
            "debt_ratio": debt_ratio,
            "age": age,
            "credit_history_months": history,
            "n_open_accounts": accounts,
            "employment_type": employment,
            "region": region,
            CREDIT_SENSITIVE: sex,
            CREDIT_TARGET: approved,
        }
    )


def _reset(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.reset_index(drop=True)
