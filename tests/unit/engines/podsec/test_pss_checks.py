"""The Pod Security Standards checks, registry and API.

Case tables: ``tests/data/podsec_checks/<check ID>.yaml``, ported from upstream's
``policy/check_*_test.go`` (with their reasons and details) plus the version boundaries of each
check. Each case maps policy versions to ``[reason, detail]``, ``allowed`` or ``not run``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.engines import podsec
from kubeward.engines.podsec import NEWEST, Policy, Violation, check_ids, evaluate, parse_policy
from kubeward.engines.podsec.checks import ALL_CHECKS
from kubeward.engines.podsec.checks._base import Check, Pod, VersionedCheck, go_quote
from kubeward.engines.podsec.registry import REGISTRY, Registry, RegistryError, active_version
from kubeward.k8s import schema
from kubeward.k8s import types as k8s_types
from kubeward.k8s.versions import Version, parse_version
from unit.engines.podsec.pss_reference import INDEPENDENT_CHECKS, independent_failures, naive_evaluate

DATA = Path(__file__).parents[3] / "data" / "podsec_checks"
CHECKS = {check.id: check for check in ALL_CHECKS}


def _cases() -> list[Any]:
    params = []
    for path in sorted(DATA.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            for version, expected in case["results"].items():
                params.append(
                    pytest.param(
                        path.stem, case, version, expected, id=f"{path.stem}-{case['name']}-{version}"
                    )
                )
    return params


def _expected(expected: Any) -> tuple[str, str] | str:
    if isinstance(expected, list):
        assert len(expected) == 2
        return expected[0], expected[1]
    assert expected in ("allowed", "not run"), expected
    return str(expected)


@pytest.mark.parametrize(("check_id", "case", "version_text", "expected"), _cases())
def test_check_case(check_id: str, case: dict[str, Any], version_text: str, expected: Any) -> None:
    want = _expected(expected)
    version = None if version_text == "latest" else parse_version(version_text)
    check = CHECKS[check_id]
    metadata, spec = case.get("metadata", {}), case["spec"]
    versioned = active_version(check, REGISTRY.effective_version(version))
    if want == "not run":
        assert versioned is None
        assert check_id not in check_ids(Policy(check.level, version))
        return
    assert versioned is not None
    result = versioned.fn(Pod(metadata, spec))
    assert result == (None if want == "allowed" else want)
    # The same answer through the public API, at the check's own level.
    found = {
        violation.check: violation for violation in evaluate(Policy(check.level, version), metadata, spec)
    }
    assert found.get(check_id) == (None if result is None else Violation(check_id, *result))


def test_every_check_has_a_case_table() -> None:
    assert {path.stem for path in DATA.glob("*.yaml")} == set(CHECKS)


def test_every_check_version_is_exercised() -> None:
    """Each versioned implementation of each check is hit by at least one case."""
    hit: set[tuple[str, Version]] = set()
    for path in DATA.glob("*.yaml"):
        for case in yaml.safe_load(path.read_text()):
            for version_text in case["results"]:
                version = None if version_text == "latest" else parse_version(version_text)
                versioned = active_version(CHECKS[path.stem], REGISTRY.effective_version(version))
                if versioned is not None:
                    hit.add((path.stem, versioned.minimum))
    wanted = {(check.id, versioned.minimum) for check in ALL_CHECKS for versioned in check.versions}
    assert wanted - hit == set()


# --- the registry ---------------------------------------------------------------------------------

BASELINE_V1_0 = (
    "appArmorProfile",
    "capabilities_baseline",
    "hostNamespaces",
    "hostPathVolumes",
    "hostPorts",
    "privileged",
    "procMount",
    "seLinuxOptions",
    "seccompProfile_baseline",
    "sysctls",
    "windowsHostProcess",
)
CHECK_IDS = [
    ("baseline", "v1.0", BASELINE_V1_0),
    ("baseline", "v1.33", BASELINE_V1_0),
    (
        "baseline",
        "v1.34",
        (*BASELINE_V1_0[:5], "hostProbesAndHostLifecycle", *BASELINE_V1_0[5:]),
    ),
    (
        "restricted",
        "v1.0",
        (*[i for i in BASELINE_V1_0 if i != "hostPathVolumes"], "restrictedVolumes", "runAsNonRoot"),
    ),
    (
        "restricted",
        "v1.8",
        (
            *[i for i in BASELINE_V1_0 if i != "hostPathVolumes"],
            "allowPrivilegeEscalation",
            "restrictedVolumes",
            "runAsNonRoot",
        ),
    ),
    (
        "restricted",
        "v1.19",
        (
            *[i for i in BASELINE_V1_0 if i not in ("hostPathVolumes", "seccompProfile_baseline")],
            "allowPrivilegeEscalation",
            "restrictedVolumes",
            "runAsNonRoot",
            "seccompProfile_restricted",
        ),
    ),
    (
        "restricted",
        "v1.23",
        (
            "appArmorProfile",
            "hostNamespaces",
            "hostPorts",
            "privileged",
            "procMount",
            "seLinuxOptions",
            "sysctls",
            "windowsHostProcess",
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "restrictedVolumes",
            "runAsNonRoot",
            "runAsUser",
            "seccompProfile_restricted",
        ),
    ),
    (
        "restricted",
        "latest",
        (
            "appArmorProfile",
            "hostNamespaces",
            "hostPorts",
            "hostProbesAndHostLifecycle",
            "privileged",
            "seLinuxOptions",
            "sysctls",
            "windowsHostProcess",
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "procMount_restricted",
            "restrictedVolumes",
            "runAsNonRoot",
            "runAsUser",
            "seccompProfile_restricted",
        ),
    ),
    ("privileged", "latest", ()),
    ("privileged", "v1.0", ()),
]


@pytest.mark.parametrize(("level", "version", "expected"), CHECK_IDS)
def test_check_ids(level: str, version: str, expected: tuple[str, ...]) -> None:
    assert check_ids(parse_policy(level, version)) == expected


def test_newest_is_the_newest_minimum_version() -> None:
    assert NEWEST == Version(1, 37) == REGISTRY.newest
    assert max(versioned.minimum for check in ALL_CHECKS for versioned in check.versions) == NEWEST


@pytest.mark.parametrize("version", ["v1.37", "v1.38", "v1.999", "latest"])
def test_versions_above_newest_are_clamped(version: str) -> None:
    assert check_ids(parse_policy("restricted", version)) == check_ids(Policy("restricted", NEWEST))
    pod = {"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_notsent_lowat"}]}}
    assert evaluate(parse_policy("baseline", version), {}, pod) == ()
    assert evaluate(parse_policy("baseline", "v1.36"), {}, pod) != ()


def test_table_covers_every_version_and_level_once() -> None:
    assert set(REGISTRY.table) == {
        (level, Version(1, minor))
        for level in ("baseline", "restricted")
        for minor in range(NEWEST.minor + 1)
    }


def _noop(pod: Pod) -> None:
    return None


def _check(check_id: str, level: str, *versions: tuple[int, tuple[str, ...]]) -> Check:
    return Check(
        check_id, level, tuple(VersionedCheck(Version(1, minor), _noop, ov) for minor, ov in versions)
    )


@pytest.mark.parametrize(
    ("checks", "message"),
    [
        (
            [_check("a", "baseline", (0, ())), _check("a", "baseline", (1, ()))],
            "multiple checks registered for ID a",
        ),
        ([_check("a", "privileged", (0, ()))], "check a: invalid level privileged"),
        ([Check("a", "baseline", ())], "check a: empty"),
        ([_check("a", "baseline", (3, ()), (3, ()))], "check a: versions must be strictly increasing"),
        ([_check("a", "baseline", (3, ()), (2, ()))], "check a: versions must be strictly increasing"),
        ([_check("a", "baseline", (0, ("b",))), _check("b", "baseline", (0, ()))], "only restricted checks"),
        (
            [_check("a", "restricted", (0, ("b",))), _check("b", "restricted", (0, ()))],
            "overrides restricted check b",
        ),
        ([Check("a", "baseline", (VersionedCheck(Version(2, 0), _noop),))], "invalid version v2.0"),
    ],
)
def test_invalid_registries_are_rejected(checks: list[Check], message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        Registry.build(checks)


def _named(check_id: str, level: str, versions: list[str], overrides: tuple[str, ...] = ()) -> Check:
    """upstream registry_test.go generateCheck: each version's function returns "id:version"."""

    def implementation(version: str) -> VersionedCheck:
        def check(pod: Pod) -> tuple[str, str]:
            return f"{check_id}:{version}", ""

        return VersionedCheck(parse_version(version), check, overrides)

    return Check(check_id, level, tuple(implementation(version) for version in versions))


