"""Pod Security Standards fixtures: a Python port of upstream's fixture generator.

Upstream (kubernetes/kubernetes ``staging/src/k8s.io/pod-security-admission/test``):
``fixtures.go`` holds a minimal valid pod per level and version (``minimalValidPods``, with
Linux and Windows variants) and a registry of per-check generators; each
``fixtures_<check>.go`` registers, from some version on, a ``fixtureGenerator`` whose
``generatePass``/``generateFail`` tweak the minimal pod of the level and version into pods that
must pass or fail, with an ``expectErrorSubstring`` the denial must contain. A generator
registered at baseline also serves restricted (``registerFixtureGenerator``); the newest one at
or below a version serves it (``getFixtures``). ``run.go`` (``checksForLevelAndVersion``) asks
for fixtures of every check whose first version is at or below the version (at restricted,
baseline checks too, overridden or not); ``fixtures_test.go`` serialises them to
``testdata/<level>/v1.N/{pass,fail}/<lowercased check><index>.yaml`` plus ``pass/base.yaml``.

This module writes the same pods, as the JSON/YAML the Go structs serialise to (``omitempty``:
nil pointers, empty slices and empty maps are left out; pointers to empty structs stay ``{}``),
under ``tests/data/podsec``. The versions written are upstream's ``computeVersionsToTest``
(v1.0, the newest, every check version and every minimal-pod version) plus the version just
before each of them, so both sides of every behaviour change have fixtures. Regenerate with::

    KUBEWARD_UPDATE_FIXTURES=1 .venv/bin/pytest tests/unit/engines/podsec/test_pss_fixtures.py

Sources (file @ commit, as stored in the library; the newest version found of each):
fixtures.go @ the version with ``minimalValidLinuxPods``/``minimalValidWindowsPods`` and
``generatePass(pod, level)``; each generator names its own file and commit in ``source``.

Deviations and additions, each visible in the fixture headers:

* Feature gates: at HEAD only the procMount generators keep ``failRequiresFeatures``
  (``ProcMountType``); the ``AppArmor`` and ``WindowsHostProcessContainers`` gates of older
  fixtures are gone, and upstream has no ``passRequiresFeatures``. ``run.go`` skips a fail case
  whose gate is off only because such an API server drops the field before admission; like
  ``failRequiresError`` (procMount v1.35 baseline: validation rejects the pod first), it is kept
  in the header but skips nothing, since kubeward evaluates the manifest as written.
* ``run.go`` creates each pod through an API server, so defaulting runs before admission:
  ``restrictedVolumes`` pass case 0 has a volume with no source (``volume0``), which
  ``SetDefaults_Volume`` (pkg/apis/core/v1/defaults.go) turns into ``emptyDir``. The fixture
  keeps it as upstream writes it and expects it allowed.
* ``run.go`` tries the Linux/Windows minimal pods from restricted v1.29
  (``podOSBasedRestrictionEnabledVersion``); they are written (``base_linux``/``base_windows``)
  and checked at every restricted version, where the v1.25 Windows exemptions predict them.
* hostPathVolumes: the stored fixtures say ``expectErrorSubstring: "hostPath volumes"``, which
  cannot match at restricted, where ``restrictedVolumes`` overrides the check (since k8s 1.24)
  and reports ``restricted volume types (... "hostPath")``; the substring used is ``hostPath``,
  the part both messages share.
* sysctls v1.32 and v1.37: the generators are not in the library; they are rebuilt from
  upstream's generated testdata (``baseline/v1.34/pass/sysctls1.yaml`` @ 5e377f94,
  ``baseline/v1.37/pass/sysctls1.yaml`` @ a61aa9e6: pass case 1 lists only the new names),
  with pass case 0 and the fail case as in every earlier sysctls generator.
* kubeward additions (no upstream fixture exists for these behaviour changes; the header says
  ``kubeward addition``): seLinuxOptions v1.31 ``container_engine_t``; runAsNonRoot and
  runAsUser v1.35 relaxed by ``hostUsers: false``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

Pod = dict[str, Any]
PassGenerator = Callable[[Pod, str], list[Pod]]
FailGenerator = Callable[[Pod], list[Pod]]

DATA = Path(__file__).resolve().parents[3] / "data" / "podsec"
NEWEST_MINOR = 37
LEVELS = ("baseline", "restricted")
_UPSTREAM = "kubernetes/kubernetes staging/src/k8s.io/pod-security-admission"
_ADDITION = "kubeward addition (no upstream fixture): policy/"


# ---------------------------------------------------------------------------------------------
# The checks as upstream's policy registers them (policy/check_*.go): ID, level, the minimum
# versions of its versioned entries, and the baseline checks a restricted entry overrides.


@dataclass(frozen=True)
class CheckSpec:
    id: str
    level: str
    versions: tuple[int, ...]
    overrides: tuple[tuple[int, str], ...] = ()  # (from minor, overridden baseline check ID)


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("allowPrivilegeEscalation", "restricted", (8, 25)),
    CheckSpec("appArmorProfile", "baseline", (0,)),
    CheckSpec("capabilities_baseline", "baseline", (0,)),
    CheckSpec("capabilities_restricted", "restricted", (22, 25), ((22, "capabilities_baseline"),)),
    CheckSpec("hostNamespaces", "baseline", (0,)),
    CheckSpec("hostPathVolumes", "baseline", (0,)),
    CheckSpec("hostPorts", "baseline", (0,)),
    CheckSpec("hostProbesAndHostLifecycle", "baseline", (34,)),
    CheckSpec("privileged", "baseline", (0,)),
    CheckSpec("procMount", "baseline", (0, 35)),
    CheckSpec("procMount_restricted", "restricted", (35,), ((35, "procMount"),)),
    CheckSpec("restrictedVolumes", "restricted", (0,), ((0, "hostPathVolumes"),)),
    CheckSpec("runAsNonRoot", "restricted", (0, 35)),
    CheckSpec("runAsUser", "restricted", (23, 35)),
    CheckSpec("seLinuxOptions", "baseline", (0, 31)),
    CheckSpec("seccompProfile_baseline", "baseline", (0, 19)),
    CheckSpec("seccompProfile_restricted", "restricted", (19, 25), ((19, "seccompProfile_baseline"),)),
    CheckSpec("sysctls", "baseline", (0, 27, 29, 32, 37)),
    CheckSpec("windowsHostProcess", "baseline", (0,)),
)
CHECK_BY_ID = {check.id: check for check in CHECKS}


def checks_for(level: str, minor: int) -> tuple[str, ...]:
    """``run.go`` ``checksForLevelAndVersion``: every check of the level (at restricted, baseline
    ones too) whose first version is at or below ``minor``; overridden checks included."""
    return tuple(
        check.id for check in CHECKS if check.versions[0] <= minor and level in (check.level, "restricted")
    )


def overridden_at(level: str, minor: int) -> dict[str, str]:
    """Baseline check ID -> the restricted check that replaces it at ``level``/``minor``."""
    if level != "restricted":
        return {}
    return {
        overridden: check.id
        for check in CHECKS
        for since, overridden in check.overrides
        if since <= minor and check.versions[0] <= minor
    }


# ---------------------------------------------------------------------------------------------
# Minimal valid pods (fixtures.go init): OS-neutral, Linux and Windows variants.


def tweak(pod: Pod, change: Callable[[Pod], None]) -> Pod:
    """``tweak``: a deep copy of ``pod`` with ``change`` applied; ``pod`` is not modified."""
    out = copy.deepcopy(pod)
    change(out)
    return out


def _spec(pod: Pod) -> dict[str, Any]:
    spec: dict[str, Any] = pod["spec"]
    return spec


def _c0(pod: Pod) -> dict[str, Any]:
    container: dict[str, Any] = pod["spec"]["containers"][0]
    return container


def _i0(pod: Pod) -> dict[str, Any]:
    container: dict[str, Any] = pod["spec"]["initContainers"][0]
    return container


def _containers(pod: Pod) -> Iterator[dict[str, Any]]:
    yield from pod["spec"]["containers"]
    yield from pod["spec"]["initContainers"]


def _with_os(pod: Pod, name: str) -> Pod:
    return tweak(pod, lambda p: _spec(p).__setitem__("os", {"name": name}))


def _restricted_1_0(p: Pod) -> None:
    _spec(p)["securityContext"] = {"runAsNonRoot": True}


def _restricted_1_8(p: Pod) -> None:
    _c0(p)["securityContext"] = {"allowPrivilegeEscalation": False}
    _i0(p)["securityContext"] = {"allowPrivilegeEscalation": False}


def _restricted_1_19(p: Pod) -> None:
    p["metadata"].pop("annotations", None)
    _spec(p)["securityContext"]["seccompProfile"] = {"type": "RuntimeDefault"}


def _restricted_1_22(p: Pod) -> None:
    _c0(p)["securityContext"]["capabilities"] = {"drop": ["ALL"]}
    _i0(p)["securityContext"]["capabilities"] = {"drop": ["ALL"]}


@cache
def _minimal_pods() -> dict[str, dict[str, dict[int, Pod]]]:
    """variant ("", "linux", "windows") -> level -> minor -> pod, as ``fixtures.go`` fills
    ``minimalValidPods``, ``minimalValidLinuxPods`` and ``minimalValidWindowsPods``."""
    baseline_1_0: Pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {},
        "spec": {
            "initContainers": [{"name": "initcontainer1", "image": "registry.k8s.io/pause"}],
            "containers": [{"name": "container1", "image": "registry.k8s.io/pause"}],
        },
    }
    restricted: dict[int, Pod] = {0: tweak(baseline_1_0, _restricted_1_0)}
    restricted[8] = tweak(restricted[0], _restricted_1_8)
    restricted[19] = tweak(restricted[8], _restricted_1_19)
    restricted[22] = tweak(restricted[19], _restricted_1_22)
    restricted[25] = restricted[22]
    linux = {minor: _with_os(pod, "linux") for minor, pod in restricted.items()}
    windows = {minor: _with_os(pod, "windows") for minor, pod in restricted.items()}
    # none of the restricted requirements added between 1.0 and 1.25 apply to explicit Windows pods
    windows[25] = _with_os(restricted[0], "windows")
    return {
        "": {"baseline": {0: baseline_1_0}, "restricted": restricted},
        "linux": {"restricted": linux},
        "windows": {"restricted": windows},
    }


def minimal_valid_pod(level: str, minor: int, variant: str = "") -> Pod:
    """``GetMinimalValidPod`` (and the Linux/Windows getters): the newest pod at or below ``minor``."""
    pods = _minimal_pods()[variant][level]
    return copy.deepcopy(pods[max(version for version in pods if version <= minor)])


# ---------------------------------------------------------------------------------------------
# Helpers of the generators (helpers.go, fixtures_capabilities_baseline.go,
# fixtures_appArmorProfile.go, the seccomp fixtures).

SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"
APPARMOR_CONTAINER_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
_RUNTIME_DEFAULT = {"type": "RuntimeDefault"}
_UNCONFINED = {"type": "Unconfined"}
_BASELINE_CAPABILITIES = [
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]  # fmt: skip
_EVERY_CAPABILITY = [
    "SYS_TIME", "SYS_MODULE", "SYS_RAWIO", "SYS_PACCT", "SYS_ADMIN", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "AUDIT_WRITE",
    "AUDIT_CONTROL", "MAC_OVERRIDE", "MAC_ADMIN", "NET_ADMIN", "SYSLOG",
    "CHOWN", "NET_RAW", "DAC_OVERRIDE", "FOWNER", "DAC_READ_SEARCH",
    "FSETID", "KILL", "SETGID", "SETUID", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
    "NET_BROADCAST", "IPC_LOCK", "IPC_OWNER", "SYS_CHROOT", "SYS_PTRACE",
    "SYS_BOOT", "LEASE", "SETFCAP", "WAKE_ALARM", "BLOCK_SUSPEND",
]  # fmt: skip


def ensure_security_context(pod: Pod) -> Pod:
    """``ensureSecurityContext``: a copy whose pod and every (init) container has a securityContext."""
    pod = copy.deepcopy(pod)
    _spec(pod).setdefault("securityContext", {})
    for container in _containers(pod):
        container.setdefault("securityContext", {})
    return pod


def ensure_selinux_options(pod: Pod) -> Pod:
    """``ensureSELinuxOptions``: security contexts and seLinuxOptions everywhere."""
    pod = ensure_security_context(pod)
    _spec(pod)["securityContext"].setdefault("seLinuxOptions", {})
    for container in _containers(pod):
        container["securityContext"].setdefault("seLinuxOptions", {})
    return pod


def ensure_capabilities(pod: Pod) -> Pod:
    """``ensureCapabilities``: security contexts and capabilities on every (init) container."""
    pod = ensure_security_context(pod)
    for container in _containers(pod):
        container["securityContext"].setdefault("capabilities", {})
    return pod


def ensure_annotation(pod: Pod) -> Pod:
    """``ensureAnnotation``: metadata.annotations is a map (left out again if still empty)."""
    pod["metadata"].setdefault("annotations", {})
    return pod


def _volumes(*volumes: dict[str, Any]) -> Callable[[Pod], None]:
    def change(p: Pod) -> None:
        _spec(p)["volumes"] = [copy.deepcopy(volume) for volume in volumes]

    return change


def _at(path: Callable[[Pod], dict[str, Any]], **values: Any) -> Callable[[Pod], None]:
    """A tweak that sets ``values`` on the mapping ``path`` selects (``None`` deletes, as a nil
    pointer is left out of the serialised pod)."""

    def change(p: Pod) -> None:
        target = path(p)
        for key, value in values.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = copy.deepcopy(value)

    return change


def _pod_sc(p: Pod) -> dict[str, Any]:
    context: dict[str, Any] = _spec(p)["securityContext"]
    return context


def _c0_sc(p: Pod) -> dict[str, Any]:
    context: dict[str, Any] = _c0(p)["securityContext"]
    return context


def _i0_sc(p: Pod) -> dict[str, Any]:
    context: dict[str, Any] = _i0(p)["securityContext"]
    return context


def _both(
    change: Callable[[Callable[[Pod], dict[str, Any]]], Callable[[Pod], None]],
) -> Callable[[Pod], None]:
    """Apply the same change to container[0] and initContainer[0]."""

    def both(p: Pod) -> None:
        change(_c0_sc)(p)
        change(_i0_sc)(p)

    return both


def _all(*changes: Callable[[Pod], None]) -> Callable[[Pod], None]:
    def change(p: Pod) -> None:
        for each in changes:
            each(p)

    return change


# ---------------------------------------------------------------------------------------------
# The generators (fixtures_<check>.go), one function per upstream fixtureGenerator.


@dataclass(frozen=True)
class Generator:
    """``fixtureGenerator``; ``source`` names the upstream file and commit it was ported from."""

    source: str
    generate_pass: PassGenerator
    generate_fail: FailGenerator
    expect_error_substring: str = ""
    fail_requires_features: tuple[str, ...] = ()
    fail_requires_error: bool = False
    addition: bool = False  # a kubeward addition: no upstream fixture covers this change


def _src(name: str, commit: str, note: str = "") -> str:
    return f"{_UPSTREAM}/test/fixtures_{name}.go @ {commit}" + (f" ({note})" if note else "")


def _no_pass(_pod: Pod, _level: str) -> list[Pod]:
    """``// minimal valid pod already captures all valid combinations``"""
    return []


