"""The fixed documents of the bundled example: settings, lifecycle, teams, policies, a waiver.

Keys map to paths relative to the example root; every text starts with the yaml-language-server
schema line (a path relative to the file) and the "generated" notice.
"""

from __future__ import annotations

from example_yaml import header

REPOSITORY = """\
apiVersion: modelops-gitops/v1
kind: Repository
metadata:
  name: acme-models
spec:
  provider:
    type: github
    owner: acme
    repo: models
  default_branch: main
  # Freeze windows and soak times are read in this zone unless a rule names its own.
  timezone: Europe/Berlin
  governance:
    # A PR that changes policies may not also promote or roll back models.
    allow_policy_and_stage_changes: false
"""

LIFECYCLE = """\
apiVersion: modelops-gitops/v1
kind: Lifecycle
metadata:
  name: lifecycle
spec:
  # No `transitions`: each stage is entered from the one before it, development directly.
  stages:
    - name: development
      description: Any registered version may be tried here.
    - name: staging
      description: Shadow traffic and integration tests against the serving stack.
    - name: production
      description: Serves real decisions.
      # Only a version that has been APPLIED in staging (per audit/ledger.jsonl) for a full
      # day may enter production.
      requires: staging
      min_soak: 24h
"""

TEAMS = """\
apiVersion: modelops-gitops/v1
kind: Teams
metadata:
  name: teams
spec:
  teams:
    - name: ml-platform
      description: Builds and runs the training and serving platform.
      members:
        - mara-platform
        - tobias-ml
        - lena-mlops
    - name: credit-risk
      description: Owns the credit approval model (the business side of every credit change).
      members:
        - jonas-credit
        - amelie-credit
        - felix-scoring
    - name: model-risk
      description: Independent model validation (second line of defence); reviews promotions.
      members:
        - priya-validation
        - henrik-mrm
        - sofia-risk
    - name: governance
      description: Owns the policies in this folder; approves every policy change and waiver.
      members:
        - claudia-gov
        # henrik-mrm is in two teams: one approval from him counts once, for either team.
        - henrik-mrm
        - omar-compliance
    - name: sre
      description: On-call; may roll back and may break a freeze window in an emergency.
      members:
        - kai-oncall
        - nina-sre
"""

PRODUCTION_HIGH_RISK = """\
apiVersion: modelops-gitops/v1
kind: Policy
metadata:
  name: production-high-risk
spec:
  description: >-
    Promotions of high-risk models (credit decisions) to production: two reviewers, a soak
    in staging, a complete model card, a safe artifact and every gate.
  selector:
    stages: [production]
    risk_tiers: [high]
    change_kinds: [stage.promoted]
  rules:
    - id: approvals
      type: approvals
      description: Two approvals from validation or the owning business team (author excluded).
      min: 2
      teams: [model-risk, credit-risk]
    - id: staging-soak
      type: previous_stage
      description: The version must have been applied in staging for at least a day.
      stage: staging
      min_soak: 24h
    - id: model-card
      type: documentation
      description: Every model card field must be filled in.
      fields:
        - intended_use
        - out_of_scope_use
        - limitations
        - ethical_considerations
        - training_data
        - evaluation_data
        - caveats
        - contact
    - id: safe-artifact
      type: artifact
      formats: [skops, onnx]
      max_bytes: 52428800  # 50 MiB
    - id: test
      type: test
      description: AUC floor on the eval data; claimed metrics must reproduce from the artifact.
      thresholds:
        roc_auc:
          min: 0.72
      reproduce: true
      tolerance: 0.000001
    - id: champion
      type: champion
      description: The candidate must beat the version applied in production on the same eval data.
      metric: roc_auc
      min_absolute_change: 0.005
      require_significant: true
      bootstrap:
        samples: 1000
        seed: 0
        confidence: 0.95
    - id: fairness
      type: fairness
      description: Approval rates by sex may differ by at most 10 percentage points.
      sensitive_feature: sex
      max_demographic_parity_difference: 0.1
      max_equalized_odds_difference: 0.1
    # Training data vs spec.monitoring.current, column by column, with Evidently's default
    # tests (>1000 rows: Wasserstein/std >= 0.1 numerical, Jensen-Shannon >= 0.1 categorical).
    # The example's current credit sample drifts on 2 of its 7 features (income, region):
    # share {share} < 0.5 (2/9 = 0.22 if `sex` and `approved` are checked too; neither
    # drifts), so the dataset-level verdict is a PASS and the two drifted features are still
    # listed in the plan. The rule stays `block`: a promotion into a population where half
    # the features moved needs a retrained model, not a waiver.
    - id: drift
      type: drift
      share_threshold: 0.5
"""