def _reasons(registry: Registry, level: str, version: str) -> list[str]:
    policy_version = None if version == "latest" else parse_version(version)
    results = [check(Pod({}, {})) for _, check in registry.entries(level, policy_version)]
    return [result[0] for result in results if result is not None]


_MULTI_OVERRIDE = Check(
    "i",
    "restricted",
    (
        _named("i", "restricted", ["v1.10"], ("c",)).versions[0],
        _named("i", "restricted", ["v1.21"], ("d",)).versions[0],
    ),
)
UPSTREAM_REGISTRY = [
    _named("a", "baseline", ["v1.0"]),
    _named("b", "baseline", ["v1.10"]),
    _named("c", "baseline", ["v1.0", "v1.5", "v1.10"]),
    _named("d", "baseline", ["v1.11", "v1.15", "v1.20"]),
    _named("e", "restricted", ["v1.0"]),
    _named("f", "restricted", ["v1.12", "v1.16", "v1.21"]),
    _named("g", "restricted", ["v1.10"], ("a",)),
    _named("h", "restricted", ["v1.0"], ("b",)),
    _MULTI_OVERRIDE,
]


@pytest.mark.parametrize("level", ["privileged", "baseline", "restricted"])
def test_an_empty_registry_allows_everything(level: str) -> None:
    """registry_test.go TestCheckRegistry_Empty."""
    assert _reasons(Registry.build([]), level, "latest") == []


