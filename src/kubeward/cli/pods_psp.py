"""``kubeward pods psp-check`` and ``kubeward pods migrate-psp``: PodSecurityPolicy, emulated
and migrated to Pod Security Admission."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import click
import orjson
import yaml
from rich.markup import escape

from kubeward.cli.app import abort
from kubeward.cli.common import WITH_DEFAULTS, exit_with, load_sources, print_json
from kubeward.cli.console import out_console
from kubeward.cli.pods import pods
from kubeward.engines import podsec
from kubeward.engines.podsec import psp, psp_mapping
from kubeward.engines.rbac import query
from kubeward.engines.rbac.identity import Identity, impersonate
from kubeward.engines.rbac.rules import Request
from kubeward.engines.rbac.world import RbacWorld, world_of
from kubeward.k8s.objects import GroupKind
from kubeward.k8s.workloads import controller_ref, service_account
from kubeward.snapshot.snapshot import Snapshot, Workload

__all__ = ["CONTROLLER_ACCOUNTS", "pods"]

PSP_KINDS = (GroupKind("policy", "PodSecurityPolicy"), GroupKind("extensions", "PodSecurityPolicy"))
SERVICE_ACCOUNT = GroupKind("", "ServiceAccount")
CONTROLLER_ACCOUNTS = {
    "Deployment": "replicaset-controller",
    "ReplicaSet": "replicaset-controller",
    "DaemonSet": "daemon-set-controller",
    "StatefulSet": "statefulset-controller",
    "Job": "job-controller",
    "CronJob": "job-controller",
    "ReplicationController": "replication-controller",
}
"""Who creates the pods of each workload kind: the kube-controller-manager controller's
service account in kube-system (``--use-service-account-credentials``). A Deployment's pods
come from its ReplicaSet, a CronJob's from its Job."""
_LEVEL_LABEL = "pod-security.kubernetes.io/enforce"


def _policies(snapshot: Snapshot) -> list[psp.CompiledPolicy]:
    """Every PodSecurityPolicy of the input, once per name (``policy`` wins over ``extensions``:
    they are the same object served in two groups)."""
    by_name: dict[str, psp.CompiledPolicy] = {}
    for kind in reversed(PSP_KINDS):
        for obj in snapshot.of_kind(kind):
            by_name[obj.ref.name] = psp.compile_policy(obj.ref.name, obj.body)
    return sorted(by_name.values(), key=lambda policy: policy.name)


def _may_use(world: RbacWorld) -> psp.MayUse:
    def may_use(user: psp.PolicyUser, group: str, name: str, namespace: str) -> str | None:
        request = Request("use", "podsecuritypolicies", group, name=name, namespace=namespace)
        decision = query.can_i(world, Identity(user.name, frozenset(user.groups)), request)
        return decision.reasons[0] if decision.allowed else None

    return may_use


def _policy_user(identity: Identity) -> psp.PolicyUser:
    return psp.PolicyUser(identity.user, tuple(sorted(identity.groups)))


def _controller_user(account: str) -> psp.PolicyUser:
    return _policy_user(impersonate(f"system:serviceaccount:kube-system:{account}"))


def _creator(workload: Workload, requester: psp.PolicyUser | None) -> psp.PolicyUser | None:
    """Who sends the pod to the API server: the controller of its kind, or ``--as`` for a
    bare Pod or a PodTemplate."""
    kind = workload.source.ref.kind
    if kind == "Pod":
        owner = controller_ref(workload.source.metadata)
        kind = owner.group_kind.kind if owner is not None else ""
    account = CONTROLLER_ACCOUNTS.get(kind)
    return _controller_user(account) if account is not None else requester


def _user_dict(user: psp.PolicyUser | None) -> dict[str, Any] | None:
    return None if user is None else {"user": user.name, "groups": list(user.groups)}


