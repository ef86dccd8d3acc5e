"""Pod Security Admission semantics: namespace labels to policies (tests/data/psa/
namespace-labels.yaml, upstream's TestPolicyToEvaluate first), the admission configuration
(tests/data/psa/configurations.yaml), what admission does with pods and templates, and the
warnings of a namespace label dry run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kubeward.engines import podsec
from kubeward.engines.podsec import admission
from kubeward.k8s.objects import GroupKind

DATA = Path(__file__).parents[3] / "data/psa"
LABEL_CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "namespace-labels.yaml").read_text())
CONFIG_CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "configurations.yaml").read_text())
CHANGE_CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "label-changes.yaml").read_text())


def _policy(text: str) -> podsec.Policy:
    level, _, version = text.partition(":")
    return podsec.parse_policy(level, version)


def _strings(policy: admission.NamespacePolicy) -> dict[str, str]:
    return {mode: str(policy.of(mode)) for mode in admission.MODES}


@pytest.mark.parametrize("case", LABEL_CASES, ids=lambda case: case["name"])
def test_namespace_labels_resolve_as_policy_to_evaluate(case: dict[str, Any]) -> None:
    labels = {
        admission.LABEL_PREFIX + key if key != "other" else key: value
        for key, value in case["labels"].items()
    }
    raw = case.get("defaults")
    defaults = (
        admission.PRIVILEGED_DEFAULTS
        if raw is None
        else admission.NamespacePolicy(_policy(raw["enforce"]), _policy(raw["audit"]), _policy(raw["warn"]))
    )
    policy = admission.namespace_policy(labels, defaults)
    assert _strings(policy) == case["expect"]
    assert [error.label for error in policy.errors] == [
        admission.LABEL_PREFIX + key for key in case.get("errors", [])
    ]


def test_label_errors_read_as_the_api_servers_field_errors() -> None:
    policy = admission.namespace_policy({"pod-security.kubernetes.io/enforce": "foo"})
    assert [str(error) for error in policy.errors] == [
        'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo":'
        " must be one of privileged, baseline, restricted"
    ]


_LEVEL_VALUES = st.sampled_from(["privileged", "baseline", "restricted", "bogus"])
_VERSION_VALUES = st.sampled_from(["latest", "v1.0", "v1.25", "v1.01", "1.2"])


@given(
    st.dictionaries(
        st.sampled_from(
            [admission.label(mode, version) for mode in admission.MODES for version in (False, True)]
        ),
        st.one_of(_LEVEL_VALUES, _VERSION_VALUES),
    )
)
def test_each_label_only_moves_its_own_mode_except_the_warn_default(labels: dict[str, str]) -> None:
    """A brute-force reading of the rules, label by label, agrees with the resolver."""
    policy = admission.namespace_policy(labels)
    expected = {}
    for mode in admission.MODES:
        level = labels.get(admission.label(mode), "privileged")
        if level not in podsec.LEVELS:
            level = "restricted" if mode == "enforce" else "privileged"
        version = labels.get(admission.label(mode, True), "latest")
        version = version if version in ("v1.0", "v1.25") else "latest"
        expected[mode] = f"{level}:{version}"
    enforce_level = labels.get(admission.label("enforce"))
    if admission.label("warn") not in labels and enforce_level in ("baseline", "restricted"):
        expected["warn"] = (
            enforce_level
            + ":"
            + (
                expected["warn"].split(":")[1]
                if admission.label("warn", True) in labels
                else expected["enforce"].split(":")[1]
            )
        )
    assert _strings(policy) == expected


@pytest.mark.parametrize("case", CONFIG_CASES, ids=lambda case: case["name"])
def test_admission_configurations_parse_and_validate(case: dict[str, Any]) -> None:
    config, problems = admission.parse_configuration(case["body"])
    assert [[list(problem.path), problem.message] for problem in problems] == case.get("problems", [])
    if "expect" in case:
        expect = case["expect"]
        assert _strings(config.defaults) == expect["defaults"]
        assert sorted(config.exempt_namespaces) == expect["namespaces"]
        assert sorted(config.exempt_runtime_classes) == expect["runtimeClasses"]
        assert sorted(config.exempt_usernames) == expect["usernames"]


HOST_PID = {"hostPID": True, "containers": [{"name": "c", "image": "nginx:1.27"}]}
BASELINE_NS = admission.namespace_policy(
    {"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/audit": "restricted"}
)


def test_a_pod_is_rejected_by_enforce_and_still_audited_but_not_warned() -> None:
    """EvaluatePod: "avoid adding warnings to a request we're already going to reject"."""
    decision = admission.admit(BASELINE_NS, {}, HOST_PID, kind=admission.POD, namespace="web")
    assert not decision.allowed
    assert [
        (r.mode, str(r.policy), r.applied, [v.check for v in r.violations][:1]) for r in decision.results
    ] == [
        ("enforce", "baseline:latest", True, ["hostNamespaces"]),
        ("audit", "restricted:latest", True, ["hostNamespaces"]),
        ("warn", "baseline:latest", False, ["hostNamespaces"]),
    ]


def test_an_admitted_pod_is_warned() -> None:
    policy = admission.namespace_policy({"pod-security.kubernetes.io/warn": "baseline"})
    decision = admission.admit(policy, {}, HOST_PID, kind=admission.POD, namespace="web")
    warn = decision.result("warn")
    assert decision.allowed and warn is not None and warn.applied and not warn.allowed


@pytest.mark.parametrize(
    ("kind", "applied"),
    [
        (GroupKind("apps", "Deployment"), ["audit", "warn"]),
        (GroupKind("batch", "CronJob"), ["audit", "warn"]),
        (GroupKind("", "PodTemplate"), ["audit", "warn"]),
        # PSA's extractor knows these kinds only: custom controllers and the old extensions
        # group are not evaluated at admission (their pods are)
        (GroupKind("argoproj.io", "Rollout"), []),
        (GroupKind("extensions", "Deployment"), []),
    ],
)
def test_a_template_is_not_enforced_but_its_pods_would_be(kind: GroupKind, applied: list[str]) -> None:
    decision = admission.admit(BASELINE_NS, {}, HOST_PID, kind=kind, namespace="web")
    assert [result.mode for result in decision.results if result.applied] == applied
    enforce = decision.result("enforce")
    assert enforce is not None and not enforce.allowed
    assert not decision.allowed


@pytest.mark.parametrize(
    ("namespace", "spec", "reason"),
    [
        ("kube-system", HOST_PID, "namespace 'kube-system' is exempt"),
        ("web", {**HOST_PID, "runtimeClassName": "kata"}, "runtimeClassName 'kata' is exempt"),
        ("web", {**HOST_PID, "runtimeClassName": "runc"}, None),
        ("", HOST_PID, None),
    ],
)
def test_exempt_namespaces_and_runtime_classes_skip_every_mode(
    namespace: str, spec: dict[str, Any], reason: str | None
) -> None:
    config = admission.AdmissionConfig(
        exempt_namespaces=frozenset({"kube-system"}), exempt_runtime_classes=frozenset({"kata"})
    )
    decision = admission.admit(BASELINE_NS, {}, spec, kind=admission.POD, namespace=namespace, config=config)
    assert decision.exempt == reason
    assert decision.allowed == (reason is not None)


def _violation(reason: str) -> podsec.Violation:
    return podsec.Violation("x", reason, "")


def _pod(name: str, *reasons: str, owner: str | None = None) -> admission.ExistingPod:
    return admission.ExistingPod(name, owner, tuple(_violation(reason) for reason in reasons))


RESTRICTED = podsec.Policy("restricted", None)


def test_dry_run_warnings_group_pods_by_reasons_as_psa_does() -> None:
    pods = [
        _pod("web-2", "host namespaces"),
        _pod("web-1", "host namespaces"),
        _pod("web-3", "host namespaces"),
        _pod("db-0", "privileged", "hostPath volumes"),
        _pod("ok"),
        _pod("api-1", "runAsNonRoot != true"),
        _pod("api-0", "runAsNonRoot != true"),
    ]
    assert admission.dry_run_warnings("web", RESTRICTED, pods) == [
        'existing pods in namespace "web" violate the new PodSecurity enforce level "restricted:latest"',
        "api-0 (and 1 other pod): runAsNonRoot != true",
        "db-0: privileged, hostPath volumes",
        "web-1 (and 2 other pods): host namespaces",
    ]
    assert admission.dry_run_warnings("web", RESTRICTED, [_pod("ok")]) == []


def test_dry_run_checks_a_bounded_number_of_pods_one_per_controller_first() -> None:
    """EvaluatePodsInNamespace checks defaultNamespaceMaxPodsToCheck pods, after
    prioritizePods put the first pod of each controller (and the pods without one) first."""
    pods = [
        _pod("rs-a-1", "privileged", owner="uid-a"),
        _pod("rs-a-2", "host namespaces", owner="uid-a"),
        _pod("rs-b-1", "host ports", owner="uid-b"),
        _pod("bare", "hostPath volumes"),
        _pod("rs-a-3", "sysctls", owner="uid-a"),
    ]
    assert admission.dry_run_warnings("web", RESTRICTED, pods, max_pods=3) == [
        "new PodSecurity enforce level only checked against the first 3 of 5 existing pods",
        'existing pods in namespace "web" violate the new PodSecurity enforce level "restricted:latest"',
        "bare: hostPath volumes",
        "rs-a-1: privileged",
        "rs-b-1: host ports",
    ]
    assert admission.NAMESPACE_MAX_PODS_TO_CHECK == 3000
    many = [_pod(f"p-{index:04}") for index in range(3001)]
    assert admission.dry_run_warnings("web", RESTRICTED, many) == [
        "new PodSecurity enforce level only checked against the first 3000 of 3001 existing pods"
    ]


_CHANGE_PODS = [
    _pod("web-2", "host namespaces", owner="rs-a"),
    _pod("web-1", "host namespaces", owner="rs-a"),
    _pod("db-0", "privileged"),
]


@pytest.mark.parametrize("case", CHANGE_CASES, ids=lambda case: case["name"])
def test_namespace_label_changes_as_validate_namespace(case: dict[str, Any]) -> None:
    def labels(raw: dict[str, str]) -> dict[str, str]:
        return {admission.LABEL_PREFIX + key: value for key, value in raw.items()}

    raw = case.get("defaults")
    defaults = (
        admission.PRIVILEGED_DEFAULTS
        if raw is None
        else admission.NamespacePolicy(_policy(raw["enforce"]), _policy(raw["audit"]), _policy(raw["warn"]))
    )
    config = admission.AdmissionConfig(
        defaults, exempt_namespaces=frozenset({"web"} if case.get("exempt") else set())
    )
    dry_runs: list[str] = []

    def pods(enforce: podsec.Policy) -> list[admission.ExistingPod]:
        dry_runs.append(str(enforce))
        return _CHANGE_PODS

    errors, warnings = admission.label_change("web", labels(case["old"]), labels(case["new"]), pods, config)
    assert [error.label for error in errors] == [
        admission.LABEL_PREFIX + key for key in case.get("errors", [])
    ]
    assert dry_runs == ([] if case["dryRun"] is None else [case["dryRun"]])
    assert warnings == case["warnings"]


def test_forbidden_detail_puts_details_in_parentheses() -> None:
    violations = [podsec.Violation("a", "host ports", "8080, 9090"), podsec.Violation("b", "privileged", "")]
    assert admission.forbidden_detail(violations) == "host ports (8080, 9090), privileged"
    assert admission.forbidden_reason(violations) == "host ports, privileged"