PRODUCTION_STANDARD = """\
apiVersion: modelops-gitops/v1
kind: Policy
metadata:
  name: production-standard
spec:
  description: >-
    Promotions of low- and medium-risk models to production: one review, a basic model card,
    a safe artifact, and claimed metrics that reproduce.
  selector:
    stages: [production]
    risk_tiers: [low, medium]
    change_kinds: [stage.promoted]
  rules:
    - id: approvals
      type: approvals
      min: 1
      teams: [ml-platform, model-risk]
    - id: documentation
      type: documentation
      fields: [intended_use, limitations, contact]
    - id: safe-artifact
      type: artifact
      formats: [skops, onnx]
      max_bytes: 52428800  # 50 MiB
    # Reproduce only, no thresholds: this policy covers classifiers AND regressors, and a
    # threshold is keyed by a metric name that only one of the two tasks produces.
    - id: test
      type: test
      reproduce: true
      tolerance: 0.000001
"""

ROLLBACK = """\
apiVersion: modelops-gitops/v1
kind: Policy
metadata:
  name: rollback
spec:
  description: >-
    Moving a stage back to a version that held it before: one approval from validation or
    on-call, no gates (the version passed them when it was promoted), no freeze.
  selector:
    change_kinds: [stage.rollback]
  rules:
    - id: approvals
      type: approvals
      min: 1
      teams: [model-risk, sre]
"""

MODEL_CHANGES = """\
apiVersion: modelops-gitops/v1
kind: Policy
metadata:
  name: model-changes
spec:
  description: >-
    Changes that do not promote but can loosen governance: a model's metadata (lowering its
    risk tier moves it to lighter policies in the NEXT pull request), removing a stage, or
    deleting a model. Independent validation signs them off.
  selector:
    change_kinds: [metadata.changed, stage.removed, model.deleted]
  rules:
    - id: approvals
      type: approvals
      min: 1
      teams: [model-risk]
"""

GOVERNANCE = """\
apiVersion: modelops-gitops/v1
kind: Policy
metadata:
  name: governance
spec:
  description: >-
    Any change to a policy, a waiver, the teams or the lifecycle, and to the files that
    configure the judge (modelops.yaml, CODEOWNERS, .github/), needs two policy owners.
    Plans always judge a PR by the policies on the BASE branch, never by the ones it edits.
  selector:
    change_kinds: [policy.changed, governance.changed]
  rules:
    - id: approvals
      type: approvals
      min: 2
      teams: [governance]
"""

FREEZE = """\
apiVersion: modelops-gitops/v1
kind: Policy
metadata:
  name: year-end-freeze
spec:
  description: >-
    No promotions to production over the holidays. Rollbacks (a step back to the previous
    holder, with their own policy) are exempt, said explicitly below; an approval from sre
    breaks the freeze in an emergency.
  selector:
    stages: [production]
    change_kinds: [stage.promoted, stage.rollback]
  rules:
    - id: freeze
      type: freeze
      enforcement: block
      # Read in modelops.yaml's timezone (Europe/Berlin). `end` is exclusive: the freeze
      # covers Dec 23 through Jan 2.
      windows:
        - start: 2026-12-23
          end: 2027-01-03
          reason: Year-end freeze 2026/2027
        - start: 2027-12-23
          end: 2028-01-03
          reason: Year-end freeze 2027/2028
      override_team: sre
      exempt_rollbacks: true
"""

WAIVER = """\
apiVersion: modelops-gitops/v1
kind: Waiver
metadata:
  name: breast-cancer-documentation
spec:
  model: breast-cancer
  policy: production-standard
  rule: documentation
  reason: >-
    The breast-cancer card lacks `limitations` until the clinical review of the 1.1.0
    retrain is published (ticket MRM-142); the research-only use is stated in intended_use.
  # The last day the waiver holds.
  expires: 2027-03-31
"""

DOCUMENTS: dict[str, tuple[str, str]] = {
    # path: (schema, text)
    "modelops.yaml": ("schemas/repository.json", REPOSITORY),
    "policies/lifecycle.yaml": ("../schemas/lifecycle.json", LIFECYCLE),
    "policies/teams.yaml": ("../schemas/teams.json", TEAMS),
    "policies/production-high-risk.yaml": ("../schemas/policy.json", PRODUCTION_HIGH_RISK),
    "policies/production-standard.yaml": ("../schemas/policy.json", PRODUCTION_STANDARD),
    "policies/rollback.yaml": ("../schemas/policy.json", ROLLBACK),
    "policies/governance.yaml": ("../schemas/policy.json", GOVERNANCE),
    "policies/model-changes.yaml": ("../schemas/policy.json", MODEL_CHANGES),
    "policies/freeze.yaml": ("../schemas/policy.json", FREEZE),
    "policies/waiver-breast-cancer-documentation.yaml": ("../schemas/waiver.json", WAIVER),
}


def documents(**values: str) -> dict[str, str]:
    """path -> final text; `values` fill the `{name}` slots (computed numbers)."""
    out = {}
    for path, (schema, text) in DOCUMENTS.items():
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        out[path] = "\n".join(header(schema)) + "\n" + text
    return out
