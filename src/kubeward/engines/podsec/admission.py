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

import json
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
    "NAMESPACE_MAX_PODS_TO_CHECK",
    "POD",
    "PRIVILEGED_DEFAULTS",
    "AdmissionConfig",
    "ConfigProblem",
    "Decision",
    "ExistingPod",
    "LabelError",
    "ModeResult",
    "NamespacePolicy",
    "admit",
    "dry_run_warnings",
    "exempt_namespace_warning",
    "exemption",
    "forbidden_detail",
    "forbidden_reason",
    "label",
    "label_change",
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
_DNS_LABEL_FORMAT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN_FORMAT = _DNS_LABEL_FORMAT + r"(\." + _DNS_LABEL_FORMAT + ")*"
_DNS_LABEL = re.compile(_DNS_LABEL_FORMAT)
_DNS_SUBDOMAIN = re.compile(_DNS_SUBDOMAIN_FORMAT)


def _quoted(value: str) -> str:
    """A string as Go's ``%q`` prints it in a field error (near enough: JSON quoting)."""
    return json.dumps(value, ensure_ascii=False)


def _shown(value: Any) -> str:
    return _quoted(value) if isinstance(value, str) else repr(value)


def _invalid(name: str, errors: list[str]) -> str | None:
    return f"Invalid value: {_quoted(name)}: {', '.join(errors)}" if errors else None


def _regex_error(message: str, pattern: str, *examples: str) -> str:
    """apimachinery ``RegexError``."""
    shown = " or ".join(f"'{example}'" for example in examples)
    return f"{message} (e.g. {shown}, regex used for validation is '{pattern}')"


def _dns_label_problem(name: str) -> str | None:
    """apimachinery ``IsDNS1123Label`` (``ValidateNamespaceName``), as a field error."""
    errors = []
    if len(name) > 63:
        errors.append("must be no more than 63 characters")
    if not _DNS_LABEL.fullmatch(name):
        if _DNS_SUBDOMAIN.fullmatch(name):
            errors.append("must not contain dots")
        else:
            errors.append(
                _regex_error(
                    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-',"
                    " and must start and end with an alphanumeric character",
                    _DNS_LABEL_FORMAT,
                    "my-name",
                    "123-abc",
                )
            )
    return _invalid(name, errors)