# fixtures_hostNamespaces.go
def _host_namespaces_fail(p: Pod) -> list[Pod]:
    return [
        tweak(p, _at(_spec, hostIPC=True)),
        tweak(p, _at(_spec, hostNetwork=True)),
        tweak(p, _at(_spec, hostPID=True)),
    ]


# fixtures_privileged.go
def _privileged_pass(p: Pod, _level: str) -> list[Pod]:
    p = ensure_security_context(p)
    return [tweak(p, _both(lambda sc: _at(sc, privileged=False)))]


def _privileged_fail(p: Pod) -> list[Pod]:
    p = ensure_security_context(p)
    return [
        tweak(p, _at(_c0_sc, privileged=True, allowPrivilegeEscalation=None)),
        tweak(p, _at(_i0_sc, privileged=True, allowPrivilegeEscalation=None)),
    ]


# fixtures_capabilities_baseline.go
def _capabilities_baseline_pass(p: Pod, _level: str) -> list[Pod]:
    # don't generate fixtures if minimal valid pod drops ALL
    if "ALL" in _c0(p).get("securityContext", {}).get("capabilities", {}).get("drop", []):
        return []
    p = ensure_capabilities(p)
    return [
        tweak(
            p,
            _all(
                _at(lambda q: _c0_sc(q)["capabilities"], add=_BASELINE_CAPABILITIES),
                _at(lambda q: _i0_sc(q)["capabilities"], add=_BASELINE_CAPABILITIES),
            ),
        )
    ]


