"""Suppressions: object annotations, configuration rules and a baseline of old findings.

Complaint #3 about scanners is exceptions that are silently ignored; here every way to
suppress says what it did: a suppressed finding keeps its reason, an annotation naming an
unknown control is reported as an input problem, a rule past its ``expires`` date stops
applying and says so, and a suppression without a reason is honoured with a note.

* Annotation on the object: ``kubeward.io/ignore: "KW-NS-001,KW-NS-005"`` with
  ``kubeward.io/ignore-reason: "..."``. IDs are exact or a section wildcard (``KW-NS-*``).
* Configuration rule: ``{id, namespace, kind, name, reason, expires}`` where namespace,
  kind and name are shell-style patterns (default ``*``) and ``reason`` is required.
* Baseline: the fingerprints of a previous ``-o json`` report; findings already there are
  suppressed, so only new ones show.
"""

from __future__ import annotations

import datetime
import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubeward.controls.finding import Finding

__all__ = [
    "IGNORE_ANNOTATION",
    "IGNORE_REASON_ANNOTATION",
    "IgnoreRule",
    "Suppressed",
    "Suppressions",
    "annotation_ids",
    "parse_baseline",
    "parse_ignore_rules",
    "unknown_ids",
]

IGNORE_ANNOTATION = "kubeward.io/ignore"
IGNORE_REASON_ANNOTATION = "kubeward.io/ignore-reason"
_ID_PATTERN = re.compile(r"KW-[A-Z]+-(\d{3}|\*)")


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A finding that is not reported, and why: ``by`` is annotation, config or baseline."""

    finding: Finding
    by: str
    reason: str
    rule: IgnoreRule | None = None


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    ids: tuple[str, ...]
    reason: str
    namespace: str = "*"
    kind: str = "*"
    name: str = "*"
    expires: datetime.date | None = None
    index: int = 0

    def matches(self, finding: Finding) -> bool:
        ref = finding.ref
        return (
            any(_id_matches(finding.control_id, pattern) for pattern in self.ids)
            and fnmatch.fnmatchcase(ref.namespace, self.namespace)
            and fnmatch.fnmatchcase(ref.kind.lower(), self.kind.lower())  # as kubectl takes kinds
            and fnmatch.fnmatchcase(ref.name, self.name)
        )


def _id_matches(control_id: str, pattern: str) -> bool:
    return control_id.startswith(pattern[:-1]) if pattern.endswith("*") else control_id == pattern


def annotation_ids(value: str) -> tuple[list[str], list[str]]:
    """(well-formed IDs, malformed entries) of an ignore annotation's value."""
    entries = [entry.strip().upper() for entry in re.split(r"[,\s]+", value) if entry.strip()]
    good = [entry for entry in entries if _ID_PATTERN.fullmatch(entry)]
    return good, [entry for entry in entries if not _ID_PATTERN.fullmatch(entry)]


@dataclass(frozen=True)
class Suppressions:
    """Everything that can suppress a finding, and the day expiry is judged on."""

    rules: tuple[IgnoreRule, ...] = ()
    baseline: frozenset[str] = frozenset()
    today: datetime.date = field(default_factory=datetime.date.today)

    def expired(self) -> list[IgnoreRule]:
        return [rule for rule in self.rules if rule.expires is not None and rule.expires < self.today]

    def decide(self, finding: Finding, annotations: Mapping[str, str]) -> Suppressed | None:
        value = annotations.get(IGNORE_ANNOTATION)
        if isinstance(value, str):
            ids, _ = annotation_ids(value)
            if any(_id_matches(finding.control_id, pattern) for pattern in ids):
                reason = annotations.get(IGNORE_REASON_ANNOTATION) or ""
                return Suppressed(finding, "annotation", reason if isinstance(reason, str) else "")
        for rule in self.rules:
            if (rule.expires is None or rule.expires >= self.today) and rule.matches(finding):
                return Suppressed(finding, "config", rule.reason, rule)
        if finding.fingerprint in self.baseline:
            return Suppressed(finding, "baseline", "present in the baseline report")
        return None


def parse_ignore_rules(entries: Any, where: str, known: Iterable[str]) -> tuple[IgnoreRule, ...]:
    """Rules from the configuration's ``ignore`` list; ``ValueError`` says what is wrong,
    including an ID that names none of the ``known`` controls (it would suppress nothing)."""
    known = list(known)
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ValueError(f"{where}: 'ignore' must be a list")
    rules = []
    for index, entry in enumerate(entries):
        here = f"{where}: ignore[{index}]"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{here}: must be a mapping")
        unknown = set(entry) - {"id", "ids", "reason", "namespace", "kind", "name", "expires"}
        if unknown:
            raise ValueError(f"{here}: unknown field(s) {', '.join(sorted(unknown))}")
        raw_ids = entry.get("ids", entry.get("id"))
        ids = [raw_ids] if isinstance(raw_ids, str) else raw_ids
        if not isinstance(ids, list) or not ids or not all(isinstance(item, str) for item in ids):
            raise ValueError(f"{here}: 'id' (or 'ids') must name at least one control")
        good, bad = annotation_ids(",".join(ids))
        if bad:
            raise ValueError(f"{here}: not a control ID: {', '.join(bad)}")
        missing = unknown_ids(good, known)
        if missing:
            raise ValueError(f"{here}: no control {', '.join(missing)} exists")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{here}: 'reason' is required")
        patterns = {}
        for name in ("namespace", "kind", "name"):
            value = entry.get(name, "*")
            if not isinstance(value, str):
                raise ValueError(f"{here}: '{name}' must be a string")
            patterns[name] = value
        expires = entry.get("expires")
        if expires is not None:
            try:
                expires = datetime.date.fromisoformat(str(expires))
            except ValueError:
                raise ValueError(f"{here}: 'expires' must be a date (YYYY-MM-DD)") from None
        rules.append(IgnoreRule(tuple(good), reason.strip(), expires=expires, index=index, **patterns))
    return tuple(rules)


def parse_baseline(report: Any, where: str) -> frozenset[str]:
    """The finding fingerprints of a previous ``kubeward scan -o json`` report."""
    if not isinstance(report, Mapping) or not isinstance(report.get("findings"), list):
        raise ValueError(f"{where}: not a kubeward JSON report (no 'findings' list)")
    fingerprints: set[str] = set()
    for index, finding in enumerate(report["findings"]):
        fingerprint = finding.get("fingerprint") if isinstance(finding, Mapping) else None
        if not isinstance(fingerprint, str):
            raise ValueError(f"{where}: findings[{index}] has no fingerprint")
        fingerprints.add(fingerprint)
    return frozenset(fingerprints)


def unknown_ids(ids: Iterable[str], registered: Iterable[str]) -> list[str]:
    """The IDs (or wildcards) in ``ids`` that name no registered control."""
    registered = list(registered)
    return [
        pattern for pattern in ids if not any(_id_matches(control_id, pattern) for control_id in registered)
    ]
