"""``kubeward pods``: Pod Security Standards, PodSecurityPolicy and hardening."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from kubeward.cli.app import abort
from kubeward.cli.common import exit_with, load_sources, print_json
from kubeward.cli.console import out_console
from kubeward.engines import podsec
from kubeward.engines.podsec import admission
from kubeward.k8s.objects import Path, Record, format_path, get_path
from kubeward.k8s.pods import as_created
from kubeward.k8s.workloads import POD, controller_ref, template_location
from kubeward.snapshot.snapshot import KubeObject, Snapshot
from kubeward.sources.files import read_inputs
from kubeward.sources.locate import Locator

__all__ = ["load_admission_config", "pods"]


@click.group()
def pods() -> None:
    """Pod security: check pods and templates against the Pod Security Standards, dry-run
    namespace labels, emulate PodSecurityPolicy and migrate from it, harden manifests."""


def _policy(level: str, version: str | None) -> podsec.Policy:
    try:
        return podsec.parse_policy(level, version or "latest")
    except ValueError as error:
        abort(str(error))


# --- --admission-config -----------------------------------------------------------------

_ADMISSION_API_VERSIONS = (
    "apiserver.config.k8s.io/v1",
    "apiserver.config.k8s.io/v1alpha1",
    "apiserver.k8s.io/v1alpha1",
)


def load_admission_config(path: str | None) -> admission.AdmissionConfig:
    """A ``PodSecurityConfiguration`` file, or an ``AdmissionConfiguration`` whose
    ``PodSecurity`` plugin holds one (inline, or in the file its ``path`` names, relative to
    the AdmissionConfiguration's directory as the API server reads it). Exit 2 on any
    problem, naming file and line."""
    if path is None:
        return admission.DEFAULT_CONFIG
    record = _read_one(path)
    body = record.body
    if body.get("kind") != "AdmissionConfiguration" or body.get("apiVersion") not in _ADMISSION_API_VERSIONS:
        return _parse_configuration(record, body, ())
    plugin = _pod_security_plugin(body, path)
    if plugin is None:
        return admission.DEFAULT_CONFIG  # the plugin runs with its defaults
    index, entry = plugin
    if isinstance(entry.get("configuration"), Mapping):
        return _parse_configuration(record, entry["configuration"], ("plugins", index, "configuration"))
    if isinstance(entry.get("path"), str) and entry["path"]:
        nested = _read_one(os.path.join(os.path.dirname(path), entry["path"]))
        return _parse_configuration(nested, nested.body, ())
    return admission.DEFAULT_CONFIG


def _read_one(path: str) -> Record:
    read = read_inputs([path])
    if read.errors:
        abort("; ".join(str(error) for error in read.errors))
    if len(read.records) != 1:
        abort(f"{path}: expected one configuration object, found {len(read.records)}")
    return read.records[0]


def _parse_configuration(record: Record, body: Mapping[str, Any], prefix: Path) -> admission.AdmissionConfig:
    config, problems = admission.parse_configuration(body)
    if problems:
        locator = Locator()
        abort(
            "invalid Pod Security admission configuration:\n"
            + "\n".join(
                f"  {record.origin.file}:{locator.line(record.origin, (*prefix, *problem.path))}:"
                f" {format_path((*prefix, *problem.path))}: {problem.message}"
                for problem in problems
            )
        )
    return config


def _pod_security_plugin(body: Mapping[str, Any], path: str) -> tuple[int, Mapping[str, Any]] | None:
    """The ``PodSecurity`` entry of the plugins (None: the plugin runs with its defaults)."""
    plugins = body.get("plugins")
    if not isinstance(plugins, list):
        abort(f"{path}: an AdmissionConfiguration needs a list of plugins")
    return next(
        (
            (index, entry)
            for index, entry in enumerate(plugins)
            if isinstance(entry, Mapping) and entry.get("name") == "PodSecurity"
        ),
        None,
    )


def _config_notes(config: admission.AdmissionConfig) -> list[str]:
    if not config.exempt_usernames:
        return []
    return [
        "exemptions.usernames ("
        + ", ".join(sorted(config.exempt_usernames))
        + ") apply to the user making a request; manifests have none, so they are not applied"
    ]


# --- pods check -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Object:
    """An input object that is a Pod or holds a pod template."""

    obj: KubeObject
    pod_metadata: Mapping[str, Any]
    pod_spec: Mapping[str, Any]

    @property
    def is_pod(self) -> bool:
        return self.obj.group_kind == admission.POD


def _pod_objects(snapshot: Snapshot) -> Iterator[_Object]:
    """Every Pod and every object with a pod template, in input order (as admission sees
    each one: a Deployment, its ReplicaSets and their Pods are each evaluated)."""
    for obj in snapshot.objects:
        location = template_location(obj.group_kind, obj.body)
        if location is None:
            continue
        spec = get_path(obj.body, location.spec)
        if not isinstance(spec, Mapping):
            continue
        metadata = get_path(obj.body, location.metadata)
        metadata = metadata if isinstance(metadata, Mapping) else {}
        yield _Object(obj, metadata, as_created(metadata, spec) if obj.group_kind == POD else spec)


def _object_dict(obj: KubeObject) -> dict[str, str]:
    return {"kind": obj.ref.kind, "namespace": obj.ref.namespace, "name": obj.ref.name}


def _violations(violations: tuple[podsec.Violation, ...]) -> list[dict[str, str]]:
    return [violation.to_dict() for violation in violations]


def _namespace_policy(
    snapshot: Snapshot, namespace: str, config: admission.AdmissionConfig
) -> tuple[admission.NamespacePolicy, str]:
    if namespace and namespace in snapshot.namespaces:
        labels = snapshot.namespace_labels(namespace)
        return admission.namespace_policy(labels, config.defaults), f"labels of namespace {namespace!r}"
    what = f"namespace {namespace!r} is not in the input" if namespace else "no namespace"
    return config.defaults, f"admission defaults ({what})"


def _admission_summary(item: _Object, decision: admission.Decision) -> str:
    if decision.exempt:
        return f"exempt: {decision.exempt}"
    warned = [r.mode for r in decision.results if r.mode != "enforce" and r.applied and not r.allowed]
    if item.is_pod and not decision.allowed:
        return "rejected" + (" (audit annotation recorded)" if "audit" in warned else "")
    outcome = "admitted" + (f" with {' and '.join(warned)} violations" if warned else "")
    if not any(result.applied for result in decision.results):
        outcome += " (Pod Security does not evaluate this kind)"
    if not item.is_pod and not decision.allowed:
        outcome += "; the pods it creates would be rejected"
    return outcome


_Policies = dict[str, tuple[admission.NamespacePolicy, str]]


def _check_by_labels(
    item: _Object, snapshot: Snapshot, config: admission.AdmissionConfig, cache: _Policies
) -> dict[str, Any]:
    namespace = item.obj.ref.namespace
    if namespace not in cache:
        cache[namespace] = _namespace_policy(snapshot, namespace, config)
    policy, source = cache[namespace]
    decision = admission.admit(
        policy, item.pod_metadata, item.pod_spec, kind=item.obj.group_kind, namespace=namespace, config=config
    )
    enforce = decision.result("enforce")
    return {
        "allowed": decision.allowed,
        "violations": _violations(enforce.violations) if enforce else [],
        "policy": {
            **{mode: str(policy.of(mode)) for mode in admission.MODES},
            "source": source,
            "errors": [str(error) for error in policy.errors],
        },
        "modes": [
            {
                "mode": result.mode,
                "policy": str(result.policy),
                "applied": result.applied,
                "allowed": result.allowed,
                "violations": _violations(result.violations),
            }
            for result in decision.results
        ],
        "exempt": decision.exempt,
        "admission": _admission_summary(item, decision),
    }


def _check_at(item: _Object, policy: podsec.Policy, config: admission.AdmissionConfig) -> dict[str, Any]:
    exempt = admission.exemption(config, item.obj.ref.namespace, item.pod_spec)
    violations = () if exempt else podsec.evaluate(policy, item.pod_metadata, item.pod_spec)
    return {
        "allowed": not violations,
        "violations": _violations(violations),
        "policy": {"level": str(policy), "source": "--level"},
        "exempt": exempt,
    }


_OUTPUT = click.option(
    "-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
_ADMISSION_CONFIG = click.option(
    "--admission-config",
    metavar="FILE",
    help="The API server's PodSecurityConfiguration (or AdmissionConfiguration with a PodSecurity"
    " plugin): its defaults and exempt namespaces and runtime classes apply.",
)
_VERSION = click.option("--version", "version", metavar="V", help="Policy version: latest (default) or v1.N.")


@pods.command("check")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@click.option(
    "--level",
    type=click.Choice(podsec.LEVELS),
    help="Check at this level instead of each namespace's labels.",
)
@_VERSION
@click.option(
    "-n", "--namespace", metavar="NS", help="Namespace of manifests that set none (as kubectl apply -n)."
)
@_ADMISSION_CONFIG
@_OUTPUT
def check(
    sources: tuple[str, ...],
    level: str | None,
    version: str | None,
    namespace: str | None,
    admission_config: str | None,
    output: str,
) -> None:
    """Check each Pod and each object with a pod template (Deployment, Job, ...) against the
    Pod Security Standards: at --level, or as Pod Security Admission would at its namespace's
    labels (enforce decides; audit and warn are shown). A workload's template is not enforced
    by admission, but its pods are: it is "not allowed" when they would be rejected. Exit 1
    if any object is not allowed, 2 if an input could not be read."""
    if version is not None and level is None:
        abort("--version needs --level")
    config = load_admission_config(admission_config)
    inputs = load_sources(sources, "the pods and workloads", namespace=namespace)
    snapshot = inputs.snapshot
    policy = _policy(level, version) if level is not None else None
    cache: _Policies = {}
    results = []
    for item in _pod_objects(snapshot):
        verdict = (
            _check_at(item, policy, config)
            if policy is not None
            else _check_by_labels(item, snapshot, config, cache)
        )
        results.append({"object": _object_dict(item.obj), "origin": item.obj.origin.to_dict(), **verdict})
    notes = _config_notes(config)
    if output == "json":
        print_json({"results": results, "notes": notes})
    else:
        _check_table(results, notes)
    exit_with(inputs, not all(result["allowed"] for result in results))


def _where(origin: Mapping[str, Any]) -> str:
    return f"{origin['file']}:{origin['line']}" if origin.get("line") else str(origin["file"])


def _detail(violations: list[dict[str, str]]) -> str:
    return "\n".join(f"{v['reason']} ({v['detail']})" if v["detail"] else v["reason"] for v in violations)


def _check_table(results: list[dict[str, Any]], notes: list[str]) -> None:
    console = out_console()
    for note in notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    if not results:
        console.print("no pods or pod templates in the input")
        return
    table = Table(show_edge=False, header_style="bold")
    for column in ("object", "where", "policy", "result", "violations"):
        table.add_column(column)
    for result in results:
        obj, policy = result["object"], result["policy"]
        name = f"{obj['kind']} {obj['namespace'] + '/' if obj['namespace'] else ''}{obj['name']}"
        if "level" in policy:
            shown = policy["level"]
            verdict = (
                "exempt" if result["exempt"] else "allowed" if result["allowed"] else "[red]not allowed[/]"
            )
            details = _detail(result["violations"])
        else:
            shown = f"enforce {policy['enforce']}\naudit {policy['audit']}\nwarn {policy['warn']}"
            shown += "".join(f"\n[yellow]{escape(error)}[/]" for error in policy["errors"])
            style = "" if result["allowed"] else "[red]"
            verdict = f"{style}{escape(result['admission'])}{'[/]' if style else ''}"
            details = "\n".join(
                f"{mode['mode']}: {escape(_detail(mode['violations']))}"
                for mode in result["modes"]
                if not mode["allowed"]
                and (mode["mode"] == "enforce" or (mode["applied"] and mode["policy"] != policy["enforce"]))
            )
        table.add_row(escape(name), escape(_where(result["origin"])), shown, verdict, escape(details))
    console.print(table)


# --- pods dry-run-label -----------------------------------------------------------------


@pods.command("dry-run-label")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@click.option("-n", "--namespace", required=True, metavar="NS", help="The namespace to label.")
@click.option("--level", required=True, type=click.Choice(podsec.LEVELS), help="The enforce level to set.")
@_VERSION
@_ADMISSION_CONFIG
@_OUTPUT
def dry_run_label(
    sources: tuple[str, ...],
    namespace: str,
    level: str,
    version: str | None,
    admission_config: str | None,
    output: str,
) -> None:
    """What breaks if namespace NS enforces LEVEL:VERSION: its existing Pods that violate it
    (with the warnings Pod Security Admission returns to `kubectl label` setting the enforce
    and enforce-version labels) and its workloads whose new pods would be rejected. Manifests
    that set no namespace are taken to be in NS.
    Exit 1 if anything breaks, 2 if an input could not be read."""
    policy = _policy(level, version)
    config = load_admission_config(admission_config)
    inputs = load_sources(sources, "the pods and workloads", namespace=namespace)
    snapshot = inputs.snapshot
    notes = _config_notes(config)
    current = None
    labels: Mapping[str, str] = {}
    if namespace in snapshot.namespaces:
        labels = snapshot.namespace_labels(namespace)
        current = admission.namespace_policy(labels, config.defaults)
        if current.enforce == policy:
            notes.append(f"namespace {namespace!r} already enforces {policy}")
    exempt = admission.exemption(config, namespace, {})
    pods_found: list[dict[str, Any]] = []
    workloads: list[dict[str, Any]] = []
    existing: list[admission.ExistingPod] = []
    if exempt is None:
        for obj in snapshot.in_namespace_of_kind(admission.POD, namespace):
            spec = obj.body.get("spec")
            spec = as_created(obj.metadata, spec) if isinstance(spec, Mapping) else {}
            if admission.exemption(config, namespace, spec):
                continue
            violations = podsec.evaluate(policy, obj.metadata, spec)
            owner = controller_ref(obj.metadata)
            existing.append(admission.ExistingPod(obj.ref.name, owner.uid if owner else None, violations))
            if violations:
                pods_found.append(_broken(obj, violations))
        for workload in snapshot.workloads:
            if workload.namespace != namespace or workload.source.group_kind == admission.POD:
                continue
            if admission.exemption(config, namespace, workload.pod_spec):
                continue
            violations = podsec.evaluate(policy, workload.pod_metadata, workload.pod_spec)
            if violations:
                workloads.append(_broken(workload.source, violations))
    else:
        notes.append(f"{exempt}: Pod Security ignores its labels")
    new_labels = {
        **labels,
        admission.label("enforce"): policy.level,
        admission.label("enforce", version=True): str(policy.version or "latest"),
    }
    errors, warnings = admission.label_change(namespace, labels, new_labels, lambda _: existing, config)
    if errors:
        notes.append(
            "the API server would reject this label change: " + "; ".join(str(error) for error in errors)
        )
    breaks = bool(pods_found or workloads)
    if output == "json":
        print_json(
            {
                "namespace": namespace,
                "policy": str(policy),
                "current": None
                if current is None
                else {mode: str(current.of(mode)) for mode in admission.MODES},
                "breaks": breaks,
                "warnings": warnings,
                "pods": pods_found,
                "workloads": workloads,
                "notes": notes,
            }
        )
    else:
        _dry_run_text(namespace, policy, warnings, pods_found, workloads, notes)
    exit_with(inputs, breaks)


def _broken(obj: KubeObject, violations: tuple[podsec.Violation, ...]) -> dict[str, Any]:
    return {
        "object": _object_dict(obj),
        "origin": obj.origin.to_dict(),
        "violations": _violations(violations),
    }


def _dry_run_text(
    namespace: str,
    policy: podsec.Policy,
    warnings: list[str],
    pods_found: list[dict[str, Any]],
    workloads: list[dict[str, Any]],
    notes: list[str],
) -> None:
    console = out_console()
    for note in notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    if not pods_found and not workloads:
        console.print(f"nothing in namespace {namespace!r} breaks if it enforces {policy}")
        return
    for warning in warnings:
        console.print(f"[yellow]Warning:[/] {escape(warning)}")
    for title, entries in (
        (
            f"existing pods that violate {policy} (they keep running; admission would reject them now)",
            pods_found,
        ),
        (f"workloads whose new pods would be rejected under {policy}", workloads),
    ):
        if not entries:
            continue
        console.print(f"{escape(title)}:")
        table = Table(show_edge=False, header_style="bold")
        for column in ("object", "where", "violations"):
            table.add_column(column)
        for entry in entries:
            obj = entry["object"]
            table.add_row(
                escape(f"{obj['kind']} {obj['name']}"),
                escape(_where(entry["origin"])),
                escape(_detail(entry["violations"])),
            )
        console.print(table)
