"""``kubeward rbac``: ask the RBAC authorizer's questions offline, with its answers' reasons."""

from __future__ import annotations

import os

import click
from rich.markup import escape
from rich.table import Table

from kubeward.cli.app import EXIT_FINDINGS, EXIT_OK, abort
from kubeward.cli.common import WITH_DEFAULTS, load_sources, print_json
from kubeward.cli.console import err_console, out_console
from kubeward.controls.settings import DEFAULT_SYSTEM_NAMESPACES
from kubeward.engines.rbac import paths, query
from kubeward.engines.rbac.identity import Identity, Subject, impersonate, split_service_account
from kubeward.engines.rbac.platform import is_platform_subject
from kubeward.engines.rbac.rules import Request
from kubeward.engines.rbac.world import world_of
from kubeward.k8s.resources import ResourceTable, ResourceType

__all__ = ["rbac"]


@click.group()
def rbac() -> None:
    """Ask who may do what, with the exact Kubernetes RBAC semantics."""


def _resolve_type(table: ResourceTable, text: str) -> tuple[str, str, bool | None]:
    """(API group, plural, namespaced) of ``TYPE[.GROUP]`` as kubectl resolves it: by plural,
    singular, short name or kind, preferring the core group, then current groups to the
    legacy ``extensions``; an unknown type is taken as written (scope unknown)."""
    name, _, group = text.partition(".")
    candidates: list[ResourceType] = [
        resource
        for resource in table.types
        if (not group or resource.group == group)
        and name.lower() in {resource.plural, resource.singular, resource.kind.lower(), *resource.short_names}
    ]
    if not candidates:
        err_console().print(f"[yellow]warning:[/] the resource type {text!r} is not known; asking as written")
        return group, name, None
    candidates.sort(key=lambda resource: (resource.group != "", resource.group == "extensions"))
    best = candidates[0]
    return best.group, best.plural, best.namespaced


def _request(table: ResourceTable, verb: str, target: str, subresource: str, namespace: str) -> Request:
    if target.startswith("/"):
        return Request(verb, path=target)
    type_text, _, name = target.partition("/")
    group, plural, namespaced = _resolve_type(table, type_text)
    if (group, plural) == ("", "namespaces") and name:
        namespace = name  # the API server's RequestInfo: a namespace is in its own namespace
    elif namespaced is False:
        namespace = ""
    return Request(verb, plural, group, subresource, name, namespace)


def _identity(user: str | None, groups: tuple[str, ...]) -> Identity:
    if user is None:
        abort("say whom to ask about: --as USER (and --as-group GROUP...)")
    return impersonate(user, groups)