def _capabilities_baseline_fail(p: Pod) -> list[Pod]:
    p = ensure_capabilities(p)

    def c0(q: Pod) -> dict[str, Any]:
        capabilities: dict[str, Any] = _c0_sc(q)["capabilities"]
        return capabilities

    def i0(q: Pod) -> dict[str, Any]:
        capabilities: dict[str, Any] = _i0_sc(q)["capabilities"]
        return capabilities

    return [
        tweak(p, _at(c0, add=["NET_RAW"])),  # NET_RAW
        tweak(p, _at(i0, add=["NET_RAW"])),  # ensure init container is enforced
        tweak(p, _at(c0, add=["chown"])),  # case-difference
        tweak(p, _at(c0, add=["CAP_CHOWN"])),  # CAP_ prefix
    ]


# fixtures_hostPathVolumes.go
def _host_path_volumes_fail(p: Pod) -> list[Pod]:
    return [
        # mix of hostPath and non-hostPath volumes
        tweak(
            p,
            _volumes(
                {"name": "volume-emptydir", "emptyDir": {}},
                {"name": "volume-hostpath", "hostPath": {"path": "/a"}},
            ),
        ),
        # just hostPath volumes
        tweak(
            p,
            _volumes(
                {"name": "volume-hostpath-a", "hostPath": {"path": "/a"}},
                {"name": "volume-hostpath-b", "hostPath": {"path": "/b"}},
            ),
        ),
    ]


# fixtures_hostPorts.go
def _host_ports_pass(p: Pod, _level: str) -> list[Pod]:
    return [
        tweak(
            p,
            _all(
                _at(_c0, ports=[{"containerPort": 12345}]),
                _at(_i0, ports=[{"containerPort": 12346}]),
            ),
        )
    ]


def _host_ports_fail(p: Pod) -> list[Pod]:
    return [
        # Host Port present
        tweak(p, _at(_c0, ports=[{"containerPort": 12345, "hostPort": 12345}])),
        # check initContainer
        tweak(p, _at(_i0, ports=[{"containerPort": 12346, "hostPort": 12346}])),
        # mix of hostPorts and regular ports
        tweak(
            p,
            _all(
                _at(_c0, ports=[{"containerPort": 12345, "hostPort": 12345}, {"containerPort": 12347}]),
                _at(_i0, ports=[{"containerPort": 12346, "hostPort": 12346}, {"containerPort": 12348}]),
            ),
        ),
    ]


# fixtures_appArmorProfile.go
def _apparmor_pass(p: Pod, _level: str) -> list[Pod]:
    p = ensure_annotation(p)

    def change(q: Pod) -> None:
        annotations = q["metadata"]["annotations"]
        annotations[APPARMOR_CONTAINER_ANNOTATION + _c0(q)["name"]] = "runtime/default"
        # upstream takes this name from Containers[0] too, so the second value replaces the first
        annotations[APPARMOR_CONTAINER_ANNOTATION + _c0(q)["name"]] = "localhost/foo"

    return [tweak(p, change)]


def _apparmor_fail(p: Pod) -> list[Pod]:
    p = ensure_annotation(p)

    def unconfined(container: Callable[[Pod], dict[str, Any]]) -> Callable[[Pod], None]:
        def change(q: Pod) -> None:
            q["metadata"]["annotations"][APPARMOR_CONTAINER_ANNOTATION + container(q)["name"]] = "unconfined"

        return change

    return [tweak(p, unconfined(_c0)), tweak(p, unconfined(_i0))]


