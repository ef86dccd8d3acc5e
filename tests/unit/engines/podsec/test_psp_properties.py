"""Property tests of the PodSecurityPolicy emulation against simple references."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kubeward.engines.podsec import psp
from kubeward.engines.podsec.psp_strategies import allows_host_path, has_path_prefix

SEGMENT = st.sampled_from(["", "foo", "bar", "foobar", "b", "."])
PATH = st.lists(SEGMENT, max_size=4).map("/".join) | st.just("/")


def _segments(path: str) -> list[str]:
    return path.removesuffix("/").split("/")


def reference_prefix(path: str, prefix: str) -> bool:
    """Whole path segments: the prefix's segments start the path's."""
    segments, wanted = _segments(path), _segments(prefix)
    return segments[: len(wanted)] == wanted


@given(PATH, PATH)
def test_has_path_prefix_matches_whole_segments(path: str, prefix: str) -> None:
    assert has_path_prefix(path, prefix) == reference_prefix(path, prefix)


@given(PATH, st.lists(st.tuples(PATH, st.booleans()), max_size=4))
def test_allows_host_path_matches_brute_force(path: str, allowed: list[tuple[str, bool]]) -> None:
    matching = [read_only for prefix, read_only in allowed if reference_prefix(path, prefix)]
    if not allowed:
        expected = (True, False)
    elif not matching:
        expected = (False, False)
    else:
        expected = (True, all(matching))  # one read-write match is enough to write
    assert allows_host_path(allowed, path) == expected


# --- mutation reaches a fixed point ---------------------------------------------------------

RULE_RANGES = [{"min": 100, "max": 200}]
POLICY_FIELDS: dict[str, Any] = {
    "runAsUser": st.sampled_from(
        [{"rule": "RunAsAny"}, {"rule": "MustRunAsNonRoot"}, {"rule": "MustRunAs", "ranges": RULE_RANGES}]
    ),
    "runAsGroup": st.sampled_from(
        [
            {"rule": "RunAsAny"},
            {"rule": "MayRunAs", "ranges": RULE_RANGES},
            {"rule": "MustRunAs", "ranges": RULE_RANGES},
        ]
    ),
    "fsGroup": st.sampled_from([{"rule": "RunAsAny"}, {"rule": "MustRunAs", "ranges": RULE_RANGES}]),
    "supplementalGroups": st.sampled_from(
        [{"rule": "RunAsAny"}, {"rule": "MustRunAs", "ranges": RULE_RANGES}]
    ),
    "seLinux": st.sampled_from(
        [{"rule": "RunAsAny"}, {"rule": "MustRunAs", "seLinuxOptions": {"level": "s0:c1"}}]
    ),
    "requiredDropCapabilities": st.sampled_from([[], ["ALL"], ["NET_RAW", "CHOWN"]]),
    "defaultAddCapabilities": st.sampled_from([[], ["NET_BIND_SERVICE"]]),
    "readOnlyRootFilesystem": st.booleans(),
    "allowPrivilegeEscalation": st.booleans(),
    "defaultAllowPrivilegeEscalation": st.sampled_from([None, True, False]),
    "runtimeClass": st.sampled_from(
        [None, {"allowedRuntimeClassNames": ["*"], "defaultRuntimeClassName": "rc"}]
    ),
}
SECURITY_CONTEXT = st.fixed_dictionaries(
    {},
    optional={
        "runAsUser": st.sampled_from([0, 150, 5000]),
        "runAsNonRoot": st.booleans(),
        "runAsGroup": st.sampled_from([150, 7]),
        "allowPrivilegeEscalation": st.booleans(),
        "readOnlyRootFilesystem": st.booleans(),
        "capabilities": st.fixed_dictionaries(
            {},
            optional={
                "add": st.sampled_from([["CHOWN"], ["NET_RAW"]]),
                "drop": st.sampled_from([["ALL"], ["CHOWN"]]),
            },
        ),
    },
)
POD_SPEC = st.fixed_dictionaries(
    {
        "automountServiceAccountToken": st.just(False),
        "containers": st.lists(
            st.fixed_dictionaries({"securityContext": SECURITY_CONTEXT}), min_size=1, max_size=2
        ).map(lambda cs: [{"name": f"c{i}", **c} for i, c in enumerate(cs)]),
    },
    optional={
        "securityContext": st.fixed_dictionaries(
            {}, optional={"runAsUser": st.sampled_from([150, 0]), "fsGroup": st.sampled_from([150, 1])}
        )
    },
)
POLICIES = st.lists(
    # API validation refuses a true defaultAllowPrivilegeEscalation with allowPrivilegeEscalation false
    st.fixed_dictionaries(POLICY_FIELDS).filter(
        lambda spec: spec["allowPrivilegeEscalation"] or not spec["defaultAllowPrivilegeEscalation"]
    ),
    min_size=1,
    max_size=3,
)


def _allow_all(*_: object) -> str:
    return "allowed"


@given(POLICIES, POD_SPEC)
def test_an_admitted_pod_is_admitted_again_unchanged(
    specs: list[dict[str, Any]], pod_spec: dict[str, Any]
) -> None:
    """MutatePod is idempotent and its output validates, so the pod a policy admitted (after
    mutation) is admitted again without any change (by the first policy that admits it as is)."""
    policies = [
        psp.compile_policy(f"p{i}", {"spec": {k: v for k, v in spec.items() if v is not None}})
        for i, spec in enumerate(specs)
    ]
    first = psp.admit({}, pod_spec, "ns", policies, _allow_all)
    if not first.allowed:
        return
    again = psp.admit(first.pod["metadata"], first.pod["spec"], "ns", policies, _allow_all)
    assert again.allowed
    assert again.mutations == ()


# --- selection matches the rule as the docs state it ----------------------------------------


def reference_choice(attempts: tuple[psp.Attempt, ...], mutation_allowed: bool) -> str | None:
    """The rule as the website's pod-security-policy.md states it: "PodSecurityPolicies which
    allow the pod as-is, without changing defaults or mutating the pod, are preferred ... If the
    pod must be defaulted or mutated, the first PodSecurityPolicy (ordered by name) to allow the
    pod is selected", among the policies the pod's creator or service account may use."""
    usable = sorted((a for a in attempts if a.admits and a.authorized_as is not None), key=lambda a: a.policy)
    unchanged = [a.policy for a in usable if not a.mutations]
    if unchanged:
        return unchanged[0]
    return usable[0].policy if usable and mutation_allowed else None


@given(POLICIES, POD_SPEC, st.sets(st.integers(0, 2)), st.booleans())
def test_selection_matches_the_documented_rule(
    specs: list[dict[str, Any]], pod_spec: dict[str, Any], authorized: set[int], mutation_allowed: bool
) -> None:
    policies = [
        psp.compile_policy(f"p{i}", {"spec": {k: v for k, v in spec.items() if v is not None}})
        for i, spec in enumerate(specs)
    ]

    def may_use(user: psp.PolicyUser, group: str, name: str, namespace: str) -> str | None:
        return "granted" if int(name[1:]) in authorized else None

    admission = psp.admit({}, pod_spec, "ns", policies[::-1], may_use, mutation_allowed=mutation_allowed)
    assert [a.policy for a in admission.attempts] == sorted(p.name for p in policies)
    assert admission.policy == reference_choice(admission.attempts, mutation_allowed)
    if admission.policy is None:
        refused = [str(e) for a in admission.attempts if a.authorized_as is not None for e in a.errors]
        assert admission.message.endswith(f"[{' '.join(refused)}]")
