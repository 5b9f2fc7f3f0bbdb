"""`plan`: what a pull request changes, judged by the policies of its BASE.

    planner       the pipeline: load base and head -> diff -> policies -> gates -> `PlanResult`
    diff          base state + head state -> changes, in the closed vocabulary of kinds.policy
    policy        changes + the base's policies and waivers -> findings (pure)
    rules/        one module per rule type and the registry `policy` dispatches on
    approvals     which reviews count, for which teams, and what is still missing
    gates         a rule + a change -> the gate run it needs (gates/ does the work)
    result        `PlanResult`: what every renderer, the ledger and the reports read
    policy_tests  `policy test`: table-driven cases through the same evaluator

Reads the applied ledger (audit/) for stage history once one exists; never writes.
"""
