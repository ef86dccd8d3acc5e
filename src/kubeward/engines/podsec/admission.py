"""Pod Security Admission: which policy applies to an object, and what admission does with it.

The namespace labels ``pod-security.kubernetes.io/{enforce,audit,warn}[-version]`` resolve
to one :class:`~kubeward.engines.podsec.api.Policy` per mode exactly as PSA's
``api.PolicyToEvaluate`` does, falling back to the admission configuration's defaults
(``privileged:latest`` for every mode unless a ``PodSecurityConfiguration`` says otherwise).
:func:`admit` then mirrors ``admission.EvaluatePod``: a Pod is checked in the three modes; a
workload's pod template only in audit and warn (``ValidatePodController``), since enforce
applies to the pods its controller creates. Exempt namespaces and runtime classes skip every
mode. Exempt usernames apply to the requesting user, which manifests do not have; they are
kept so callers can say so.

A ``PodSecurityConfiguration`` arrives as data (:func:`parse_configuration`); problems with
it are returned with their field paths, never raised, so the caller can name file and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubeward.engines.podsec.api import LEVELS, Policy, Violation, evaluate
from kubeward.k8s.objects import GroupKind, Path
from kubeward.k8s.versions import Version, parse_version
from kubeward.k8s.workloads import POD

__all__ = [
    "CONFIG_API_VERSIONS",
    "DEFAULT_CONFIG",
    "EVALUATED_CONTROLLERS",
    "LABEL_PREFIX",
    "MODES",
    "POD",
    "PRIVILEGED_DEFAULTS",
    "AdmissionConfig",
    "ConfigProblem",
    "Decision",
    "LabelError",
    "ModeResult",
    "NamespacePolicy",
    "admit",
    "dry_run_warnings",
    "exemption",
    "forbidden_detail",
    "forbidden_reason",
    "label",
    "namespace_policy",
    "parse_configuration",
]

MODES = ("enforce", "audit", "warn")
LABEL_PREFIX = "pod-security.kubernetes.io/"
CONFIG_GROUP = "pod-security.admission.config.k8s.io"
CONFIG_API_VERSIONS = tuple(f"{CONFIG_GROUP}/{version}" for version in ("v1", "v1beta1", "v1alpha1"))

_LEVEL_MESSAGE = "must be one of " + ", ".join(LEVELS)
_VERSION_MESSAGE = 'must be "latest" or "v1.x"'
_PRIVILEGED = Policy("privileged", None)


def label(mode: str, version: bool = False) -> str:
    """``pod-security.kubernetes.io/<mode>`` or its ``-version`` companion."""
    return f"{LABEL_PREFIX}{mode}{'-version' if version else ''}"


@dataclass(frozen=True, slots=True)
class LabelError:
    """An invalid PSA label value, worded as the API server's field error."""

    label: str
    value: str
    message: str

    def __str__(self) -> str:
        return f'metadata.labels[{self.label}]: Invalid value: "{self.value}": {self.message}'


@dataclass(frozen=True, slots=True)
class NamespacePolicy:
    """The policy of each mode, and the label errors met resolving them."""

    enforce: Policy
    audit: Policy
    warn: Policy
    errors: tuple[LabelError, ...] = ()

    def of(self, mode: str) -> Policy:
        policy: Policy = getattr(self, mode)
        return policy

    @property
    def fully_privileged(self) -> bool:
        return all(self.of(mode).level == "privileged" for mode in MODES)


PRIVILEGED_DEFAULTS = NamespacePolicy(_PRIVILEGED, _PRIVILEGED, _PRIVILEGED)


def _parse_level(text: str) -> str | None:
    return text if text in LEVELS else None


def _parse_version(text: str) -> tuple[Version | None, bool]:
    """(the version, whether it parsed); ``latest`` is None, as is a bad value (PSA
    ``ParseVersion`` falls back to latest)."""
    if text == "latest":
        return None, True
    try:
        return parse_version(text), True
    except ValueError:
        return None, False