_OUTPUT = click.option(
    "-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
_SUBRESOURCE = click.option(
    "--subresource", default="", metavar="S", help="A subresource (log, exec, scale...)."
)


@rbac.command("can-i")
@click.argument("verb")
@click.argument("target", metavar="(TYPE[.GROUP][/NAME] | /URL)")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@_SUBRESOURCE
@click.option("-n", "--namespace", default="default", show_default=True, help="Namespace of the request.")
@click.option("--as", "as_user", metavar="USER", help="The user to ask for (as kubectl --as impersonates).")
@click.option(
    "--as-group", "as_groups", multiple=True, metavar="GROUP", help="A group of that user (repeatable)."
)
@WITH_DEFAULTS
@_OUTPUT
def can_i(
    verb: str,
    target: str,
    sources: tuple[str, ...],
    subresource: str,
    namespace: str,
    as_user: str | None,
    as_groups: tuple[str, ...],
    with_defaults: str | None,
    output: str,
) -> None:
    """Whether a user may do VERB on a resource or URL: exit 0 if yes, 1 if no."""
    inputs = load_sources(sources, "the RBAC objects", with_defaults=with_defaults)
    request = _request(inputs.snapshot.resources, verb, target, subresource, namespace)
    decision = query.can_i(world_of(inputs.snapshot), _identity(as_user, as_groups), request)
    if output == "json":
        print_json(
            {
                "allowed": decision.allowed,
                "reasons": decision.reasons,
                "grants": [grant.to_dict() for grant in decision.grants],
                "request": _request_dict(request),
                "identity": {"user": decision.identity.user, "groups": sorted(decision.identity.groups)},
            }
        )
    else:
        console = out_console()
        console.print("yes" if decision.allowed else "no")
        for reason in decision.reasons:
            console.print(f"  {escape(reason)}", highlight=False)
    raise SystemExit(EXIT_OK if decision.allowed else EXIT_FINDINGS)


def _request_dict(request: Request) -> dict[str, str]:
    return {
        "verb": request.verb,
        "apiGroup": request.api_group,
        "resource": request.resource,
        "subresource": request.subresource,
        "name": request.name,
        "namespace": request.namespace,
        "path": request.path,
    }


@rbac.command("who-can")
@click.argument("verb")
@click.argument("target", metavar="(TYPE[.GROUP][/NAME] | /URL)")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@_SUBRESOURCE
@click.option("-n", "--namespace", default="default", show_default=True, help="Namespace of the request.")
@click.option("-A", "--all-namespaces", is_flag=True, help="In any namespace.")
@WITH_DEFAULTS
@_OUTPUT
def who_can(
    verb: str,
    target: str,
    sources: tuple[str, ...],
    subresource: str,
    namespace: str,
    all_namespaces: bool,
    with_defaults: str | None,
    output: str,
) -> None:
    """The users, groups and service accounts that may do VERB on a resource or URL."""
    inputs = load_sources(sources, "the RBAC objects", with_defaults=with_defaults)
    request = _request(inputs.snapshot.resources, verb, target, subresource, namespace)
    every = all_namespaces and request.is_resource_request and bool(request.namespace)
    answers = query.who_can(world_of(inputs.snapshot), request, all_namespaces=every)
    if output == "json":
        print_json(
            {
                "request": _request_dict(request) | ({"namespace": "*"} if every else {}),
                "subjects": [
                    {**answer.subject.to_dict(), "via": [grant.to_dict() for grant in answer.grants]}
                    for answer in answers
                ],
            }
        )
        return
    table = Table(show_edge=False, header_style="bold")
    for column in ("subject", "where", "via"):
        table.add_column(column)
    for answer in answers:
        via = "\n".join(escape(str(grant)) for grant in answer.grants) or escape(query.MASTERS_REASON)
        where = ", ".join(namespace or "cluster-wide" for namespace in answer.namespaces) or "everywhere"
        table.add_row(escape(str(answer.subject)), escape(where), via)
    out_console().print(table)


def _subject(text: str) -> Subject:
    """``User:NAME``, ``Group:NAME``, ``ServiceAccount:NS:NAME``, a service account's user
    name, or a plain user name."""
    kind, _, rest = text.partition(":")
    if kind == "User" and rest:
        return Subject("User", rest)
    if kind == "Group" and rest:
        return Subject("Group", rest)
    if kind == "ServiceAccount":
        namespace, _, name = rest.partition(":")
        if namespace and name:
            return Subject("ServiceAccount", name, namespace)
        abort("a service account is ServiceAccount:NAMESPACE:NAME")
    account = split_service_account(text)
    if account is not None:
        return Subject("ServiceAccount", account[1], account[0])
    return Subject("User", text)


@rbac.command("list")
@click.argument("subject", metavar="SUBJECT")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@click.option("-n", "--namespace", help="Only this namespace (and what holds cluster-wide).")
@WITH_DEFAULTS
@_OUTPUT
def list_(
    subject: str, sources: tuple[str, ...], namespace: str | None, with_defaults: str | None, output: str
) -> None:
    """Everything SUBJECT may do (User:NAME, Group:NAME, ServiceAccount:NS:NAME), everywhere."""
    inputs = load_sources(sources, "the RBAC objects", with_defaults=with_defaults)
    target = _subject(subject)
    world = world_of(inputs.snapshot)
    # every namespace: those the input declares and those its RoleBindings are in
    namespaces = (
        [namespace] if namespace else [*inputs.snapshot.namespaces, *(b.namespace for b in world.bindings)]
    )
    found = query.permissions(world, target.identity, namespaces)
    rows = [
        {
            "namespace": permission.namespace,
            **permission.rule.to_dict(),
            "binding": permission.binding.ref.to_dict(),
            "role": permission.role.ref.to_dict(),
            "subject": permission.subject.to_dict(),
        }
        for permission in found.rules
    ]
    if output == "json":
        print_json({"subject": target.to_dict(), "masters": found.masters, "permissions": rows})
        return
    console = out_console()
    if found.masters:
        console.print(escape(query.MASTERS_REASON))
    table = Table(show_edge=False, header_style="bold")
    for column in ("where", "rule", "via"):
        table.add_column(column)
    for permission in found.rules:
        table.add_row(
            escape(permission.namespace or "cluster-wide"),
            escape(str(permission.rule)),
            escape(
                f"{permission.binding.ref.kind} {permission.binding.ref.name} → {permission.role.ref.name}"
            ),
        )
    console.print(table)


_SUBJECT_PREFIXES = ("User:", "Group:", "ServiceAccount:")


@rbac.command("paths")
@click.argument("sources", nargs=-1, metavar="[SUBJECT] SOURCE...")
@click.option(
    "-s",
    "--subject",
    "subjects",
    multiple=True,
    metavar="SUBJECT",
    help="Only from this subject (User:NAME, Group:NAME, ServiceAccount:NS:NAME; repeatable).",
)
@click.option(
    "--include-system",
    is_flag=True,
    help="Also from the platform's own subjects (system:* users and groups, kube-system accounts).",
)
@WITH_DEFAULTS
@_OUTPUT
def paths_(
    sources: tuple[str, ...],
    subjects: tuple[str, ...],
    include_system: bool,
    with_defaults: str | None,
    output: str,
) -> None:
    """The shortest way each subject can become cluster-admin: run a pod as a service account,
    mint its token, impersonate, bind, escalate, approve a client certificate... A first
    argument User:NAME, Group:NAME or ServiceAccount:NS:NAME (not a file) asks about that
    subject only, like --subject. Exit 0 if no subject can, 1 if one can."""
    if sources and sources[0].startswith(_SUBJECT_PREFIXES) and not os.path.exists(sources[0]):
        subjects, sources = (sources[0], *subjects), sources[1:]
    inputs = load_sources(sources, "the RBAC objects", with_defaults=with_defaults)
    starts = [_subject(text) for text in subjects] or None
    found = paths.escalation_paths(
        world_of(inputs.snapshot),
        inputs.snapshot,
        starts,
        select=None
        if include_system
        else lambda subject: not is_platform_subject(subject, DEFAULT_SYSTEM_NAMESPACES),
    )
    if output == "json":
        print_json({"paths": [path.to_dict() for path in found]})
    else:
        console = out_console()
        if not found:
            console.print("no subject can become cluster-admin" + (" from those given" if starts else ""))
        for path in found:
            console.print(f"[bold]{escape(str(path.subject))}[/]")
            for number, step in enumerate(path.steps, 1):
                console.print(f"  {number}. {escape(str(step))}")
                for grant in step.grants:
                    console.print(f"     [dim]via {escape(str(grant))}[/]")
    raise SystemExit(EXIT_FINDINGS if found else EXIT_OK)