_OUTPUT = click.option(
    "-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@pods.command("psp-check")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@click.option("--as", "as_user", metavar="USER", help="Who creates the bare Pods and PodTemplates.")
@click.option(
    "--as-group", "as_groups", multiple=True, metavar="GROUP", help="A group of that user (repeatable)."
)
@WITH_DEFAULTS
@_OUTPUT
def psp_check(
    sources: tuple[str, ...],
    as_user: str | None,
    as_groups: tuple[str, ...],
    with_defaults: str | None,
    output: str,
) -> None:
    """Which PodSecurityPolicy admits each pod and pod template (and what it changes), or why
    none does, as the admission controller removed in v1.25 decided: exit 1 if one is refused.

    Pods of a workload are created by its controller's service account
    (system:serviceaccount:kube-system:replicaset-controller for Deployments and ReplicaSets,
    daemon-set-controller, statefulset-controller, job-controller, replication-controller);
    bare Pods and PodTemplates by --as. The pod's own service account is asked first."""
    inputs = load_sources(sources, "the PodSecurityPolicies, pods and RBAC", with_defaults=with_defaults)
    snapshot = inputs.snapshot
    policies = _policies(snapshot)
    if not policies:
        abort("the SOURCEs hold no PodSecurityPolicy (with none, the admission controller refuses every pod)")
    requester = _policy_user(impersonate(as_user, as_groups)) if as_user is not None else None
    may_use = _may_use(world_of(snapshot))
    results = []
    for workload in snapshot.workloads:
        namespace = workload.namespace or "default"
        account = snapshot.get(SERVICE_ACCOUNT, namespace, service_account(workload.pod_spec)[0])
        creator = _creator(workload, requester)
        admission = psp.admit(
            workload.pod_metadata,
            workload.pod_spec,
            namespace,
            policies,
            may_use,
            creator,
            account=account.body if account is not None else None,
        )
        results.append((workload, namespace, creator, admission))
    if output == "json":
        print_json(
            {
                "policies": [policy.name for policy in policies],
                "results": [
                    {
                        "object": {
                            "kind": workload.ref.kind,
                            "namespace": namespace,
                            "name": workload.ref.name,
                        },
                        "origin": workload.source.origin.to_dict(),
                        "requester": _user_dict(creator),
                        **admission.to_dict(),
                    }
                    for workload, namespace, creator, admission in results
                ],
            }
        )
    else:
        _print_check(results)
    exit_with(inputs, any(not admission.allowed for *_, admission in results))


def _print_check(results: Sequence[tuple[Workload, str, psp.PolicyUser | None, psp.Admission]]) -> None:
    console = out_console()
    if not results:
        console.print("no pods or pod templates in the input")
    for workload, namespace, creator, admission in results:
        label = f"{workload.ref.kind} {namespace}/{workload.ref.name}"
        by = f" (created by {creator.name})" if creator is not None else ""
        if admission.allowed:
            verb = "admitted and changed" if admission.mutations else "admitted unchanged"
            console.print(f"[green]{escape(label)}[/]: {verb} by {escape(str(admission.policy))}{escape(by)}")
            for mutation in admission.mutations:
                console.print(f"  sets {escape(str(mutation))}", highlight=False)
            continue
        console.print(f"[red]{escape(label)}[/]: refused{escape(by)}", highlight=False)
        console.print(f"  {escape(admission.message)}", highlight=False, soft_wrap=True)
        for attempt in admission.attempts:
            if attempt.authorized_as is None:
                console.print(
                    f"  {escape(attempt.policy)}: not usable (no `use` permission)", highlight=False
                )
            for error in attempt.errors if attempt.authorized_as is not None else ():
                console.print(f"  {escape(attempt.policy)}: {escape(str(error))}", highlight=False)
        for name, problems in admission.invalid:
            console.print(f"  {escape(name)}: invalid policy: {escape('; '.join(problems))}", highlight=False)


# --- migrate-psp --------------------------------------------------------------------------


def _namespaces(snapshot: Snapshot) -> list[str]:
    names = set(snapshot.namespaces)
    names.update(obj.ref.namespace for obj in snapshot.objects if obj.ref.namespace)
    names.update(workload.namespace for workload in snapshot.workloads if workload.namespace)
    return sorted(names)


def _accounts(snapshot: Snapshot, namespace: str) -> list[psp.PolicyUser]:
    """Whose ``use`` makes a policy usable for pods of ``namespace``: its service accounts
    (those in the input, those its workloads run as, and ``default``) and the controllers."""
    names = {"default"}
    names.update(obj.ref.name for obj in snapshot.in_namespace_of_kind(SERVICE_ACCOUNT, namespace))
    names.update(service_account(w.pod_spec)[0] for w in snapshot.workloads if w.namespace == namespace)
    users = [psp.service_account_user(namespace, name) for name in sorted(names)]
    return users + [_controller_user(account) for account in sorted(set(CONTROLLER_ACCOUNTS.values()))]


def _usable(
    may_use: psp.MayUse, users: Iterable[psp.PolicyUser], policy: str, namespace: str
) -> tuple[str, str] | None:
    for user in users:
        for group in psp.API_GROUPS:
            evidence = may_use(user, group, policy, namespace)
            if evidence is not None:
                return user.name, evidence
    return None


@pods.command("migrate-psp")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@click.option(
    "--version",
    "pss_version",
    default="latest",
    show_default=True,
    help="The value of pod-security.kubernetes.io/enforce-version in the label patches.",
)
@WITH_DEFAULTS
@click.option(
    "-o", "--output", type=click.Choice(["text", "json", "yaml"]), default="text", show_default=True
)
def migrate_psp(sources: tuple[str, ...], pss_version: str, with_defaults: str | None, output: str) -> None:
    """For each PodSecurityPolicy, the strongest Pod Security Standards level it fits (by the
    official mapping, field by field, with each field that keeps it weaker), whether it
    mutates pods and what manifests must then set themselves; and for each namespace, the
    enforce label for the weakest level of the policies usable there (-o yaml: the
    Namespace label patches, for kubectl apply)."""
    inputs = load_sources(sources, "the PodSecurityPolicies, pods and RBAC", with_defaults=with_defaults)
    snapshot = inputs.snapshot
    policies = _policies(snapshot)
    if not policies:
        abort("the SOURCEs hold no PodSecurityPolicy")
    try:
        podsec.parse_policy("restricted", pss_version)
    except ValueError as error:
        abort(f"--version: {error}")
    migrations = {policy.name: psp_mapping.map_policy(policy) for policy in policies}
    plans = _plans(snapshot, policies, migrations, pss_version)
    if output == "yaml":
        documents = [_label_patch(plan.namespace, plan.level, pss_version) for plan in plans if plan.level]
        click.echo(yaml.safe_dump_all(documents, sort_keys=False), nl=False)
    elif output == "json":
        print_json(
            {
                "policies": [
                    {**migrations[policy.name].to_dict(), "invalid": list(policy.problems)}
                    for policy in policies
                ],
                "namespaces": [plan.to_dict(pss_version) for plan in plans],
            }
        )
    else:
        _print_migration(policies, migrations, plans, pss_version)
    exit_with(inputs, False)


@dataclass(frozen=True)
class _NamespacePlan:
    """The enforce level for one namespace, the policies behind it, and the pods and templates
    that fail it as written (PSP mutated them, or the mapping is looser than the pods)."""

    namespace: str
    usable: dict[str, tuple[str, str]]  # policy -> (who may use it, evidence)
    level: str | None
    failing: list[tuple[Workload, tuple[podsec.Violation, ...]]]

    def to_dict(self, version: str) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "policies": [
                {"policy": name, "usableBy": who, "evidence": why} for name, (who, why) in self.usable.items()
            ],
            "level": self.level,
            "labels": _labels(self.level, version) if self.level else {},
            "failing": [
                {
                    "object": {
                        "kind": workload.ref.kind,
                        "namespace": self.namespace,
                        "name": workload.ref.name,
                    },
                    "violations": [violation.to_dict() for violation in violations],
                }
                for workload, violations in self.failing
            ],
        }