# fixtures_seLinuxOptions.go
def _selinux_pass(p: Pod, _level: str) -> list[Pod]:
    p = ensure_selinux_options(p)

    def no_options(q: Pod) -> None:
        _pod_sc(q).pop("seLinuxOptions")  # no pod-level
        _c0_sc(q).pop("seLinuxOptions")  # no container-level
        _i0_sc(q)["seLinuxOptions"] = {}  # empty container-level

    def valid_types(q: Pod) -> None:
        _pod_sc(q)["seLinuxOptions"]["type"] = "container_t"
        _c0_sc(q)["seLinuxOptions"]["type"] = "container_init_t"
        _i0_sc(q)["seLinuxOptions"]["type"] = "container_kvm_t"
        # with empty level (left out: omitempty) and arbitrary level
        _c0_sc(q)["seLinuxOptions"]["level"] = "somevalue"

    return [tweak(p, no_options), tweak(p, valid_types)]


def _selinux_pass_1_31(p: Pod, level: str) -> list[Pod]:
    def engine(q: Pod) -> None:
        _pod_sc(q)["seLinuxOptions"]["type"] = "container_engine_t"
        _c0_sc(q)["seLinuxOptions"]["type"] = "container_engine_t"
        _i0_sc(q)["seLinuxOptions"]["type"] = "container_engine_t"

    return [*_selinux_pass(p, level), tweak(ensure_selinux_options(p), engine)]


def _selinux_fail(p: Pod) -> list[Pod]:
    p = ensure_selinux_options(p)

    def options(context: Callable[[Pod], dict[str, Any]], **values: str) -> Callable[[Pod], None]:
        return _at(lambda q: context(q)["seLinuxOptions"], **values)

    return [
        tweak(p, options(_pod_sc, type="somevalue")),  # out of bounds type: pod-level
        tweak(p, options(_c0_sc, type="somevalue")),  # container
        tweak(p, options(_i0_sc, type="somevalue")),  # initContainer
        tweak(p, options(_pod_sc, user="somevalue")),  # out of bounds user
        tweak(p, options(_pod_sc, role="somevalue")),  # out of bounds role
    ]


# fixtures_procMount.go
def _proc_mount_pass_1_0(p: Pod, _level: str) -> list[Pod]:
    p = ensure_security_context(p)
    return [tweak(p, _all(_both(lambda sc: _at(sc, procMount="Default")), _at(_spec, hostUsers=False)))]