def namespace_policy(
    labels: Mapping[str, str], defaults: NamespacePolicy = PRIVILEGED_DEFAULTS
) -> NamespacePolicy:
    """The namespace's policy per mode, as PSA ``api.PolicyToEvaluate`` resolves its labels.

    An unset label keeps the default. A bad enforce level is ``restricted`` (fail closed), a
    bad audit or warn level ``privileged`` (fail open), a bad version ``latest``; each bad
    value is an error. When ``warn`` is unset and a valid ``enforce`` level is stricter than
    the warn default, warn takes the enforce level, and its version too unless
    ``warn-version`` is set. That is upstream since Kubernetes 1.26 (kubernetes/kubernetes#113491,
    ``PolicyToEvaluate``: "Default warn to the enforce level when explicitly set to a more
    restrictive level"; pinned by ``api/helpers_test.go`` ``TestPolicyToEvaluate`` cases "simple
    enforce", "enforce & warn-version" and "enforce error")."""
    if not labels:
        return defaults
    errors: list[LabelError] = []
    levels = {mode: defaults.of(mode).level for mode in MODES}
    versions = {mode: defaults.of(mode).version for mode in MODES}
    enforce_set = False
    for mode in MODES:
        level_text = labels.get(label(mode))
        if level_text is not None:
            level = _parse_level(level_text)
            if level is None:
                errors.append(LabelError(label(mode), level_text, _LEVEL_MESSAGE))
                level = "restricted" if mode == "enforce" else "privileged"
            elif mode == "enforce":
                enforce_set = True  # a bad enforce level does not default warn
            levels[mode] = level
        version_text = labels.get(label(mode, version=True))
        if version_text is not None:
            version, parsed = _parse_version(version_text)
            if not parsed:
                errors.append(LabelError(label(mode, version=True), version_text, _VERSION_MESSAGE))
            versions[mode] = version
    if (
        label("warn") not in labels
        and enforce_set
        and LEVELS.index(levels["enforce"]) > LEVELS.index(levels["warn"])
    ):
        levels["warn"] = levels["enforce"]
        if label("warn", version=True) not in labels:
            versions["warn"] = versions["enforce"]
    policies = {mode: Policy(levels[mode], versions[mode]) for mode in MODES}
    return NamespacePolicy(policies["enforce"], policies["audit"], policies["warn"], tuple(errors))


# --- the admission configuration --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AdmissionConfig:
    """A ``PodSecurityConfiguration``: the defaults for unlabelled namespaces and the
    exemptions."""

    defaults: NamespacePolicy = PRIVILEGED_DEFAULTS
    exempt_namespaces: frozenset[str] = frozenset()
    exempt_runtime_classes: frozenset[str] = frozenset()
    exempt_usernames: frozenset[str] = frozenset()


DEFAULT_CONFIG = AdmissionConfig()


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """What is wrong with a configuration, at which field (relative to the
    ``PodSecurityConfiguration`` mapping)."""

    path: Path
    message: str


_DEFAULT_KEYS = tuple(key for mode in MODES for key in (mode, f"{mode}-version"))
_EXEMPTION_KEYS = ("usernames", "namespaces", "runtimeClasses")
_TOP_KEYS = ("apiVersion", "kind", "defaults", "exemptions")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def _dns_label_problem(name: str) -> str | None:
    if len(name) > 63:
        return f"Invalid value: {name!r}: must be no more than 63 characters"
    if not _DNS_LABEL.fullmatch(name):
        return (
            f"Invalid value: {name!r}: a lowercase RFC 1123 label must consist of lower case"
            " alphanumeric characters or '-'"
        )
    return None


def _dns_subdomain_problem(name: str) -> str | None:
    if len(name) > 253:
        return f"Invalid value: {name!r}: must be no more than 253 characters"
    if not all(_DNS_LABEL.fullmatch(part) for part in name.split(".")):
        return (
            f"Invalid value: {name!r}: a lowercase RFC 1123 subdomain must consist of lower case"
            " alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
        )
    return None


def _username_problem(name: str) -> str | None:
    return "Required value" if not name else None


def _unknown_keys(value: Mapping[str, Any], known: Sequence[str], where: Path) -> list[ConfigProblem]:
    return [
        ConfigProblem((*where, key), f"unknown field {key!r} (known: {', '.join(known)})")
        for key in value
        if key not in known
    ]


