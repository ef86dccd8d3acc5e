"""Reading inputs into a Snapshot, with every input problem located (file and line).

This is the one place that joins the sources (files, stdin, a live cluster) to the
snapshot; the CLI and library users call :func:`load` or :func:`load_cluster`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from kubeward.errors import InputError
from kubeward.k8s.objects import format_path, split_api_version
from kubeward.snapshot.snapshot import Snapshot, build
from kubeward.sources import defaults
from kubeward.sources.files import Limits, ReadResult, read_inputs
from kubeward.sources.locate import Locator
from kubeward.sources.records import holds_secret_values

__all__ = ["Inputs", "load", "load_cluster"]


@dataclass
class Inputs:
    """A snapshot and what reading it met: input errors (fatal ones dropped a document,
    the others dropped a field), notes, and a :class:`Locator` for field lines."""

    snapshot: Snapshot
    errors: list[InputError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    locator: Locator = field(default_factory=Locator)
    files: int = 0
    sources: tuple[str, ...] = ()


def load(
    paths: Sequence[str],
    *,
    limits: Limits = Limits(),
    default_namespace: str | None = None,
    whole_cluster: bool | None = None,
    stdin: BinaryIO | None = None,
    on_file: Callable[[str], None] | None = None,
    with_defaults: str | None = None,
) -> Inputs:
    """Read files, directories and ``-`` (stdin) into an :class:`Inputs`.

    ``with_defaults`` (a Kubernetes version or ``latest``) merges in the default RBAC
    objects of that version that the input does not define itself (the input wins)."""
    with _collector_paused():
        read = read_inputs(paths, limits, stdin=stdin, on_file=on_file)
        if with_defaults is not None:
            _merge_defaults(read, with_defaults, default_namespace)
        withheld = frozenset(
            record.origin.file for record in read.records if holds_secret_values(record.body)
        )
        locator = Locator(read.stdin_text, limits.max_file_bytes, withheld)
        return _assemble(read, locator, tuple(paths), default_namespace, whole_cluster)


def load_cluster(
    *,
    context: str | None = None,
    kubeconfig: str | None = None,
    include_secrets: bool = True,
    on_resource: Callable[[str], None] | None = None,
) -> Inputs:
    """Read a live cluster (list and get only; Secrets as metadata only)."""
    from kubeward.sources import cluster  # the Kubernetes client is imported only when needed

    with _collector_paused():
        read, name = cluster.read_cluster(
            context=context, kubeconfig=kubeconfig, include_secrets=include_secrets, on_resource=on_resource
        )
        return _assemble(read, Locator(), (name,), None, True)


# --with-defaults (begin)
def _merge_defaults(read: ReadResult, version: str, default_namespace: str | None) -> None:
    """Add the default RBAC objects of ``version`` that no input object already is (same
    group, kind, namespace and name): a cluster's own objects replace the defaults."""
    known, note = defaults.resolve_version(version)
    if note is not None:
        read.notes.append(note)

    def key(body: dict[str, Any]) -> tuple[str, str, str, str]:
        api_version, metadata = body.get("apiVersion"), body.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        group = split_api_version(api_version)[0] if isinstance(api_version, str) else ""
        namespace = metadata.get("namespace") or default_namespace or ""
        return group, str(body.get("kind")), str(namespace), str(metadata.get("name"))

    defined = {key(record.body) for record in read.records}
    added = [record for record in defaults.default_policy_records(known) if key(record.body) not in defined]
    read.records.extend(added)
    read.notes.append(
        f"merged the default RBAC policy of Kubernetes v{known}"
        f" ({len(added)} objects the input did not define)"
    )


# --with-defaults (end)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading builds millions of containers and no cycles; the cyclic garbage collector
    would walk them again and again (about a tenth of the load time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # what was loaded holds no cycles: later collections need not walk it
        if was_enabled:
            gc.enable()


def _assemble(
    read: ReadResult,
    locator: Locator,
    sources: tuple[str, ...],
    default_namespace: str | None,
    whole_cluster: bool | None,
) -> Inputs:
    snapshot = build(
        read.records,
        default_namespace=default_namespace,
        whole_cluster=whole_cluster,
        listed_kinds=read.listed_kinds,
    )
    errors = list(read.errors)
    for obj, problem in snapshot.field_problems:
        errors.append(
            InputError(
                obj.origin.file,
                f"{obj.ref}: {format_path(problem.path)}: {problem.message}"
                + ("" if problem.fatal else "; the field is ignored"),
                locator.line(obj.origin, problem.path),
                obj.origin.document,
                fatal=problem.fatal,
            )
        )
    return Inputs(snapshot, errors, list(read.notes), locator, read.files, sources)
