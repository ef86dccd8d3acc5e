"""A live cluster -> object records, with list (and discovery) requests only.

kubeward reads what its controls need (:data:`READ_KINDS`), across all namespaces, in
pages of ``limit`` objects followed by ``continue`` tokens, as ``kubectl`` does. Kinds
the API server does not serve (PodSecurityPolicy after 1.25, a mesh that is not
installed) are skipped. Secrets are requested as ``PartialObjectMetadataList``: the API
server sends metadata only, and anything else it might send is dropped before it is kept.
A resource the credentials may not list is reported and the rest is still read.

The Kubernetes client library is used for what it is good at: kubeconfig and in-cluster
configuration, credential plugins, TLS and authentication headers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from kubeward.errors import InputError, SourceError
from kubeward.k8s.objects import GroupKind, Origin, Record
from kubeward.k8s.resources import BUILTIN
from kubeward.sources.files import ReadResult
from kubeward.sources.records import redact

__all__ = ["PAGE_SIZE", "READ_KINDS", "ServedResource", "read_cluster", "read_rules"]

PAGE_SIZE = 500
_METADATA_ONLY = (
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,"
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1"
)
SECRET = GroupKind("", "Secret")

READ_KINDS: tuple[GroupKind, ...] = tuple(
    GroupKind(group, kind)
    for group, kinds in (
        (
            "",
            "Namespace Pod ReplicationController PodTemplate Service ServiceAccount ResourceQuota LimitRange"
            " Secret",
        ),
        ("apps", "Deployment ReplicaSet StatefulSet DaemonSet"),
        ("batch", "Job CronJob"),
        ("rbac.authorization.k8s.io", "Role RoleBinding ClusterRole ClusterRoleBinding"),
        ("networking.k8s.io", "NetworkPolicy Ingress"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("policy", "PodSecurityPolicy"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration MutatingWebhookConfiguration"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("policy.networking.k8s.io", "AdminNetworkPolicy BaselineAdminNetworkPolicy ClusterNetworkPolicy"),
        ("security.istio.io", "PeerAuthentication AuthorizationPolicy RequestAuthentication"),
        ("networking.istio.io", "DestinationRule Sidecar"),
        (
            "policy.linkerd.io",
            "Server ServerAuthorization AuthorizationPolicy MeshTLSAuthentication NetworkAuthentication",
        ),
        ("cilium.io", "CiliumNetworkPolicy CiliumClusterwideNetworkPolicy"),
    )
    for kind in kinds.split()
)
"""The kinds kubeward reads from a live cluster (and nothing else)."""


def read_rules(include_secrets: bool = True) -> list[dict[str, Any]]:
    """The RBAC rules that allow exactly the reads of :func:`read_cluster`."""
    by_group: dict[str, set[str]] = {}
    for group_kind in READ_KINDS:
        if group_kind == SECRET and not include_secrets:
            continue
        resource = BUILTIN.by_kind(group_kind)
        if resource is None:  # pragma: no cover - READ_KINDS are all in the built-in table
            raise KeyError(f"{group_kind} is not in the resource table")
        by_group.setdefault(resource.group, set()).add(resource.plural)
    return [
        {"apiGroups": [group], "resources": sorted(plurals), "verbs": ["list"]}
        for group, plurals in sorted(by_group.items())
    ]


@dataclass(frozen=True, slots=True)
class ServedResource:
    """A resource as discovery reports it: path prefix, version, kind and plural."""

    group: str
    version: str
    kind: str
    plural: str

    @property
    def group_kind(self) -> GroupKind:
        return GroupKind(self.group, self.kind)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def path(self) -> str:
        prefix = "/api/v1" if not self.group else f"/apis/{self.group}/{self.version}"
        return f"{prefix}/{self.plural}"


class _Api:
    """GET requests through the client library's configured transport."""

    def __init__(self, api_client: Any) -> None:
        self.client = api_client

    def get(
        self, path: str, query: list[tuple[str, str]] | None = None, accept: str = "application/json"
    ) -> tuple[int, Any]:
        method, url, headers, _, _ = self.client.param_serialize(
            method="GET",
            resource_path=path,
            query_params=query or [],
            header_params={"Accept": accept},
            auth_settings=["BearerToken"],
        )
        try:
            response = self.client.call_api(method, url, header_params=headers, _request_timeout=(10, 120))
        except Exception as error:
            status = getattr(error, "status", None)
            if isinstance(status, int):
                return status, _decode(getattr(error, "body", b"") or b"")
            raise SourceError(f"cannot reach the API server: {error}") from None
        return response.status, _decode(response.read())