def _plans(
    snapshot: Snapshot,
    policies: Sequence[psp.CompiledPolicy],
    migrations: dict[str, psp_mapping.Migration],
    version: str,
) -> list[_NamespacePlan]:
    may_use = _may_use(world_of(snapshot))
    plans = []
    for namespace in _namespaces(snapshot):
        users = _accounts(snapshot, namespace)
        usable = {
            policy.name: found
            for policy in policies
            if not policy.problems and (found := _usable(may_use, users, policy.name, namespace)) is not None
        }
        level = psp_mapping.weakest_level(migrations[name].level for name in usable)
        failing = []
        if level is not None:
            pss = podsec.parse_policy(level, version)
            for workload in snapshot.workloads:
                if (workload.namespace or "default") == namespace:
                    violations = podsec.evaluate(pss, workload.pod_metadata, workload.pod_spec)
                    if violations:
                        failing.append((workload, violations))
        plans.append(_NamespacePlan(namespace, usable, level, failing))
    return plans


def _labels(level: str, version: str) -> dict[str, str]:
    return {_LEVEL_LABEL: level, f"{_LEVEL_LABEL}-version": version}


def _label_patch(namespace: str, level: str, version: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": namespace, "labels": _labels(level, version)},
    }


def _print_migration(
    policies: Sequence[psp.CompiledPolicy],
    migrations: dict[str, psp_mapping.Migration],
    plans: Sequence[_NamespacePlan],
    version: str,
) -> None:
    console = out_console()
    for policy in policies:
        migration = migrations[policy.name]
        console.print(f"[bold]{escape(policy.name)}[/]: {migration.level}", highlight=False)
        if policy.problems:
            console.print(
                f"  invalid (admits nothing): {escape('; '.join(policy.problems))}", highlight=False
            )
        for difference in migration.differences:
            line = f"  {difference.field} = {orjson.dumps(difference.value).decode()}: {difference.reason}"
            console.print(escape(line), highlight=False, soft_wrap=True)
        if migration.mutating:
            flagged = ", ".join((*migration.mutating_fields, *migration.mutating_annotations))
            console.print(f"  mutating ({escape(flagged)}); manifests must now set:", highlight=False)
            for item in migration.must_set:
                console.print(f"    {escape(item)}", highlight=False)
    for plan in plans:
        name = escape(plan.namespace)
        if plan.level is None:
            console.print(f"namespace {name}: no PodSecurityPolicy is usable there", highlight=False)
            continue
        labels = ", ".join(f"{k}={v}" for k, v in _labels(plan.level, version).items())
        used = ", ".join(plan.usable)
        console.print(f"namespace {name}: {escape(labels)} (policies: {escape(used)})", highlight=False)
        for workload, violations in plan.failing:
            checks = "; ".join(f"{v.reason} ({v.detail})" for v in violations)
            line = f"  {workload.ref.kind} {workload.ref.name} fails {plan.level} as written: {checks}"
            console.print(escape(line), highlight=False, soft_wrap=True)
