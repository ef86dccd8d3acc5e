"""The kube-apiserver command line, read from its static pod manifest.

kubeadm (and most installers) run the API server as a static pod in ``kube-system``
whose container ``command``/``args`` start ``kube-apiserver``. :func:`find_apiserver_pods`
finds those pods in a snapshot; :func:`apiserver_flags` parses one pod spec's command
line the way the API server's flag library (spf13/pflag) does:

* ``--flag=value`` and ``--flag value``;
* boolean flags may stand alone (``--anonymous-auth`` means ``true``); a following word
  is then NOT their value (pflag needs ``--flag=false``);
* a repeated flag keeps every value, in order (``--oidc-required-claim`` and other
  list/map flags accumulate; for scalar flags the last value wins, see :func:`last`);
* ``--`` ends the flags; a shell wrapper (``sh -c "kube-apiserver ..."``) is split with
  shell quoting rules.

The values are returned verbatim (comma-separated lists are not split).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from kubeward.k8s.workloads import POD
from kubeward.snapshot.snapshot import KubeObject, Snapshot

__all__ = [
    "APISERVER_BINARY",
    "BOOLEAN_FLAGS",
    "apiserver_container",
    "apiserver_flags",
    "find_apiserver_pods",
    "last",
    "parse_flags",
]

APISERVER_BINARY = "kube-apiserver"

#: kube-apiserver flags of type bool (may be given without a value).
BOOLEAN_FLAGS = frozenset(
    {
        "allow-privileged",
        "anonymous-auth",
        "enable-bootstrap-token-auth",
        "enable-aggregator-routing",
        "enable-garbage-collector",
        "enable-logs-handler",
        "enable-priority-and-fairness",
        "profiling",
        "contention-profiling",
        "service-account-lookup",
        "service-account-extend-token-expiration",
        "kubelet-https",
        "storage-media-type-strict",
        "watch-cache",
        "audit-log-compress",
        "audit-log-truncate-enabled",
        "audit-webhook-truncate-enabled",
        "audit-webhook-batch-throttle-enable",
        "audit-log-batch-throttle-enable",
        "authorization-always-allow-paths-enabled",
        "cors-allowed-origins-strict",
        "permit-port-sharing",
        "permit-address-sharing",
        "strict-transport-security-directives-strict",
        "goaway-chance-strict",
        "logtostderr",
        "alsologtostderr",
        "one-output",
        "skip-headers",
        "skip-log-headers",
        "add-dir-header",
        "version",
        "help",
    }
)

_SHELLS = frozenset({"sh", "bash", "ash", "dash", "busybox"})


def _basename(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _command_line(container: Mapping[str, Any]) -> list[str] | None:
    """The words after ``kube-apiserver`` in the container's command+args, or None."""
    command = [str(w) for w in container.get("command") or () if w is not None]
    args = [str(w) for w in container.get("args") or () if w is not None]
    words = command + args
    if command and _basename(command[0]) in _SHELLS and "-c" in words:
        index = words.index("-c")
        if index + 1 < len(words):
            try:
                words = shlex.split(words[index + 1])
            except ValueError:
                words = words[index + 1].split()
    for position, word in enumerate(words):
        if _basename(word) == APISERVER_BINARY:
            return words[position + 1 :]
    if not command and APISERVER_BINARY in str(container.get("image", "")).rsplit("/", 1)[-1]:
        # No command: the image entrypoint is kube-apiserver (registry.k8s.io image).
        return args
    return None


def parse_flags(words: Sequence[str]) -> dict[str, list[str]]:
    """Parse ``--flag=value`` / ``--flag value`` words as pflag does (see module doc)."""
    flags: dict[str, list[str]] = {}
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":
            break
        if not word.startswith("-") or word == "-":
            continue  # positional words: kube-apiserver takes none
        name = word.lstrip("-")
        if "=" in name:
            name, value = name.split("=", 1)
        elif name in BOOLEAN_FLAGS or not word.startswith("--"):
            value = "true" if word.startswith("--") else ""
        elif index < len(words) and not words[index].startswith("-"):
            value = words[index]
            index += 1
        else:
            value = ""
        if not name:
            continue
        flags.setdefault(name, []).append(value)
    return flags


def apiserver_container(pod_spec: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The first container of a pod spec that runs kube-apiserver."""
    for container in pod_spec.get("containers") or ():
        if isinstance(container, Mapping) and _command_line(container) is not None:
            return container
    return None


def apiserver_flags(pod_spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """Flag name (without dashes) -> every value given, for the pod's kube-apiserver
    container; empty when the pod does not run kube-apiserver."""
    container = apiserver_container(pod_spec)
    if container is None:
        return {}
    words = _command_line(container)
    return parse_flags(words or [])


def last(flags: Mapping[str, Sequence[str]], name: str) -> str | None:
    """The value a scalar flag takes: the last one given, or None when absent."""
    values = flags.get(name)
    return values[-1] if values else None


def find_apiserver_pods(snapshot: Snapshot) -> tuple[KubeObject, ...]:
    """Pods in kube-system with a container that runs kube-apiserver."""
    found: list[KubeObject] = []
    for pod in snapshot.in_namespace_of_kind(POD, "kube-system"):
        spec = pod.body.get("spec")
        if isinstance(spec, Mapping) and apiserver_container(spec) is not None:
            found.append(pod)
    return tuple(found)