def _decode(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def _client(context: str | None, kubeconfig: str | None) -> tuple[Any, str]:
    from kubernetes import config as kube_config
    from kubernetes.config.config_exception import ConfigException

    try:
        in_cluster = (
            kubeconfig is None
            and not os.environ.get("KUBECONFIG")
            and "KUBERNETES_SERVICE_HOST" in os.environ
            and not os.path.exists(os.path.expanduser("~/.kube/config"))
        )
        if in_cluster:
            from kubernetes import client

            configuration = client.Configuration()
            kube_config.load_incluster_config(client_configuration=configuration)
            return client.ApiClient(configuration), "in-cluster"
        api_client = kube_config.new_client_from_config(
            config_file=kubeconfig, context=context, persist_config=False
        )
        if context is None:
            _, active = kube_config.list_kube_config_contexts(config_file=kubeconfig)
            context = active["name"] if active else "current-context"
    except (ConfigException, OSError, TypeError, KeyError) as error:
        raise SourceError(f"cannot load the Kubernetes configuration: {error}") from None
    return api_client, context or "current-context"


@dataclass(frozen=True, slots=True)
class Discovery:
    """What the API serves of :data:`READ_KINDS`, and the groups it failed to describe."""

    served: dict[GroupKind, ServedResource]
    failed: dict[str, str]  # group -> what went wrong


def discover(api: _Api) -> Discovery:
    """Each wanted kind's resource: in its group's preferred version when served there,
    else in the first other version the group lists (as client-go's
    ``ServerPreferredResources`` does: Linkerd serves AuthorizationPolicy only in v1alpha1
    while its preferred version is v1beta3). A group version whose discovery fails leaves
    its group's kinds unknown (neither served nor absent)."""
    wanted = set(READ_KINDS)
    status, groups = api.get("/apis")
    if status != 200 or not isinstance(groups, Mapping):
        raise SourceError(f"API discovery failed (GET /apis answered {status})")
    wanted_groups = {group_kind.group for group_kind in wanted}
    versions: list[tuple[str, str]] = [("", "v1")]
    for group in groups.get("groups") or []:
        name = group.get("name")
        if name not in wanted_groups:
            continue
        preferred = (group.get("preferredVersion") or {}).get("version")
        listed = [entry.get("version") for entry in group.get("versions") or [] if isinstance(entry, Mapping)]
        ordered = [preferred] + [version for version in listed if version != preferred]
        versions.extend((name, version) for version in ordered if isinstance(version, str))
    served: dict[GroupKind, ServedResource] = {}
    failed: dict[str, str] = {}
    for group, version in versions:
        path = "/api/v1" if not group else f"/apis/{group}/{version}"
        status, listing = api.get(path)
        if status != 200 or not isinstance(listing, Mapping):
            failed[group] = f"API discovery failed: GET {path} answered {status}"
            continue
        for resource in listing.get("resources") or []:
            name, kind = resource.get("name", ""), resource.get("kind", "")
            group_kind = GroupKind(group, kind)
            if "/" in name or group_kind not in wanted or group_kind in served:
                continue
            if "list" in (resource.get("verbs") or []):
                served[group_kind] = ServedResource(group, version, kind, name)
    return Discovery(served, failed)


def _pages(api: _Api, resource: ServedResource, accept: str) -> Iterator[tuple[int, Any]]:
    token = ""
    restarts = 0
    while True:
        query = [("limit", str(PAGE_SIZE))] + ([("continue", token)] if token else [])
        status, page = api.get(resource.path, query, accept)
        if status == 410 and token and restarts < 3:  # the continue token expired: list again
            restarts += 1
            token = ""
            yield 410, None
            continue
        yield status, page
        if status != 200 or not isinstance(page, Mapping):
            return
        token = (page.get("metadata") or {}).get("continue") or ""
        if not token:
            return


def _item_body(resource: ServedResource, item: Mapping[str, Any], metadata_only: bool) -> dict[str, Any]:
    if metadata_only:  # keep nothing but identity and metadata, whatever the server sent
        return {
            "apiVersion": resource.api_version,
            "kind": resource.kind,
            "metadata": dict(item.get("metadata") or {}),
        }
    body = dict(item)
    body["apiVersion"] = resource.api_version
    body["kind"] = resource.kind
    return body


def read_cluster(
    *,
    context: str | None = None,
    kubeconfig: str | None = None,
    include_secrets: bool = True,
    on_resource: Callable[[str], None] | None = None,
    api_client: Any = None,
) -> tuple[ReadResult, str]:
    """Read the cluster; returns the records and the source name (``cluster:<context>``).

    ``listed_kinds`` of the result holds the kinds known in full: those listed to the
    end, and those the API does not serve (there are none). Kinds it could not list, or
    whose group it could not discover, are reported and left out, so that no control
    concludes anything from their absence."""
    if api_client is None:
        api_client, context = _client(context, kubeconfig)
    name = f"cluster:{context or 'current-context'}"
    api = _Api(api_client)
    result = ReadResult()
    discovery = discover(api)
    for message in discovery.failed.values():
        result.errors.append(InputError(name, message, fatal=False))
    listed: set[GroupKind] = set()
    for group_kind in READ_KINDS:
        if group_kind == SECRET and not include_secrets:
            continue
        resource = discovery.served.get(group_kind)
        if resource is None:
            if group_kind.group not in discovery.failed:
                listed.add(group_kind)  # not served: known to have no objects
            continue
        if on_resource is not None:
            on_resource(f"{resource.plural}.{resource.group}" if resource.group else resource.plural)
        records = _list(api, resource, name, result.errors)
        if records is not None:
            result.records.extend(records)
            listed.add(group_kind)
        result.files += 1
    result.listed_kinds = frozenset(listed)
    return result, name


def _list(api: _Api, resource: ServedResource, name: str, errors: list[InputError]) -> list[Record] | None:
    """Every object of ``resource``, or None (and an error) when it cannot be listed."""
    metadata_only = resource.group_kind == SECRET
    records: list[Record] = []
    for status, page in _pages(api, resource, _METADATA_ONLY if metadata_only else "application/json"):
        if status == 410:
            records.clear()
            continue
        if status != 200 or not isinstance(page, Mapping):
            reason = (page or {}).get("reason") if isinstance(page, Mapping) else None
            message = f"cannot list {resource.plural} ({resource.api_version}): {reason or status}"
            errors.append(InputError(name, message, fatal=False))
            return None
        for item in page.get("items") or []:
            if isinstance(item, Mapping):
                body = _item_body(resource, item, metadata_only)
                redact(body)
                records.append(Record(body, Origin(name)))
    return records