def parse_configuration(body: Mapping[str, Any]) -> tuple[AdmissionConfig, list[ConfigProblem]]:
    """A ``PodSecurityConfiguration`` (any served version) as PSA loads it: strict decoding
    (unknown fields are errors), empty defaults filled with ``privileged``/``latest``
    (``SetDefaults_PodSecurityDefaults``), then ``ValidatePodSecurityConfiguration``: valid
    levels and versions, namespace names that are DNS labels, runtime class names that are
    DNS subdomains, non-empty usernames, no duplicates. The configuration is only usable
    when the problem list is empty."""
    problems: list[ConfigProblem] = []
    if body.get("apiVersion") not in CONFIG_API_VERSIONS or body.get("kind") != "PodSecurityConfiguration":
        problems.append(
            ConfigProblem(
                ("kind",),
                f"expected kind PodSecurityConfiguration in {', '.join(CONFIG_API_VERSIONS)},"
                f" got {body.get('kind')!r} in {body.get('apiVersion')!r}",
            )
        )
    problems += _unknown_keys(body, _TOP_KEYS, ())
    defaults, default_problems = _parse_defaults(body.get("defaults"))
    problems += default_problems
    exemptions = body.get("exemptions")
    if exemptions is None:
        exemptions = {}
    if not isinstance(exemptions, Mapping):
        problems.append(ConfigProblem(("exemptions",), "must be a mapping"))
        exemptions = {}
    problems += _unknown_keys(exemptions, _EXEMPTION_KEYS, ("exemptions",))
    namespaces = _names(exemptions, "namespaces", _dns_label_problem, problems)
    runtime_classes = _names(exemptions, "runtimeClasses", _dns_subdomain_problem, problems)
    usernames = _names(exemptions, "usernames", _username_problem, problems)
    return AdmissionConfig(defaults, namespaces, runtime_classes, usernames), problems


def _parse_defaults(value: Any) -> tuple[NamespacePolicy, list[ConfigProblem]]:
    if value is None:
        return PRIVILEGED_DEFAULTS, []
    if not isinstance(value, Mapping):
        return PRIVILEGED_DEFAULTS, [ConfigProblem(("defaults",), "must be a mapping")]
    problems = _unknown_keys(value, _DEFAULT_KEYS, ("defaults",))
    policies = {}
    for mode in MODES:
        level = value.get(mode) or "privileged"
        version_text = value.get(f"{mode}-version") or "latest"
        if not isinstance(level, str) or _parse_level(level) is None:
            problems.append(ConfigProblem(("defaults", mode), f"Invalid value: {level!r}: {_LEVEL_MESSAGE}"))
            level = "privileged"
        version, parsed = _parse_version(version_text) if isinstance(version_text, str) else (None, False)
        if not parsed:
            problems.append(
                ConfigProblem(
                    ("defaults", f"{mode}-version"), f"Invalid value: {version_text!r}: {_VERSION_MESSAGE}"
                )
            )
        policies[mode] = Policy(level, version)
    return NamespacePolicy(policies["enforce"], policies["audit"], policies["warn"]), problems


def _names(
    exemptions: Mapping[str, Any], key: str, check: Callable[[str], str | None], problems: list[ConfigProblem]
) -> frozenset[str]:
    value = exemptions.get(key)
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        problems.append(ConfigProblem(("exemptions", key), "must be a list of strings"))
        return frozenset()
    seen: set[str] = set()
    for index, name in enumerate(value):
        where = ("exemptions", key, index)
        if not isinstance(name, str):
            problems.append(ConfigProblem(where, f"must be a string, got {name!r}"))
            continue
        problem = check(name)
        if problem is not None:
            problems.append(ConfigProblem(where, problem))
        elif name in seen:
            problems.append(ConfigProblem(where, f"Duplicate value: {name!r}"))
        else:
            seen.add(name)
    return frozenset(seen)


# --- admission of one object ------------------------------------------------------------


def exemption(config: AdmissionConfig, namespace: str, pod_spec: Mapping[str, Any]) -> str | None:
    """Why the object is exempt from every mode, or None: its namespace, or its pod's
    ``runtimeClassName``, is listed in the exemptions (empty values never match)."""
    if namespace and namespace in config.exempt_namespaces:
        return f"namespace {namespace!r} is exempt"
    runtime_class = pod_spec.get("runtimeClassName")
    if isinstance(runtime_class, str) and runtime_class and runtime_class in config.exempt_runtime_classes:
        return f"runtimeClassName {runtime_class!r} is exempt"
    return None


@dataclass(frozen=True, slots=True)
class ModeResult:
    """One mode's verdict. ``applied`` says whether admission applies the mode to the object
    itself (not enforce to a pod template: ``violations`` then says what its pods meet)."""

    mode: str
    policy: Policy
    violations: tuple[Violation, ...]
    applied: bool = True

    @property
    def allowed(self) -> bool:
        return not self.violations