def _proc_mount_fail(*, host_users: bool) -> FailGenerator:
    def generate(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [
            tweak(p, _all(_at(_c0_sc, procMount="Unmasked"), _at(_spec, hostUsers=host_users))),
            tweak(p, _all(_at(_i0_sc, procMount="Unmasked"), _at(_spec, hostUsers=host_users))),
        ]

    return generate


def _proc_mount_pass_1_35_baseline(p: Pod, level: str) -> list[Pod]:
    passing = _proc_mount_pass_1_0(p, level)
    if level != "restricted":
        # don't expect the unmasked namespace user pod to pass in restricted mode
        p = ensure_security_context(p)
        passing.append(
            tweak(p, _all(_both(lambda sc: _at(sc, procMount="Unmasked")), _at(_spec, hostUsers=False)))
        )
    return passing


# fixtures_seccompProfile_baseline.go
def _seccomp_baseline_pass_1_0(p: Pod, _level: str) -> list[Pod]:
    # don't generate fixtures if minimal valid pod already has seccomp config
    if p["metadata"].get("annotations", {}).get(SECCOMP_POD_ANNOTATION) == "runtime/default":
        return []
    p = ensure_annotation(p)

    def change(q: Pod) -> None:
        q["metadata"]["annotations"][SECCOMP_POD_ANNOTATION] = "runtime/default"  # pod-level default
        # container-level localhost; init-container unset
        q["metadata"]["annotations"][SECCOMP_CONTAINER_ANNOTATION + _c0(q)["name"]] = "localhost/testing"

    return [tweak(p, change)]


def _seccomp_baseline_fail_1_0(p: Pod) -> list[Pod]:
    p = ensure_annotation(p)

    def unconfined(key: Callable[[Pod], str]) -> Callable[[Pod], None]:
        return lambda q: q["metadata"]["annotations"].__setitem__(key(q), "unconfined")

    return [
        tweak(p, unconfined(lambda q: SECCOMP_POD_ANNOTATION)),
        tweak(p, unconfined(lambda q: SECCOMP_CONTAINER_ANNOTATION + _c0(q)["name"])),
        tweak(p, unconfined(lambda q: SECCOMP_CONTAINER_ANNOTATION + _i0(q)["name"])),
    ]


def _seccomp_baseline_pass_1_19(p: Pod, _level: str) -> list[Pod]:
    # don't generate fixtures if minimal valid pod already has seccomp config
    if _spec(p).get("securityContext", {}).get("seccompProfile", {}).get("type") == "RuntimeDefault":
        return []
    p = ensure_security_context(p)
    # pod-level default; container-level (upstream's comment says localhost) default; init unset
    return [
        tweak(
            p,
            _all(_at(_pod_sc, seccompProfile=_RUNTIME_DEFAULT), _at(_c0_sc, seccompProfile=_RUNTIME_DEFAULT)),
        )
    ]


def _seccomp_baseline_fail_1_19(p: Pod) -> list[Pod]:
    p = ensure_security_context(p)
    return [
        tweak(p, _at(_pod_sc, seccompProfile=_UNCONFINED)),
        tweak(p, _at(_c0_sc, seccompProfile=_UNCONFINED)),
        tweak(p, _at(_i0_sc, seccompProfile=_UNCONFINED)),
    ]


# fixtures_sysctls.go
def _sysctls_pass(allowed: list[tuple[str, str]]) -> PassGenerator:
    def generate_pass(p: Pod, _level: str) -> list[Pod]:
        _spec(p).setdefault("securityContext", {})
        listed = [{"name": name, "value": value} for name, value in allowed]
        return [
            tweak(p, _at(_pod_sc, sysctls=None)),  # security context with no sysctls
            tweak(p, _at(_pod_sc, sysctls=listed)),
        ]

    return generate_pass


def _sysctls_fail(p: Pod) -> list[Pod]:
    _spec(p).setdefault("securityContext", {})
    # sysctls with out of allowed name
    return [tweak(p, _at(_pod_sc, sysctls=[{"name": "othersysctl", "value": "other"}]))]


_SYSCTLS_1_0 = [
    ("kernel.shm_rmid_forced", "0"),
    ("net.ipv4.ip_local_port_range", "1024 65535"),
    ("net.ipv4.tcp_syncookies", "0"),
    ("net.ipv4.ping_group_range", "1 0"),
    ("net.ipv4.ip_unprivileged_port_start", "1024"),
]
_SYSCTLS_1_27 = [*_SYSCTLS_1_0, ("net.ipv4.ip_local_reserved_ports", "1024-4999")]
_SYSCTLS_1_29 = [
    *_SYSCTLS_1_27,
    ("net.ipv4.tcp_keepalive_time", "7200"),
    ("net.ipv4.tcp_fin_timeout", "60"),
    ("net.ipv4.tcp_keepalive_intvl", "75"),
    ("net.ipv4.tcp_keepalive_probes", "9"),
]
_SYSCTLS_1_32 = [("net.ipv4.tcp_rmem", "4096 87380 16777216"), ("net.ipv4.tcp_wmem", "4096 65536 16777216")]
_SYSCTLS_1_37 = [("net.ipv4.tcp_slow_start_after_idle", "0"), ("net.ipv4.tcp_notsent_lowat", "16384")]


# fixtures_windowsHostProcess.go
def _windows_host_process_fail(p: Pod) -> list[Pod]:
    p = ensure_security_context(p)
    _pod_sc(p).setdefault("windowsOptions", {})
    _c0_sc(p).setdefault("windowsOptions", {})
    _i0_sc(p).setdefault("windowsOptions", {})

    def host_process(*contexts: Callable[[Pod], dict[str, Any]]) -> Callable[[Pod], None]:
        def change(q: Pod) -> None:
            # HostNetwork is required to be true for HostProcess pods (API validation).
            _spec(q)["hostNetwork"] = True
            for context in contexts:
                context(q)["windowsOptions"]["hostProcess"] = True

        return change

    return [tweak(p, host_process(_pod_sc)), tweak(p, host_process(_c0_sc, _i0_sc))]


# fixtures_hostProbesAndHostLifecycle.go
def _probe(kind: str, **action: Any) -> dict[str, Any]:
    return {kind: {**action, "port": 8080}}


def _host_probes_pass(p: Pod, _level: str) -> list[Pod]:
    return [
        p,  # A pod with no probes should pass.
        tweak(p, _at(_c0, livenessProbe=_probe("httpGet"))),
        tweak(p, _at(_c0, readinessProbe=_probe("tcpSocket"))),
    ]


def _host_probes_fail(p: Pod) -> list[Pod]:
    return [
        tweak(p, _at(_c0, livenessProbe=_probe("httpGet", host="bad.host"))),
        tweak(p, _at(_i0, restartPolicy="Always", readinessProbe=_probe("tcpSocket", host="8.8.8.8"))),
        tweak(p, _at(_c0, lifecycle={"postStart": _probe("httpGet", host="bad.host")})),
        tweak(p, _at(_c0, livenessProbe=_probe("httpGet", host="127.0.0.1"))),
        tweak(p, _at(_c0, readinessProbe=_probe("tcpSocket", host="::1"))),
    ]


# fixtures_restrictedVolumes.go
_ALLOWED_VOLUMES = (
    {"name": "volume0"},  # implicit empty dir (the API server defaults it to emptyDir)
    {"name": "volume1", "emptyDir": {}},
    {"name": "volume2", "secret": {"secretName": "test"}},
    {"name": "volume3", "persistentVolumeClaim": {"claimName": "test"}},
    {
        "name": "volume4",
        "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]},
    },
    {"name": "volume5", "configMap": {"name": "test"}},
    {"name": "volume6", "projected": {"sources": []}},
)
_RESTRICTED_VOLUMES = (
    {"gcePersistentDisk": {"pdName": "test"}},
    {"awsElasticBlockStore": {"volumeID": "test"}},
    {"gitRepo": {"repository": "github.com/kubernetes/kubernetes"}},
    {"nfs": {"server": "test", "path": "/test"}},
    {"iscsi": {"targetPortal": "test", "iqn": "iqn.2001-04.com.example:storage.kube.sys1.xyz", "lun": 0}},
    {"glusterfs": {"path": "test", "endpoints": "test"}},
    {"rbd": {"monitors": ["test"], "image": "test"}},
    {"flexVolume": {"driver": "test"}},
    {"cinder": {"volumeID": "test"}},
    {"cephfs": {"monitors": ["test"]}},
    {"flocker": {"datasetName": "test"}},
    {"fc": {"wwids": ["test"]}},
    {"azureFile": {"secretName": "test", "shareName": "test"}},
    {"vsphereVolume": {"volumePath": "test"}},
    {"quobyte": {"registry": "localhost:1234", "volume": "test"}},
    {"azureDisk": {"diskName": "test", "diskURI": "https://test.blob.core.windows.net/test/test.vhd"}},
    {"portworxVolume": {"volumeID": "test", "fsType": "ext4"}},
    {"scaleIO": {"volumeName": "test", "gateway": "localhost", "system": "test", "secretRef": None}},
    {"storageos": {"volumeName": "test"}},
    {"hostPath": {"path": "/dev/null"}},
)


def _restricted_volumes_pass(p: Pod, _level: str) -> list[Pod]:
    # pod that has all allowed volume types
    return [tweak(p, _volumes(*_ALLOWED_VOLUMES))]


def _restricted_volumes_fail(p: Pod) -> list[Pod]:
    return [tweak(p, _volumes({"name": "volume1", **source})) for source in _RESTRICTED_VOLUMES]


# fixtures_runAsNonRoot.go
def _run_as_non_root_pass(p: Pod, _level: str) -> list[Pod]:
    p = ensure_security_context(p)
    return [
        # set at pod level
        tweak(p, _all(_at(_pod_sc, runAsNonRoot=True), _both(lambda sc: _at(sc, runAsNonRoot=None)))),
        # set on all containers
        tweak(p, _all(_at(_pod_sc, runAsNonRoot=None), _both(lambda sc: _at(sc, runAsNonRoot=True)))),
    ]


def _run_as_non_root_fail(p: Pod) -> list[Pod]:
    p = ensure_security_context(p)
    return [
        # unset everywhere
        tweak(p, _all(_at(_pod_sc, runAsNonRoot=None), _both(lambda sc: _at(sc, runAsNonRoot=None)))),
        tweak(p, _at(_pod_sc, runAsNonRoot=False)),  # explicit false on pod
        tweak(p, _at(_c0_sc, runAsNonRoot=False)),  # explicit false on containers
        tweak(p, _at(_i0_sc, runAsNonRoot=False)),
    ]


def _run_as_non_root_pass_1_35(p: Pod, level: str) -> list[Pod]:
    p2 = ensure_security_context(p)
    unset = _all(_at(_pod_sc, runAsNonRoot=None), _both(lambda sc: _at(sc, runAsNonRoot=None)))
    return [
        *_run_as_non_root_pass(p, level),
        # user namespace: runAsNonRoot is not required (unset everywhere, and explicit false)
        tweak(p2, _all(unset, _at(_spec, hostUsers=False))),
        tweak(p2, _all(_at(_pod_sc, runAsNonRoot=False), _at(_spec, hostUsers=False))),
    ]


def _run_as_non_root_fail_1_35(p: Pod) -> list[Pod]:
    return [
        *_run_as_non_root_fail(p),
        # an explicit hostUsers: true is no user namespace
        tweak(ensure_security_context(p), _all(_at(_pod_sc, runAsNonRoot=None), _at(_spec, hostUsers=True))),
    ]


# fixtures_allowPrivilegeEscalation.go
def _allow_privilege_escalation_fail(p: Pod) -> list[Pod]:
    if _spec(p).get("os", {}).get("name") == "windows":
        return []
    return [
        tweak(p, _at(_c0_sc, allowPrivilegeEscalation=True)),  # explicit true
        tweak(p, _at(_i0_sc, allowPrivilegeEscalation=True)),  # ensure initContainers are checked
        tweak(p, _at(_c0_sc, allowPrivilegeEscalation=None)),  # nil AllowPrivilegeEscalation
        tweak(p, _at(_c0, securityContext=None)),  # nil security context
    ]


# fixtures_seccompProfile_restricted.go
def _seccomp_restricted_pass(p: Pod, _level: str) -> list[Pod]:
    p = ensure_security_context(p)
    localhost = {"type": "Localhost", "localhostProfile": "testing"}
    return [
        tweak(p, _at(_pod_sc, seccompProfile=_RUNTIME_DEFAULT)),
        tweak(p, _at(_pod_sc, seccompProfile=localhost)),
        tweak(
            p,
            _all(
                _at(_pod_sc, seccompProfile=None),
                _at(_c0_sc, seccompProfile=_RUNTIME_DEFAULT),
                _at(_i0_sc, seccompProfile=localhost),
            ),
        ),
    ]


def _seccomp_restricted_fail(p: Pod) -> list[Pod]:
    p = ensure_security_context(p)
    return [
        tweak(p, _at(_pod_sc, seccompProfile=None)),  # unset everywhere
        tweak(p, _at(_pod_sc, seccompProfile=_UNCONFINED)),  # unconfined, pod-level
        # unset initContainer
        tweak(p, _all(_at(_pod_sc, seccompProfile=None), _at(_c0_sc, seccompProfile=_RUNTIME_DEFAULT))),
        # unset container
        tweak(p, _all(_at(_pod_sc, seccompProfile=None), _at(_i0_sc, seccompProfile=_RUNTIME_DEFAULT))),
        # unconfined, container-level
        tweak(
            p,
            _all(
                _at(_pod_sc, seccompProfile=None),
                _at(_c0_sc, seccompProfile=_RUNTIME_DEFAULT),
                _at(_i0_sc, seccompProfile=_UNCONFINED),
            ),
        ),
    ]


# fixtures_capabilities_restricted.go
def _caps(p: Pod, context: Callable[[Pod], dict[str, Any]]) -> dict[str, Any]:
    capabilities: dict[str, Any] = context(p)["capabilities"]
    return capabilities


def _capabilities_restricted_pass(p: Pod, _level: str) -> list[Pod]:
    p = ensure_capabilities(p)
    drop_all_add_bind = _all(
        _at(lambda q: _caps(q, _c0_sc), drop=["ALL"], add=["NET_BIND_SERVICE"]),
        _at(lambda q: _caps(q, _i0_sc), drop=["ALL"], add=["NET_BIND_SERVICE"]),
    )
    return [tweak(p, drop_all_add_bind)]


def _capabilities_restricted_fail(p: Pod) -> list[Pod]:
    p = ensure_capabilities(p)
    return [
        tweak(p, _at(lambda q: _caps(q, _c0_sc), drop=[])),  # test container
        tweak(p, _at(lambda q: _caps(q, _i0_sc), drop=[])),  # test initContainer
        # dropping all individual capabilities is not sufficient
        tweak(
            p,
            _all(
                _at(lambda q: _caps(q, _c0_sc), drop=_EVERY_CAPABILITY),
                _at(lambda q: _caps(q, _i0_sc), drop=_EVERY_CAPABILITY),
            ),
        ),
        # try adding back capabilities other than NET_BIND_SERVICE, should be forbidden
        tweak(
            p,
            _all(
                _at(lambda q: _caps(q, _c0_sc), drop=["ALL"], add=_BASELINE_CAPABILITIES),
                _at(lambda q: _caps(q, _i0_sc), drop=["ALL"], add=_BASELINE_CAPABILITIES),
            ),
        ),
    ]


# fixtures_runAsUser.go
def _run_as_user_pass(p: Pod, _level: str) -> list[Pod]:
    p = ensure_security_context(p)
    return [tweak(p, _all(_at(_pod_sc, runAsUser=1000), _both(lambda sc: _at(sc, runAsUser=1000))))]


def _run_as_user_fail(p: Pod) -> list[Pod]:
    p = ensure_security_context(p)
    return [
        tweak(p, _at(_pod_sc, runAsUser=0)),  # explicit 0 on pod
        tweak(p, _at(_c0_sc, runAsUser=0)),  # explicit 0 on containers
        tweak(p, _at(_i0_sc, runAsUser=0)),
    ]


def _run_as_user_pass_1_35(p: Pod, level: str) -> list[Pod]:
    root_everywhere = _all(_at(_pod_sc, runAsUser=0), _both(lambda sc: _at(sc, runAsUser=0)))
    # user namespace: UID 0 in the pod is not root on the node
    return [
        *_run_as_user_pass(p, level),
        tweak(ensure_security_context(p), _all(root_everywhere, _at(_spec, hostUsers=False))),
    ]


def _run_as_user_fail_1_35(p: Pod) -> list[Pod]:
    return [
        *_run_as_user_fail(p),
        tweak(ensure_security_context(p), _all(_at(_pod_sc, runAsUser=0), _at(_spec, hostUsers=True))),
    ]


# Checks whose generator writes no pass pod (at some level/version), with upstream's reason: the
# minimal valid pod (``pass/base.yaml``) is their passing case.
PASS_FROM_BASE = {
    "allowPrivilegeEscalation": "minimal valid pod already captures all valid combinations",
    "hostNamespaces": "minimal valid pod already captures all valid combinations",
    "hostPathVolumes": "minimal valid pod already captures all valid combinations",
    "windowsHostProcess": "minimal valid pod already captures all valid combinations",
    "capabilities_baseline": "don't generate fixtures if minimal valid pod drops ALL",
    "seccompProfile_baseline": "don't generate fixtures if minimal valid pod already has seccomp config",
}


# ---------------------------------------------------------------------------------------------
# The registry (registerFixtureGenerator): (level, minor, check) -> generator.

REGISTRY: dict[tuple[str, int, str], Generator] = {}


def _register(
    level: str,
    minor: int,
    check: str,
    *,
    source: str,
    passing: PassGenerator,
    failing: FailGenerator,
    substring: str = "",
    features: tuple[str, ...] = (),
    requires_error: bool = False,
    addition: bool = False,
) -> None:
    """A generator registered at baseline also serves restricted, as upstream registers it."""
    generator = Generator(source, passing, failing, substring, features, requires_error, addition)
    for each in LEVELS if level == "baseline" else (level,):
        REGISTRY[each, minor, check] = generator


def _upstream(check: str, commit: str, note: str = "") -> str:
    return f"{_UPSTREAM}/test/fixtures_{check}.go @ {commit}" + (f" ({note})" if note else "")


_HEAD_PROC_MOUNT = "HEAD version with procMount_restricted"
_TESTDATA = f"{_UPSTREAM}/test/testdata"
_register(
    "baseline",
    0,
    "hostNamespaces",
    source=_upstream("hostNamespaces", "04791b49"),
    passing=_no_pass,
    failing=_host_namespaces_fail,
    substring="host namespaces",
)
_register(
    "baseline",
    0,
    "privileged",
    source=_upstream("privileged", "0d173114"),
    passing=_privileged_pass,
    failing=_privileged_fail,
)
_register(
    "baseline",
    0,
    "capabilities_baseline",
    source=_upstream("capabilities_baseline", "7fc9c57d"),
    passing=_capabilities_baseline_pass,
    failing=_capabilities_baseline_fail,
    substring="capabilities",
)
_register(
    "baseline",
    0,
    "hostPathVolumes",
    source=_upstream("hostPathVolumes", "650c573d", 'substring "hostPath volumes" -> "hostPath"'),
    passing=_no_pass,
    failing=_host_path_volumes_fail,
    substring="hostPath",
)
_register(
    "baseline",
    0,
    "hostPorts",
    source=_upstream("hostPorts", "2e090810"),
    passing=_host_ports_pass,
    failing=_host_ports_fail,
    substring="hostPort",
)
_register(
    "baseline",
    0,
    "appArmorProfile",
    source=_upstream("appArmorProfile", "7ed31812"),
    passing=_apparmor_pass,
    failing=_apparmor_fail,
    substring="forbidden AppArmor profile",
)
_register(
    "baseline",
    0,
    "seLinuxOptions",
    source=_upstream("seLinuxOptions", "4a0608cb"),
    passing=_selinux_pass,
    failing=_selinux_fail,
    substring="seLinuxOptions",
)
_register(
    "baseline",
    31,
    "seLinuxOptions",
    source=_ADDITION + "check_seLinuxOptions.go v1.31 allows container_engine_t",
    passing=_selinux_pass_1_31,
    failing=_selinux_fail,
    substring="seLinuxOptions",
    addition=True,
)
_register(
    "baseline",
    0,
    "procMount",
    source=_upstream("procMount", _HEAD_PROC_MOUNT, "fixtureData_1_0"),
    passing=_proc_mount_pass_1_0,
    failing=_proc_mount_fail(host_users=False),
    substring="procMount",
    features=("ProcMountType",),
)
_register(
    "baseline",
    35,
    "procMount",
    source=_upstream("procMount", _HEAD_PROC_MOUNT, "fixtureData1_35baseline"),
    passing=_proc_mount_pass_1_35_baseline,
    failing=_proc_mount_fail(host_users=True),
    substring="procMount",
    features=("ProcMountType",),
    requires_error=True,
)
_register(
    "baseline",
    0,
    "seccompProfile_baseline",
    source=_upstream("seccompProfile_baseline", "16913111"),
    passing=_seccomp_baseline_pass_1_0,
    failing=_seccomp_baseline_fail_1_0,
    substring="seccompProfile",
)
_register(
    "baseline",
    19,
    "seccompProfile_baseline",
    source=_upstream("seccompProfile_baseline", "16913111"),
    passing=_seccomp_baseline_pass_1_19,
    failing=_seccomp_baseline_fail_1_19,
    substring="seccompProfile",
)
_register(
    "baseline",
    0,
    "sysctls",
    source=_upstream("sysctls", "1132fd0a"),
    passing=_sysctls_pass(_SYSCTLS_1_0),
    failing=_sysctls_fail,
    substring="forbidden sysctl",
)
_register(
    "baseline",
    27,
    "sysctls",
    source=_upstream("sysctls", "1132fd0a"),
    passing=_sysctls_pass(_SYSCTLS_1_27),
    failing=_sysctls_fail,
    substring="forbidden sysctl",
)
_register(
    "baseline",
    29,
    "sysctls",
    source=_upstream("sysctls", "1132fd0a"),
    passing=_sysctls_pass(_SYSCTLS_1_29),
    failing=_sysctls_fail,
    substring="forbidden sysctl",
)
_register(
    "baseline",
    32,
    "sysctls",
    source=f"rebuilt from {_TESTDATA}/baseline/v1.34/pass/sysctls1.yaml @ 5e377f94",
    passing=_sysctls_pass(_SYSCTLS_1_32),
    failing=_sysctls_fail,
    substring="forbidden sysctl",
)
_register(
    "baseline",
    37,
    "sysctls",
    source=f"rebuilt from {_TESTDATA}/baseline/v1.37/pass/sysctls1.yaml @ a61aa9e6",
    passing=_sysctls_pass(_SYSCTLS_1_37),
    failing=_sysctls_fail,
    substring="forbidden sysctl",
)
_register(
    "baseline",
    0,
    "windowsHostProcess",
    source=_upstream("windowsHostProcess", "6d8b6c4c"),
    passing=_no_pass,
    failing=_windows_host_process_fail,
    substring="hostProcess",
)
_register(
    "baseline",
    34,
    "hostProbesAndHostLifecycle",
    source=_upstream("hostProbesAndHostLifecycle", "HEAD version with intstr ports"),
    passing=_host_probes_pass,
    failing=_host_probes_fail,
    substring="probe or lifecycle host",
)
_register(
    "restricted",
    0,
    "restrictedVolumes",
    source=_upstream("restrictedVolumes", "c2c7d507"),
    passing=_restricted_volumes_pass,
    failing=_restricted_volumes_fail,
    substring="restricted volume types",
)
_register(
    "restricted",
    0,
    "runAsNonRoot",
    source=_upstream("runAsNonRoot", "fde22c3f"),
    passing=_run_as_non_root_pass,
    failing=_run_as_non_root_fail,
)
_register(
    "restricted",
    35,
    "runAsNonRoot",
    source=_ADDITION + "check_runAsNonRoot.go v1.35: hostUsers: false relaxes it",
    passing=_run_as_non_root_pass_1_35,
    failing=_run_as_non_root_fail_1_35,
    addition=True,
)
_register(
    "restricted",
    8,
    "allowPrivilegeEscalation",
    source=_upstream("allowPrivilegeEscalation", "78fc8e44"),
    passing=_no_pass,
    failing=_allow_privilege_escalation_fail,
)
_register(
    "restricted",
    19,
    "seccompProfile_restricted",
    source=_upstream("seccompProfile_restricted", "6732d913"),
    passing=_seccomp_restricted_pass,
    failing=_seccomp_restricted_fail,
    substring="seccompProfile",
)
_register(
    "restricted",
    22,
    "capabilities_restricted",
    source=_upstream("capabilities_restricted", "c2c7d507"),
    passing=_capabilities_restricted_pass,
    failing=_capabilities_restricted_fail,
    substring="unrestricted capabilities",
)
_register(
    "restricted",
    23,
    "runAsUser",
    source=_upstream("runAsUser", "fde22c3f"),
    passing=_run_as_user_pass,
    failing=_run_as_user_fail,
)
_register(
    "restricted",
    35,
    "runAsUser",
    source=_ADDITION + "check_runAsUser.go v1.35: hostUsers: false relaxes it",
    passing=_run_as_user_pass_1_35,
    failing=_run_as_user_fail_1_35,
    addition=True,
)
_register(
    "restricted",
    35,
    "procMount_restricted",
    source=_upstream("procMount", _HEAD_PROC_MOUNT, "fixtureData1_35restricted"),
    passing=_proc_mount_pass_1_0,
    failing=_proc_mount_fail(host_users=False),
    substring="procMount",
    features=("ProcMountType",),
)


def generator_for(level: str, minor: int, check: str) -> tuple[int, Generator]:
    """``getFixtures``: the generator registered at the newest version at or below ``minor``."""
    for version in range(minor, -1, -1):
        if (level, version, check) in REGISTRY:
            return version, REGISTRY[level, version, check]
    raise LookupError(f"no fixture generator for {level}/v1.{minor}/{check}")


# ---------------------------------------------------------------------------------------------
# The fixtures and their files.


@dataclass(frozen=True)
class Fixture:
    """One pod of the tree: ``check`` is ``None`` for the minimal valid pods (``base*``)."""

    level: str
    minor: int
    outcome: str  # "pass" or "fail"
    name: str
    check: str | None
    pod: Pod = field(compare=False, repr=False)
    source: str = ""
    registered_at: int = 0
    expect_error_substring: str = ""
    fail_requires_features: tuple[str, ...] = ()
    fail_requires_error: bool = False
    addition: bool = False

    @property
    def relative_path(self) -> str:
        return f"{self.level}/v1.{self.minor}/{self.outcome}/{self.name}.yaml"

    @property
    def path(self) -> Path:
        return DATA / self.relative_path


def versions_to_write() -> tuple[int, ...]:
    """``computeVersionsToTest`` (v1.0, the newest, every check version, every minimal-pod
    version) and the version just before each."""
    changes = {0, NEWEST_MINOR}
    changes.update(version for check in CHECKS for version in check.versions)
    changes.update(
        version for variant in _minimal_pods().values() for pods in variant.values() for version in pods
    )
    changes.update(version for _, version, _ in REGISTRY)
    return tuple(sorted(changes | {version - 1 for version in changes if version > 0}))


def _fixtures_at(level: str, minor: int) -> Iterator[Fixture]:
    base = Fixture(
        level,
        minor,
        "pass",
        "base",
        None,
        _named(minimal_valid_pod(level, minor), "base"),
        "fixtures.go minimalValidPods",
    )
    yield base
    if level == "restricted":
        for variant in ("linux", "windows"):
            name = f"base_{variant}"
            pod = _named(minimal_valid_pod(level, minor, variant), name)
            yield Fixture(
                level, minor, "pass", name, None, pod, f"fixtures.go minimalValid{variant.title()}Pods"
            )
    for check in checks_for(level, minor):
        registered_at, generator = generator_for(level, minor, check)
        common = {
            "check": check,
            "source": generator.source,
            "registered_at": registered_at,
            "expect_error_substring": generator.expect_error_substring or check,
            "fail_requires_features": generator.fail_requires_features,
            "fail_requires_error": generator.fail_requires_error,
            "addition": generator.addition,
        }
        pod = minimal_valid_pod(level, minor)
        for outcome, pods in (
            ("pass", generator.generate_pass(copy.deepcopy(pod), level)),
            ("fail", generator.generate_fail(copy.deepcopy(pod))),
        ):
            for index, generated in enumerate(pods):
                name = f"{check.lower()}{index}"
                yield Fixture(level, minor, outcome, name, pod=_named(generated, name), **common)  # type: ignore[arg-type]


def _named(pod: Pod, name: str) -> Pod:
    """``testFixtureFile``: the pod with ``metadata.name`` set, serialised as Go would."""
    pod = copy.deepcopy(pod)
    pod["metadata"] = {"name": name, **{k: v for k, v in pod["metadata"].items() if k != "name"}}
    named: Pod = _go_json(pod)
    return named


def _go_json(value: Any) -> Any:
    """What ``json.Marshal`` writes for the Go struct: ``omitempty`` leaves out nil pointers,
    empty slices and empty maps. The fields met here without ``omitempty`` are
    ``projected.sources`` (``[]`` stays) and ``scaleIO.secretRef`` (nil is written ``null``)."""
    if isinstance(value, dict):
        out = {}
        for name, raw in value.items():
            item = _go_json(raw)
            if name in _NOT_OMITEMPTY or not (
                item is None or item == [] or (item == {} and name == "annotations")
            ):
                out[name] = item
        return out
    if isinstance(value, list):
        return [_go_json(item) for item in value]
    return value


_NOT_OMITEMPTY = frozenset({"sources", "secretRef"})


@cache
def all_fixtures() -> tuple[Fixture, ...]:
    """Every fixture of the tree, in a stable order."""
    return tuple(
        fixture for level in LEVELS for minor in versions_to_write() for fixture in _fixtures_at(level, minor)
    )


# ---------------------------------------------------------------------------------------------
# Rendering: a comment header, then the pod as go-yaml (sigs.k8s.io/yaml) lays it out.


class _GoStyleDumper(yaml.SafeDumper):
    """Sorted keys, block style, and double quotes where a plain scalar would not read back as
    the same string, as go-yaml writes them."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    plain_tag = dumper.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    style = '"' if plain_tag != "tag:yaml.org,2002:str" or value == "" else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_GoStyleDumper.add_representer(str, _represent_str)


def render(fixture: Fixture) -> str:
    """The file text: a header naming the expectation and the source, then the manifest."""
    expectation = "pass: allowed" if fixture.outcome == "pass" else "fail: denied"
    lines = [
        "# Generated by tests/unit/engines/podsec/fixtures.py; do not edit (KUBEWARD_UPDATE_FIXTURES=1).",
        f"# policy: {fixture.level}:v1.{fixture.minor}  expect {expectation}",
    ]
    if fixture.check is None:
        lines.append(f"# minimal valid pod ({fixture.source})")
    else:
        lines.append(f"# check: {fixture.check}  generator registered at v1.{fixture.registered_at}")
        if fixture.outcome == "fail":
            lines.append(f"# expectErrorSubstring: {fixture.expect_error_substring!r}")
            if fixture.fail_requires_features:
                lines.append(
                    f"# failRequiresFeatures (not skipped here): {', '.join(fixture.fail_requires_features)}"
                )
            if fixture.fail_requires_error:
                lines.append("# failRequiresError: the API server's validation also rejects this pod")
        lines.append(f"# source: {fixture.source}")
    body = yaml.dump(
        fixture.pod, Dumper=_GoStyleDumper, sort_keys=True, default_flow_style=False, width=10_000
    )
    return "\n".join(lines) + "\n" + body


def expected_files() -> Mapping[str, str]:
    """Relative path -> text, for every fixture."""
    return {fixture.relative_path: render(fixture) for fixture in all_fixtures()}
