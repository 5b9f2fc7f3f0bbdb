"""The envelope every gate returns, rendered by `plan`, the audit reports and the dashboard.

Gate-specific detail lives in `tables` (rows of JSON-able cells) and `plots` (inline SVG), so
one renderer serves every gate; a new gate needs no change here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

GateName = Literal["test", "champion", "fairness", "drift", "explainability"]
GateStatus = Literal["pass", "fail", "error"]
JsonCell = str | int | float | bool | None


class Check(BaseModel):
    """One comparison a gate made: `value op threshold` and whether it held."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    value: float | None
    op: Literal[">=", "<=", ">", "<", "==", "within"]
    threshold: float | None
    passed: bool
    message: str = ""


class GateResult(BaseModel):
    """What one gate found. `status` is "error" when the gate could not run (bad hash,
    unreadable artifact, missing column); `message` then says why, naming the file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gate: GateName
    status: GateStatus
    summary: str
    checks: tuple[Check, ...] = ()
    metrics: dict[str, float] = Field(default_factory=dict)
    tables: dict[str, list[dict[str, JsonCell]]] = Field(default_factory=dict)
    plots: dict[str, str] = Field(default_factory=dict)
    inputs: dict[str, str] = Field(default_factory=dict)  # path/URI -> verified sha256

    @property
    def passed(self) -> bool:
        return self.status == "pass"
