"""The control catalogue: each control is a function registered as data.

``@control(id=..., title=..., ...)`` on a function ``(snapshot, settings) -> Iterator[Finding]``
adds it to :data:`REGISTRY`. Registration validates each control (ID form
``KW-<SECTION>-<NNN>``, known section, unique and never-retired ID, non-empty rationale
and remediation, a docstring stating the rule); :func:`validate` re-checks the whole
catalogue (PSA ``policy/registry.go`` ``validateChecks`` does the same).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from kubeward.controls.finding import Finding, Severity
from kubeward.controls.settings import Settings
from kubeward.k8s.objects import GroupKind, ObjectRef
from kubeward.snapshot.snapshot import Snapshot

__all__ = [
    "REGISTRY",
    "RETIRED_IDS",
    "SECTIONS",
    "Check",
    "Control",
    "Scope",
    "control",
    "select",
    "validate",
]

SECTIONS: dict[str, str] = {
    "AUTHN": "Authentication",
    "RBAC": "Authorization (RBAC)",
    "POD": "Pod security",
    "NS": "Namespace isolation",
    "NET": "Network policy",
    "MESH": "Service-to-service security",
}

RETIRED_IDS: frozenset[str] = frozenset()
"""IDs of controls that were released and removed: their meaning is never reused."""

Check = Callable[[Snapshot, Settings], Iterator[Finding]]
Scope = Callable[[Snapshot, Settings], Iterable[ObjectRef]]
"""The objects a control evaluates; it passes on each of them it does not report."""

_ID = re.compile(r"KW-([A-Z]+)-(\d{3})")


@dataclass(frozen=True)
class Control:
    """A registered control. ``rule`` is the check's docstring: the rule in spec form."""

    id: str
    title: str
    section: str
    severity: Severity
    check: Check
    scope: Scope
    rationale: str
    remediation: str
    references: tuple[str, ...]
    rule: str
    requires: tuple[GroupKind, ...] = ()
    """Kinds the control concludes from the absence of: it runs only when the input holds
    every object of each (``Snapshot.knows_all``)."""

    def evaluate(self, snapshot: Snapshot, settings: Settings) -> list[Finding]:
        return list(self.check(snapshot, settings))


REGISTRY: dict[str, Control] = {}


def control(
    *,
    id: str,
    title: str,
    section: str,
    severity: Severity,
    scope: Scope,
    rationale: str,
    remediation: str,
    references: Iterable[str] = (),
    requires: Iterable[GroupKind] = (),
) -> Callable[[Check], Check]:
    """Register the decorated check as a control (see the module docstring)."""

    def register(check: Check) -> Check:
        entry = Control(
            id=id,
            title=title,
            section=section,
            severity=severity,
            check=check,
            scope=scope,
            rationale=_reflow(rationale),
            remediation=_reflow(remediation),
            references=tuple(references),
            rule=_reflow(check.__doc__ or ""),
            requires=tuple(requires),
        )
        problems = _problems(entry, REGISTRY)
        if problems:
            raise ValueError(f"control {id}: " + "; ".join(problems))
        REGISTRY[id] = entry
        return check

    return register


def _reflow(text: str) -> str:
    """A docstring as prose: paragraphs on one line each, ``code`` as `code`."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs).replace("``", "`")


def _problems(entry: Control, registered: dict[str, Control]) -> list[str]:
    problems = []
    match = _ID.fullmatch(entry.id)
    if match is None:
        problems.append("ID must look like KW-<SECTION>-<NNN>")
    elif match.group(1) != entry.section:
        problems.append(f"ID section {match.group(1)} differs from section {entry.section}")
    if entry.section not in SECTIONS:
        problems.append(f"unknown section {entry.section!r}")
    if entry.id in registered and registered[entry.id] is not entry:
        problems.append("ID registered twice")
    if entry.id in RETIRED_IDS:
        problems.append("ID was retired and must not be reused")
    for name in ("title", "rationale", "remediation", "rule"):
        if not getattr(entry, name).strip():
            problems.append(f"{name} is empty")
    return problems


def validate(registry: dict[str, Control] | None = None) -> list[str]:
    """Every problem with the catalogue (an empty list when it is sound)."""
    registry = REGISTRY if registry is None else registry
    return [
        f"{key}: {problem}" for key, entry in registry.items() for problem in _problems(entry, registry)
    ] + [
        f"{key}: registered under another ID ({entry.id})"
        for key, entry in registry.items()
        if key != entry.id
    ]


def select(
    ids: Iterable[str] = (),
    sections: Iterable[str] = (),
    skip: Iterable[str] = (),
    min_severity: Severity = Severity.INFO,
) -> list[Control]:
    """The controls to run, in ID order. ``ids`` and ``skip`` accept exact IDs and
    section prefixes with a wildcard (``KW-NS-*``); unknown names raise ``ValueError``."""
    chosen = sorted(REGISTRY)
    wanted = list(ids)
    if wanted:
        chosen = [control_id for control_id in chosen if any(_matches(control_id, name) for name in wanted)]
    sections = [section.upper() for section in sections]
    for section in sections:
        if section not in SECTIONS:
            raise ValueError(f"unknown section {section!r} (expected one of: {', '.join(SECTIONS)})")
    if sections:
        chosen = [control_id for control_id in chosen if REGISTRY[control_id].section in sections]
    skipped = list(skip)
    for name in wanted + skipped:
        if not any(_matches(control_id, name) for control_id in REGISTRY):
            raise ValueError(f"unknown control {name!r} (see 'kubeward controls')")
    chosen = [control_id for control_id in chosen if not any(_matches(control_id, name) for name in skipped)]
    return [REGISTRY[control_id] for control_id in chosen if REGISTRY[control_id].severity >= min_severity]


def _matches(control_id: str, name: str) -> bool:
    name = name.strip().upper()
    if name.endswith("*"):
        return control_id.startswith(name[:-1])
    return control_id == name