@pytest.mark.parametrize(
    ("checks", "level", "version", "expected"),
    [
        # registry_test.go TestCheckRegistry
        (UPSTREAM_REGISTRY, "privileged", "v1.0", []),
        (UPSTREAM_REGISTRY, "privileged", "latest", []),
        (UPSTREAM_REGISTRY, "baseline", "v1.0", ["a:v1.0", "c:v1.0"]),
        (UPSTREAM_REGISTRY, "baseline", "v1.4", ["a:v1.0", "c:v1.0"]),
        (UPSTREAM_REGISTRY, "baseline", "v1.5", ["a:v1.0", "c:v1.5"]),
        (UPSTREAM_REGISTRY, "baseline", "v1.10", ["a:v1.0", "b:v1.10", "c:v1.10"]),
        (UPSTREAM_REGISTRY, "baseline", "v1.11", ["a:v1.0", "b:v1.10", "c:v1.10", "d:v1.11"]),
        (UPSTREAM_REGISTRY, "baseline", "latest", ["a:v1.0", "b:v1.10", "c:v1.10", "d:v1.20"]),
        (UPSTREAM_REGISTRY, "restricted", "v1.0", ["a:v1.0", "c:v1.0", "e:v1.0", "h:v1.0"]),
        (UPSTREAM_REGISTRY, "restricted", "v1.4", ["a:v1.0", "c:v1.0", "e:v1.0", "h:v1.0"]),
        (UPSTREAM_REGISTRY, "restricted", "v1.5", ["a:v1.0", "c:v1.5", "e:v1.0", "h:v1.0"]),
        (UPSTREAM_REGISTRY, "restricted", "v1.10", ["e:v1.0", "g:v1.10", "h:v1.0", "i:v1.10"]),
        (UPSTREAM_REGISTRY, "restricted", "v1.11", ["d:v1.11", "e:v1.0", "g:v1.10", "h:v1.0", "i:v1.10"]),
        (
            UPSTREAM_REGISTRY,
            "restricted",
            "latest",
            ["c:v1.10", "e:v1.0", "f:v1.21", "g:v1.10", "h:v1.0", "i:v1.21"],
        ),
        (
            UPSTREAM_REGISTRY,
            "restricted",
            "v1.10000",
            ["c:v1.10", "e:v1.0", "f:v1.21", "g:v1.10", "h:v1.0", "i:v1.21"],
        ),
        # TestCheckRegistry_NoBaseline: overrides of checks that are not registered are fine
        (UPSTREAM_REGISTRY[4:8], "baseline", "v1.10", []),
        (UPSTREAM_REGISTRY[4:8], "restricted", "v1.0", ["e:v1.0", "h:v1.0"]),
        (UPSTREAM_REGISTRY[4:8], "restricted", "v1.10", ["e:v1.0", "g:v1.10", "h:v1.0"]),
        (UPSTREAM_REGISTRY[4:8], "restricted", "latest", ["e:v1.0", "f:v1.21", "g:v1.10", "h:v1.0"]),
        # TestCheckRegistry_NoRestricted: restricted is baseline
        (UPSTREAM_REGISTRY[:4], "restricted", "v1.5", ["a:v1.0", "c:v1.5"]),
        (UPSTREAM_REGISTRY[:4], "restricted", "latest", ["a:v1.0", "b:v1.10", "c:v1.10", "d:v1.20"]),
    ],
)
def test_upstream_registry_cases(checks: list[Check], level: str, version: str, expected: list[str]) -> None:
    assert _reasons(Registry.build(checks), level, version) == expected


