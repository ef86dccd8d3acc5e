"""The admin tiers: AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy
around the NetworkPolicies, one rule per case of tests/data/netpol/rules/admin.yaml."""

from __future__ import annotations

import pytest

from unit.engines.netpol.netpol_cases import Case, case_id, check_case, load_cases

CASES = load_cases("admin.yaml")
RULES = {
    "admin-order": "admin tier, then NetworkPolicy, then baseline, then allow; lower priority first",
    "admin-rule-order": "rules in order: the first match decides",
    "admin-pass": "Pass goes to the NetworkPolicy tier, then baseline",
    "admin-no-isolation": "admin rules do not isolate what they do not match",
    "admin-baseline": "baseline applies only where no NetworkPolicy selects",
    "admin-subject-host-network": "host-network pods are not admin subjects or peers",
    "admin-named-port": "namedPort takes the protocol from the pod",
    "admin-networks": "networks match external addresses",
    "admin-cnp": "ClusterNetworkPolicy tiers, Accept, protocols",
    "admin-invalid": "invalid admin policies are ignored; unmodelled peers warned",
    "admin-crd-validation": "the CRDs' CEL rules on networks and port ranges",
    "admin-same-priority": "shared priorities are ambiguous",
}


def test_every_rule_has_a_case_and_every_case_a_known_rule() -> None:
    assert {case["rule"] for case in CASES} == set(RULES)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_admin_rule(case: Case) -> None:
    check_case(case)
