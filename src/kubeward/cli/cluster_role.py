"""``kubeward cluster-role``: the least-privilege ClusterRole that ``scan --cluster`` needs."""

from __future__ import annotations

from typing import Any

import click
import yaml

from kubeward.cli.common import print_json
from kubeward.sources.cluster import read_rules

__all__ = ["cluster_role"]

_SECRETS_NOTE = (
    "# 'list secrets' lets kubeward read Secret metadata (it asks for PartialObjectMetadata and\n"
    "# drops anything else), but RBAC cannot limit a grant to metadata: whoever holds this role\n"
    "# can read Secret values. Leave it out with --no-secrets (scan with --no-secrets too).\n"
)


@click.command("cluster-role")
@click.option(
    "--name", default="kubeward-reader", show_default=True, help="Name of the ClusterRole (and binding)."
)
@click.option(
    "--service-account", metavar="NS/NAME", help="Also print a ClusterRoleBinding to this ServiceAccount."
)
@click.option("--no-secrets", is_flag=True, help="Leave out Secrets (scan --cluster --no-secrets then).")
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
def cluster_role(name: str, service_account: str | None, no_secrets: bool, output: str) -> None:
    """Print the read-only ClusterRole kubeward needs for 'scan --cluster' (list only)."""
    documents: list[dict[str, Any]] = [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": name, "labels": {"app.kubernetes.io/name": "kubeward"}},
            "rules": read_rules(include_secrets=not no_secrets),
        }
    ]
    if service_account is not None:
        namespace, _, account = service_account.partition("/")
        if not namespace or not account:
            raise click.BadParameter("expected NAMESPACE/NAME", param_hint="--service-account")
        documents.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": name},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
                "subjects": [{"kind": "ServiceAccount", "namespace": namespace, "name": account}],
            }
        )
    if output == "json":
        data: Any = (
            documents[0] if len(documents) == 1 else {"apiVersion": "v1", "kind": "List", "items": documents}
        )
        print_json(data)
        return
    header = "" if no_secrets else _SECRETS_NOTE
    click.echo(header + yaml.safe_dump_all(documents, sort_keys=False), nl=False)