def test_overrides_apply_only_while_the_overriding_version_is_active() -> None:
    registry = Registry.build(
        [
            _check("base", "baseline", (0, ())),
            _check("strict", "restricted", (2, ()), (5, ("base",))),
        ]
    )
    assert [check_id for check_id, _ in registry.entries("restricted", Version(1, 4))] == ["base", "strict"]
    assert [check_id for check_id, _ in registry.entries("restricted", Version(1, 5))] == ["strict"]
    assert [check_id for check_id, _ in registry.entries("restricted", None)] == ["strict"]
    assert [check_id for check_id, _ in registry.entries("baseline", Version(1, 5))] == ["base"]
    assert registry.entries("restricted", Version(0, 9)) == ()


# --- the API --------------------------------------------------------------------------------------


def test_policy_strings() -> None:
    assert str(parse_policy("baseline", "v1.30")) == "baseline:v1.30"
    assert str(parse_policy("restricted")) == "restricted:latest"
    assert parse_policy("privileged", "latest") == Policy("privileged", None)
    assert podsec.LEVELS == ("privileged", "baseline", "restricted")


@pytest.mark.parametrize(
    ("level", "version", "message"),
    [
        ("Baseline", "latest", "invalid level 'Baseline': must be one of privileged, baseline, restricted"),
        ("", "latest", "invalid level"),
        ("baseline", "1.30", "invalid version '1.30'"),
        ("baseline", "v1.030", "invalid version"),
        ("baseline", "v2.0", "invalid version"),
        ("baseline", "Latest", "invalid version"),
    ],
)
def test_parse_policy_errors(level: str, version: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_policy(level, version)


def test_violation_to_dict() -> None:
    violation = Violation("hostNamespaces", "host namespaces", "hostNetwork=true")
    assert violation.to_dict() == {
        "check": "hostNamespaces",
        "reason": "host namespaces",
        "detail": "hostNetwork=true",
    }


def test_violations_come_in_psa_order() -> None:
    spec = {
        "hostNetwork": True,
        "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
        "containers": [{"name": "a", "securityContext": {"privileged": True, "runAsUser": 0}}],
    }
    found = [violation.check for violation in evaluate(parse_policy("restricted", "v1.30"), {}, spec)]
    assert found == [
        "hostNamespaces",
        "privileged",
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "restrictedVolumes",
        "runAsNonRoot",
        "runAsUser",
        "seccompProfile_restricted",
    ]
    assert [v.check for v in evaluate(parse_policy("baseline", "v1.30"), {}, spec)] == [
        "hostNamespaces",
        "hostPathVolumes",
        "privileged",
    ]
    assert evaluate(parse_policy("privileged"), {}, spec) == ()


def test_minimal_restricted_pod_passes_every_version() -> None:
    """PSA test/fixtures.go minimalValidPods: the restricted base pod for each version."""
    spec: dict[str, Any] = {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "initContainers": [{"name": "initcontainer1", "image": "registry.k8s.io/pause"}],
        "containers": [{"name": "container1", "image": "registry.k8s.io/pause"}],
    }
    for container in spec["initContainers"] + spec["containers"]:
        container["securityContext"] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    for minor in range(NEWEST.minor + 3):
        assert evaluate(Policy("restricted", Version(1, minor)), {}, spec) == (), minor


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("unconfined", '"unconfined"'),
        ('a"b\\c', '"a\\"b\\\\c"'),
        ("tab\there\n", '"tab\\there\\n"'),
        ("\x00\x7f", '"\\x00\\x7f"'),
        ("é ✓", '"é ✓"'),
        ("\u00a0\u200b", '"\\u00a0\\u200b"'),
        ("\U0001f600\U000e0001", '"\U0001f600\\U000e0001"'),
    ],
)
def test_go_quote(value: str, quoted: str) -> None:
    assert go_quote(value) == quoted


