"""What belongs to the platform rather than to the cluster's users: the names Kubernetes
and kubeadm give their own users, groups, roles and bindings (``system:*``, ``kubeadm:*``),
and the service accounts of the system namespaces. Audits skip these unless asked; the
groups that stand for everyone are never the platform's, since binding them is always a
user's decision."""

from __future__ import annotations

from collections.abc import Collection

from kubeward.engines.rbac.identity import (
    ANONYMOUS,
    AUTHENTICATED,
    SERVICE_ACCOUNTS,
    UNAUTHENTICATED,
    Subject,
    split_service_account,
)

__all__ = ["EVERYONE", "account_of", "is_platform_name", "is_platform_subject"]

EVERYONE = {
    AUTHENTICATED: "every authenticated user and service account",
    UNAUTHENTICATED: "every unauthenticated request",
    SERVICE_ACCOUNTS: "every service account",
}
_PLATFORM_PREFIXES = ("system:", "kubeadm:")


def is_platform_name(name: str) -> bool:
    return name.startswith(_PLATFORM_PREFIXES)


def account_of(subject: Subject) -> tuple[str, str] | None:
    """(namespace, name) of the service account a subject names, if it names one."""
    if subject.kind == "ServiceAccount":
        return subject.namespace, subject.name
    if subject.kind == "User":
        return split_service_account(subject.name)
    return None


def is_platform_subject(subject: Subject, system_namespaces: Collection[str]) -> bool:
    """A ``system:*``/``kubeadm:*`` user or group, or a service account of a system namespace
    other than ``default``; never ``system:anonymous`` or a group standing for everyone
    (``system:authenticated``, ``system:unauthenticated``, ``system:serviceaccounts[:<ns>]``)."""
    account = account_of(subject)
    if account is not None:
        namespace, name = account
        return namespace in system_namespaces and name != "default"
    if subject.name in EVERYONE or subject.name == ANONYMOUS:
        return False
    if subject.kind == "Group" and subject.name.startswith(SERVICE_ACCOUNTS + ":"):
        return False
    return is_platform_name(subject.name)
