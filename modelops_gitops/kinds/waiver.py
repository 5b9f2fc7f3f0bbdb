"""kind: Waiver — exempts one model from one rule of one policy until an expiry date.

A waiver is a policy file: adding one needs the approvals that policy changes need.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from modelops_gitops.kinds.common import ApiVersion, Metadata, Name, Strict


class WaiverSpec(Strict):
    model: Name
    policy: Name
    rule: Name
    reason: str = Field(min_length=1)
    expires: Annotated[date, Field(strict=False, description="Last day the waiver holds.")]


class Waiver(Strict):
    apiVersion: ApiVersion
    kind: Literal["Waiver"]
    metadata: Metadata
    spec: WaiverSpec