# --- properties -----------------------------------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "c", ""])
BOOL = st.sampled_from([True, False])


def _some(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


PROFILE = _some(type=st.sampled_from(["RuntimeDefault", "Localhost", "Unconfined", ""]))
SE_LINUX = _some(
    type=st.sampled_from(["", "container_t", "container_engine_t", "spc_t"]),
    user=st.sampled_from(["", "system_u"]),
    role=st.sampled_from(["", "r"]),
)
COMMON_CONTEXT = {
    "runAsNonRoot": BOOL,
    "runAsUser": st.sampled_from([0, 1000]),
    "seccompProfile": PROFILE,
    "appArmorProfile": PROFILE,
    "seLinuxOptions": SE_LINUX,
    "windowsOptions": _some(hostProcess=BOOL),
}
CAPABILITIES = st.lists(st.sampled_from(["ALL", "NET_BIND_SERVICE", "CHOWN", "NET_RAW", "all"]), max_size=3)
HANDLER = _some(
    httpGet=_some(host=st.sampled_from(["", "localhost"])), tcpSocket=_some(host=st.just("10.0.0.1"))
)
CONTAINER = st.fixed_dictionaries(
    {"name": NAMES},
    optional={
        "securityContext": _some(
            privileged=BOOL,
            allowPrivilegeEscalation=BOOL,
            capabilities=_some(add=CAPABILITIES, drop=CAPABILITIES),
            procMount=st.sampled_from(["Default", "Unmasked", ""]),
            **COMMON_CONTEXT,
        ),
        "ports": st.lists(_some(hostPort=st.sampled_from([0, 80, 9]), containerPort=st.just(80)), max_size=2),
        "livenessProbe": HANDLER,
        "lifecycle": _some(preStop=HANDLER),
    },
)
VOLUME = st.fixed_dictionaries(
    {"name": NAMES},
    optional={source: st.just({}) for source in ("emptyDir", "hostPath", "nfs", "image", "secret")},
)
SYSCTL_NAMES = st.sampled_from(
    ["kernel.shm_rmid_forced", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_rmem", "kernel.msgmax"]
)
POD_SPEC = _some(
    hostNetwork=BOOL,
    hostPID=BOOL,
    hostIPC=BOOL,
    hostUsers=BOOL,
    os=_some(name=st.sampled_from(["windows", "linux"])),
    securityContext=_some(sysctls=st.lists(_some(name=SYSCTL_NAMES), max_size=2), **COMMON_CONTEXT),
    initContainers=st.lists(CONTAINER, max_size=2),
    containers=st.lists(CONTAINER, max_size=3),
    ephemeralContainers=st.lists(CONTAINER, max_size=1),
    volumes=st.lists(VOLUME, max_size=3),
)
ANNOTATIONS = st.dictionaries(
    st.sampled_from(
        [
            "seccomp.security.alpha.kubernetes.io/pod",
            "container.seccomp.security.alpha.kubernetes.io/a",
            "container.apparmor.security.beta.kubernetes.io/b",
            "example.com/x",
        ]
    ),
    st.sampled_from(["runtime/default", "localhost/p", "unconfined", ""]),
    max_size=3,
)
POLICY = st.builds(
    Policy,
    st.sampled_from(podsec.LEVELS),
    st.one_of(st.none(), st.integers(0, NEWEST.minor + 2).map(lambda minor: Version(1, minor))),
)


@settings(max_examples=400)
@given(POLICY, ANNOTATIONS, POD_SPEC)
def test_evaluate_matches_naive_reference(
    policy: Policy, annotations: dict[str, str], spec: dict[str, Any]
) -> None:
    metadata = {"annotations": annotations}
    assert evaluate(policy, metadata, spec) == naive_evaluate(policy, metadata, spec)


@settings(max_examples=400)
@given(POLICY, POD_SPEC)
def test_evaluate_agrees_with_an_independent_statement_of_some_checks(
    policy: Policy, spec: dict[str, Any]
) -> None:
    if policy.level != "restricted":
        return
    version = REGISTRY.effective_version(policy.version)
    failed = {violation.check for violation in evaluate(policy, {}, spec)}
    restated = set(INDEPENDENT_CHECKS) | ({"sysctls"} if version < Version(1, 27) else set())
    expected = independent_failures(version, spec)
    if version < Version(1, 22):  # capabilities_restricted does not run yet
        restated.discard("capabilities_restricted")
    assert failed & restated == expected & restated


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2) | st.floats(allow_nan=False) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
    max_leaves=5,
)