@dataclass(frozen=True, slots=True)
class Decision:
    """What admission does with one object. ``allowed``: the object's pods pass the
    enforce policy (for a Pod, admission accepts it); ``exempt`` says why no mode ran."""

    allowed: bool
    results: tuple[ModeResult, ...] = ()
    exempt: str | None = None
    errors: tuple[LabelError, ...] = field(default=())

    def result(self, mode: str) -> ModeResult | None:
        return next((result for result in self.results if result.mode == mode), None)


EVALUATED_CONTROLLERS = frozenset(
    {
        GroupKind("", "PodTemplate"),
        GroupKind("", "ReplicationController"),
        GroupKind("apps", "ReplicaSet"),
        GroupKind("apps", "Deployment"),
        GroupKind("apps", "StatefulSet"),
        GroupKind("apps", "DaemonSet"),
        GroupKind("batch", "Job"),
        GroupKind("batch", "CronJob"),
    }
)
"""The kinds whose pod template PSA audits and warns about (``DefaultPodSpecExtractor``);
it evaluates no other kind (custom controllers, the long-gone ``extensions`` group)."""


def admit(
    policy: NamespacePolicy,
    pod_metadata: Mapping[str, Any],
    pod_spec: Mapping[str, Any],
    *,
    kind: GroupKind,
    namespace: str = "",
    config: AdmissionConfig = DEFAULT_CONFIG,
) -> Decision:
    """Evaluate a Pod, or an object's pod template, in every mode (each distinct policy once),
    as ``EvaluatePod`` does. Each result says whether admission applies it to the object
    itself: every mode for a Pod (``ValidatePod``), audit and warn for the
    :data:`EVALUATED_CONTROLLERS` (``ValidatePodController``), none for other kinds. The
    decision's ``allowed`` is the enforce verdict on the pods: a Pod is rejected when it
    violates enforce; a controller is admitted, and its pods are rejected."""
    reason = exemption(config, namespace, pod_spec)
    if reason is not None:
        return Decision(True, exempt=reason, errors=policy.errors)
    applied = set(MODES) if kind == POD else {"audit", "warn"} if kind in EVALUATED_CONTROLLERS else set()
    cache: dict[Policy, tuple[Violation, ...]] = {}
    results = []
    for mode in MODES:
        mode_policy = policy.of(mode)
        if mode_policy not in cache:
            cache[mode_policy] = evaluate(mode_policy, pod_metadata, pod_spec)
        results.append(ModeResult(mode, mode_policy, cache[mode_policy], applied=mode in applied))
    return Decision(not cache[policy.enforce], tuple(results), errors=policy.errors)


def forbidden_reason(violations: Iterable[Violation]) -> str:
    """PSA ``AggregateCheckResult.ForbiddenReason``: the reasons, comma-separated."""
    return ", ".join(violation.reason for violation in violations)


def forbidden_detail(violations: Iterable[Violation]) -> str:
    """PSA ``AggregateCheckResult.ForbiddenDetail``: ``reason (detail), reason2``."""
    return ", ".join(
        f"{violation.reason} ({violation.detail})" if violation.detail else violation.reason
        for violation in violations
    )


def dry_run_warnings(
    namespace: str, enforce: Policy, pods: Iterable[tuple[str, Sequence[Violation]]]
) -> list[str]:
    """The warnings PSA returns when a namespace's enforce policy is made stricter
    (``EvaluatePodsInNamespace``), from each existing pod's name and violations at the new
    policy: a header naming the namespace and policy, then one line per distinct set of
    reasons, led by the lexically first pod name and how many other pods share it, sorted."""
    groups: dict[str, tuple[str, int]] = {}
    for name, violations in pods:
        if not violations:
            continue
        reason = forbidden_reason(violations)
        first, count = groups.get(reason, (name, 0))
        groups[reason] = (min(first, name), count + 1)
    if not groups:
        return []
    lines = []
    for reason, (first, count) in groups.items():
        others = "" if count == 1 else f" (and {count - 1} other pod{'s' if count > 2 else ''})"
        lines.append(f"{first}{others}: {reason}")
    header = f'existing pods in namespace "{namespace}" violate the new PodSecurity enforce level "{enforce}"'
    return [header, *sorted(lines)]
