"""Client policies built on the four server strategies (the tutorial's §7–§10, and beyond).

Pure: a `Situation` (what the client knows) goes into a policy's decision function and a `Plan`
(SDK steps + one line of why) comes out. `runner.PlanRunner` executes plans with
`langgraph_sdk`; `guide` holds the tutorial's decision tree and comparison table.
"""

from tui.policies.catalog import BY_NAME, POLICIES, PolicyInfo, plan_for
from tui.policies.plan import Ask, Cancel, Choice, Create, Plan, RetryOn409, Step
from tui.policies.situation import ActiveRun, Situation, Thresholds, situation_from_runs

__all__ = [
    "BY_NAME",
    "POLICIES",
    "ActiveRun",
    "Ask",
    "Cancel",
    "Choice",
    "Create",
    "Plan",
    "PolicyInfo",
    "RetryOn409",
    "Situation",
    "Step",
    "Thresholds",
    "plan_for",
    "situation_from_runs",
]