def _weird(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Values of the right shape, or of any other shape."""
    return st.one_of(strategy, JSON_VALUES)


WEIRD_CONTEXT = _some(
    **{field: _weird(value) for field, value in COMMON_CONTEXT.items()},
    privileged=_weird(BOOL),
    allowPrivilegeEscalation=_weird(BOOL),
    capabilities=_weird(
        _some(add=_weird(st.lists(_weird(st.just("CHOWN")), max_size=2)), drop=_weird(CAPABILITIES))
    ),
    procMount=_weird(st.just("Unmasked")),
    sysctls=_weird(st.lists(_weird(_some(name=_weird(SYSCTL_NAMES))), max_size=2)),
)
WEIRD_CONTAINER = _some(
    name=_weird(NAMES),
    securityContext=_weird(WEIRD_CONTEXT),
    ports=_weird(st.lists(_weird(_some(hostPort=_weird(st.sampled_from([0, 80, 80.0, 80.5])))), max_size=2)),
    livenessProbe=_weird(_some(httpGet=_weird(_some(host=_weird(st.just("h")))))),
)
WEIRD_SPEC = _some(
    hostNetwork=_weird(BOOL),
    hostUsers=_weird(BOOL),
    os=_weird(_some(name=_weird(st.just("windows")))),
    securityContext=_weird(WEIRD_CONTEXT),
    containers=_weird(st.lists(_weird(WEIRD_CONTAINER), max_size=2)),
    initContainers=_weird(st.lists(WEIRD_CONTAINER, max_size=1)),
    volumes=_weird(st.lists(_weird(_some(name=_weird(NAMES), hostPath=_weird(st.just({})))), max_size=2)),
)
WEIRD_METADATA = _some(
    annotations=_weird(
        st.dictionaries(
            st.sampled_from(
                [
                    "container.apparmor.security.beta.kubernetes.io/a",
                    "seccomp.security.alpha.kubernetes.io/pod",
                ]
            ),
            _weird(st.just("unconfined")),
            max_size=2,
        )
    )
)


@settings(max_examples=300)
@given(POLICY, WEIRD_METADATA, WEIRD_SPEC)
def test_wrongly_typed_fields_read_as_the_field_check_leaves_them(
    policy: Policy, metadata: dict[str, Any], spec: dict[str, Any]
) -> None:
    """Never a crash; a wrongly typed field counts as unset, exactly as if the snapshot's field
    check (compiled from k8s/types.py) had dropped it."""
    raw = evaluate(policy, metadata, spec)
    checked_spec, checked_metadata = copy.deepcopy(spec), copy.deepcopy(metadata)
    schema.check_value(k8s_types.PodSpec, checked_spec, ())
    schema.check_value(k8s_types.ObjectMeta, checked_metadata, ())
    assert raw == evaluate(policy, checked_metadata, checked_spec)
    assert all(isinstance(violation, Violation) for violation in raw)


@pytest.mark.parametrize("value", [None, [], "pod", 3])
def test_non_mapping_inputs_are_empty(value: Any) -> None:
    assert evaluate(parse_policy("restricted"), value, value) == ()
    assert evaluate(parse_policy("restricted"), {}, {"containers": value}) == ()


def test_input_is_not_modified() -> None:
    spec: Mapping[str, Any] = {
        "containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["X"]}}}]
    }
    before = copy.deepcopy(spec)
    evaluate(parse_policy("restricted"), {}, spec)
    assert spec == before


def test_a_policy_cannot_have_an_unknown_level() -> None:
    with pytest.raises(ValueError, match="invalid level 'Restricted'"):
        Policy("Restricted", None)