def _dns_subdomain_problem(name: str) -> str | None:
    """apimachinery ``IsDNS1123Subdomain`` (``NameIsDNSSubdomain``), as a field error."""
    errors = []
    if len(name) > 253:
        errors.append("must be no more than 253 characters")
    if not _DNS_SUBDOMAIN.fullmatch(name):
        errors.append(
            _regex_error(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or"
                " '.', and must start and end with an alphanumeric character",
                _DNS_SUBDOMAIN_FORMAT,
                "example.com",
            )
        )
    return _invalid(name, errors)


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
    for mode in ("enforce", "warn", "audit"):  # the order ValidatePodSecurityConfiguration checks them
        level = value.get(mode) or "privileged"
        version_text = value.get(f"{mode}-version") or "latest"
        if not isinstance(level, str) or _parse_level(level) is None:
            problems.append(
                ConfigProblem(("defaults", mode), f"Invalid value: {_shown(level)}: {_LEVEL_MESSAGE}")
            )
            level = "privileged"
        version, parsed = _parse_version(version_text) if isinstance(version_text, str) else (None, False)
        if not parsed:
            problems.append(
                ConfigProblem(
                    ("defaults", f"{mode}-version"),
                    f"Invalid value: {_shown(version_text)}: {_VERSION_MESSAGE}",
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
            problems.append(ConfigProblem(where, f"Duplicate value: {_quoted(name)}"))
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
    itself: every mode for a Pod (``ValidatePod``; but no warning for a Pod that enforce
    rejects, as ``EvaluatePod`` adds none to a denied request), audit and warn for the
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
        if mode == "warn" and kind == POD and cache[policy.enforce]:
            applied.discard("warn")  # "avoid adding warnings to a request we're already going to reject"
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


NAMESPACE_MAX_PODS_TO_CHECK = 3000
"""PSA's ``defaultNamespaceMaxPodsToCheck``: a namespace label change dry-runs at most this
many existing pods. Its other bound, ``defaultNamespacePodCheckTimeout`` (1 s, or half the
request's remaining time), depends on the API server's speed and load; kubeward does not
emulate it, so against a slow server PSA may report fewer pods than kubeward does."""


@dataclass(frozen=True, slots=True)
class ExistingPod:
    """A pod in the namespace, as the label dry run sees it: its name, the ``uid`` of its
    controller owner reference (None without one), and its violations of the new policy."""

    name: str
    controller_uid: str | None
    violations: Sequence[Violation]


def _prioritized(pods: Iterable[ExistingPod]) -> list[ExistingPod]:
    """PSA ``prioritizePods``: one pod per controller first (and every pod without one), in
    list order, then the other replicas, so that the bounded dry run covers each workload."""
    first: list[ExistingPod] = []
    replicas: list[ExistingPod] = []
    controllers: set[str] = set()
    for pod in pods:
        if pod.controller_uid is None:
            first.append(pod)
        elif pod.controller_uid in controllers:
            replicas.append(pod)
        else:
            controllers.add(pod.controller_uid)
            first.append(pod)
    return first + replicas


def dry_run_warnings(
    namespace: str,
    enforce: Policy,
    pods: Iterable[ExistingPod],
    max_pods: int = NAMESPACE_MAX_PODS_TO_CHECK,
) -> list[str]:
    """The warnings PSA returns when a namespace's enforce policy is made stricter
    (``EvaluatePodsInNamespace``), from the existing pods (leave out those whose runtime
    class is exempt: PSA drops them before counting). It checks the first ``max_pods`` of
    them, one pod per controller first; says so when it did not check them all; then a
    header naming the namespace and policy, and one line per distinct set of reasons, led
    by the lexically first pod name and how many other pods share it, sorted."""
    prioritized = _prioritized(pods)
    checked = prioritized[:max_pods]
    groups: dict[str, tuple[str, int]] = {}
    for pod in checked:
        if not pod.violations:
            continue
        reason = forbidden_reason(pod.violations)
        first, count = groups.get(reason, (pod.name, 0))
        groups[reason] = (min(first, pod.name), count + 1)
    warnings = []
    if len(checked) < len(prioritized):
        warnings.append(
            "new PodSecurity enforce level only checked against the first"
            f" {len(checked)} of {len(prioritized)} existing pods"
        )
    if not groups:
        return warnings
    lines = []
    for reason, (first, count) in groups.items():
        others = "" if count == 1 else f" (and {count - 1} other pod{'s' if count > 2 else ''})"
        lines.append(f"{first}{others}: {reason}")
    header = f'existing pods in namespace "{namespace}" violate the new PodSecurity enforce level "{enforce}"'
    return [*warnings, header, *sorted(lines)]


def _equivalent(one: NamespacePolicy, other: NamespacePolicy) -> bool:
    """PSA ``Policy.Equivalent``: the same level per mode, and the same version unless the
    level is privileged."""
    return all(
        one.of(mode).level == other.of(mode).level
        and (one.of(mode).level == "privileged" or one.of(mode).version == other.of(mode).version)
        for mode in MODES
    )


def exempt_namespace_warning(
    namespace: str, policy: NamespacePolicy, labels: Mapping[str, str], defaults: NamespacePolicy
) -> str | None:
    """PSA ``exemptNamespaceWarning``: labelling an exempt namespace with a policy that is
    neither fully privileged nor equivalent to the defaults warns that it is ignored, naming
    each non-privileged mode whose level or version label is set."""
    if policy.fully_privileged or _equivalent(policy, defaults):
        return None
    modes = ", ".join(
        f"{mode}={policy.of(mode)}"
        for mode in MODES
        if policy.of(mode).level != "privileged" and (label(mode) in labels or label(mode, True) in labels)
    )
    return f'namespace "{namespace}" is exempt from Pod Security, and the policy ({modes}) will be ignored'


def label_change(
    namespace: str,
    old_labels: Mapping[str, str],
    new_labels: Mapping[str, str],
    pods: Callable[[Policy], Iterable[ExistingPod]],
    config: AdmissionConfig = DEFAULT_CONFIG,
) -> tuple[tuple[LabelError, ...], list[str]]:
    """What PSA ``ValidateNamespace`` answers to an update of a namespace's labels: the label
    errors that reject it (invalid labels that changed), else its warnings. No pod is
    dry-run when the enforce policy is unchanged, becomes privileged, or keeps its version
    and is relaxed; an exempt namespace gets :func:`exempt_namespace_warning` instead;
    otherwise ``pods(new enforce policy)`` are dry-run (:func:`dry_run_warnings`)."""
    old = namespace_policy(old_labels, config.defaults)
    new = namespace_policy(new_labels, config.defaults)
    if new.errors and (not old.errors or new.errors != old.errors):
        return new.errors, []
    if (
        new.enforce == old.enforce
        or new.enforce.level == "privileged"
        or (
            new.enforce.version == old.enforce.version
            and LEVELS.index(new.enforce.level) <= LEVELS.index(old.enforce.level)
        )
    ):
        return (), []
    if namespace in config.exempt_namespaces:
        warning = exempt_namespace_warning(namespace, new, new_labels, config.defaults)
        return (), [] if warning is None else [warning]
    return (), dry_run_warnings(namespace, new.enforce, pods(new.enforce))
