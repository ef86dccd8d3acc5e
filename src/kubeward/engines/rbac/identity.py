"""Who asks: a user name and its groups, as the API server's authenticators hand them to
the authorizer, and the binding subjects that name them.

* A service account authenticates as ``system:serviceaccount:<ns>:<name>`` with the groups
  ``system:serviceaccounts`` and ``system:serviceaccounts:<ns>``
  (``pkg/authentication/serviceaccount/util.go``).
* Every user except ``system:anonymous`` is in ``system:authenticated``; anonymous is in
  ``system:unauthenticated`` (``AuthenticatedGroupAdder``, and the impersonation filter
  for ``--as``: when a service account is impersonated without groups, its fixed groups
  are added; ``system:authenticated`` is added unless ``system:authenticated`` or
  ``system:unauthenticated`` is already asked for).
* ``system:masters`` is allowed everything before RBAC is consulted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ANONYMOUS",
    "AUTHENTICATED",
    "MASTERS",
    "SERVICE_ACCOUNTS",
    "UNAUTHENTICATED",
    "Identity",
    "Subject",
    "impersonate",
    "service_account_username",
    "split_service_account",
]

ANONYMOUS = "system:anonymous"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
MASTERS = "system:masters"
SERVICE_ACCOUNTS = "system:serviceaccounts"
_SA_PREFIX = "system:serviceaccount:"
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def service_account_username(namespace: str, name: str) -> str:
    return f"{_SA_PREFIX}{namespace}:{name}"


def split_service_account(username: str) -> tuple[str, str] | None:
    """(namespace, name) of a service account user name (``serviceaccount.SplitUsername``:
    the namespace must be a DNS label and the name a DNS subdomain, or it is a plain user)."""
    if not username.startswith(_SA_PREFIX):
        return None
    parts = username[len(_SA_PREFIX) :].split(":")
    if len(parts) != 2:
        return None
    namespace, name = parts
    if len(namespace) > 63 or not _DNS_LABEL.fullmatch(namespace):
        return None
    if len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name):
        return None
    return namespace, name


@dataclass(frozen=True, slots=True)
class Identity:
    """An authenticated user: name and every group it is in."""

    user: str
    groups: frozenset[str] = frozenset()

    @property
    def service_account(self) -> tuple[str, str] | None:
        return split_service_account(self.user)

    @property
    def is_master(self) -> bool:
        return MASTERS in self.groups

    def __str__(self) -> str:
        return f"{self.user} (groups: {', '.join(sorted(self.groups)) or 'none'})"


def impersonate(user: str, groups: tuple[str, ...] = ()) -> Identity:
    """The identity ``--as USER --as-group G...`` gives, as the API server computes it."""
    chosen = list(groups)
    account = split_service_account(user)
    if account is not None and not chosen:
        chosen = [SERVICE_ACCOUNTS, f"{SERVICE_ACCOUNTS}:{account[0]}"]
    if user != ANONYMOUS:
        if AUTHENTICATED not in chosen and UNAUTHENTICATED not in chosen:
            chosen.append(AUTHENTICATED)
    elif UNAUTHENTICATED not in chosen:
        chosen.append(UNAUTHENTICATED)
    return Identity(user, frozenset(chosen))


@dataclass(frozen=True, slots=True, order=True)
class Subject:
    """A binding subject: ``User``, ``Group`` or ``ServiceAccount`` (namespace resolved)."""

    kind: str
    name: str
    namespace: str = ""

    def matches(self, identity: Identity) -> bool:
        """``appliesToUser``: users by exact name, groups by membership, service accounts by
        their user name (a subject of another kind matches nobody)."""
        if self.kind == "User":
            return identity.user == self.name
        if self.kind == "Group":
            return self.name in identity.groups
        if self.kind == "ServiceAccount":
            return bool(self.namespace) and identity.user == service_account_username(
                self.namespace, self.name
            )
        return False

    @property
    def identity(self) -> Identity:
        """The identity this subject names, with its implicit groups (for a Group subject:
        a member with no other group than the ones every member has)."""
        if self.kind == "ServiceAccount":
            return impersonate(service_account_username(self.namespace, self.name))
        if self.kind == "Group":
            return impersonate(f"<a member of {self.name}>", (self.name,))
        return impersonate(self.name)

    def __str__(self) -> str:
        if self.kind == "ServiceAccount":
            return f"ServiceAccount {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "namespace": self.namespace}
