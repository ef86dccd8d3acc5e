"""Harden manifests: the fewest edits that make each pod template pass ``restricted``.

The decision follows Kubernetes' reading of the YAML (the go-yaml-exact loader of
:mod:`kubeward.sources.goyaml`: ``privileged: yes`` is true), the edit is made on the text:
new keys are inserted at the positions the YAML parser reports, in the file's own
indentation and newline style, so every other byte (comments, quoting, flow style, odd
indentation, anchors) stays as it was and a diff shows only the added lines.

Only fields whose restricted value cannot change what a working pod does are added:
``allowPrivilegeEscalation: false`` and ``capabilities.drop: [ALL]`` per container, and on
the pod ``runAsNonRoot: true`` and ``seccompProfile.type: RuntimeDefault``. A value the
manifest sets explicitly is never changed, and anything else restricted forbids
(privileged, host namespaces, hostPath, added capabilities...) would change behaviour: such
an object is left byte-for-byte alone with the reasons (upstream check, reason, detail).

Every edit is verified before it is kept: the edited text is read again with the same
loader, must hold exactly the expected objects, and each template must pass the policy.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from kubeward.engines import podsec
from kubeward.errors import InputError
from kubeward.k8s.containers import iter_containers
from kubeward.k8s.objects import (
    GroupKind,
    ObjectRef,
    Origin,
    Path,
    Record,
    format_path,
    get_path,
    split_api_version,
)
from kubeward.k8s.workloads import template_location
from kubeward.sources.files import split_yaml_stream
from kubeward.sources.goyaml import compose_documents
from kubeward.sources.records import records_from_documents

__all__ = ["Change", "HardenResult", "ObjectResult", "Refusal", "harden_text"]

FIXED, COMPLIANT, REFUSED = "fixed", "compliant", "refused"

_ALLOWED_SECCOMP = ("RuntimeDefault", "Localhost")
_LINUX_ONLY_CHECKS = frozenset(
    {"allowPrivilegeEscalation", "capabilities_restricted", "seccompProfile_restricted"}
)
_HELM = re.compile(r"\{\{.*?\}\}")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
NON_ROOT_NOTE = (
    "runAsNonRoot: true was added: the image must run as a non-root user (a numeric USER in its"
    " Dockerfile, or set runAsUser); the kubelet refuses to start a container whose image runs as root"
)

# Why each check that still fails is not fixed by kubeward (the upstream detail says where).
_WHY = {
    "hostNamespaces": "leaving the host's network, PID or IPC namespace changes how the pod works",
    "privileged": "removing privileged mode changes what the container can do",
    "capabilities_baseline": "removing added capabilities changes what the container can do",
    "capabilities_restricted": "removing added capabilities changes what the container can do",
    "hostPathVolumes": "replacing a hostPath volume changes the pod's storage",
    "restrictedVolumes": "replacing the volume changes the pod's storage",
    "hostPorts": "removing host ports changes how the pod is reached",
    "appArmorProfile": "the manifest asks for an unconfined AppArmor profile explicitly",
    "seLinuxOptions": "the manifest sets an SELinux type, user or role explicitly",
    "procMount": "the manifest asks for an unmasked /proc explicitly",
    "procMount_restricted": "the manifest asks for an unmasked /proc explicitly",
    "seccompProfile_baseline": "the manifest sets a seccomp profile (annotation or field) explicitly",
    "seccompProfile_restricted": "the manifest sets an unconfined (or unknown) seccomp profile explicitly",
    "sysctls": "removing a sysctl changes the pod's kernel settings",
    "windowsHostProcess": "a Windows HostProcess container runs on the host by design",
    "hostProbesAndHostLifecycle": "probes and lifecycle hooks that target another host cannot be moved",
    "allowPrivilegeEscalation": "the manifest sets allowPrivilegeEscalation: true explicitly",
    "runAsNonRoot": "the manifest says the pod runs as root (runAsNonRoot: false or runAsUser: 0);"
    " only the image's author knows whether it can run as another user",
    "runAsUser": "runAsUser: 0 runs as root; only the image's author knows whether it can run as"
    " another user",
}
_WHY_WINDOWS = (
    "a Linux-only field: the API server rejects it on a Windows pod (spec.os.name: windows); use a"
    " policy version of v1.25 or later, where restricted skips it for Windows pods"
)
_WHY_TEMPLATE = "a template is not a manifest: render it first (helm template ...) and harden the output"
_HELM_HINT = " (a Helm/Go template? render it first: helm template ... | kubeward pods harden -)"
_WHY_UNKNOWN = "kubeward does not fix this check"
_WHY_DROP = "securityContext.capabilities.drop is not a list, so ALL cannot be added to it"
_WHY_TEXT = "the document's text could not be edited without changing more than the added fields"


@dataclass(frozen=True, slots=True)
class Change:
    """One edit of an object: ``set`` a field that was unset, or ``add`` an item to a list."""

    path: Path  # in the object's body
    action: str
    value: Any

    def to_dict(self) -> dict[str, Any]:
        return {"path": format_path(self.path), self.action: self.value}

    def __str__(self) -> str:
        return f"{self.action} {format_path(self.path)} = {json.dumps(self.value)}"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an object was left alone: the check that still fails and why kubeward does not fix it."""

    check: str
    reason: str
    detail: str
    why: str

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "reason": self.reason, "detail": self.detail, "why": self.why}

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.reason}{detail}: {self.why}"


@dataclass(frozen=True, slots=True)
class ObjectResult:
    """What happened to one workload: ``compliant`` (nothing to do), ``fixed`` or ``refused``."""

    ref: ObjectRef
    origin: Origin
    status: str
    changes: tuple[Change, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "object": {"kind": self.ref.kind, "namespace": self.ref.namespace, "name": self.ref.name},
            "origin": self.origin.to_dict(),
            "status": self.status,
            "changes": [change.to_dict() for change in self.changes],
            "reasons": [refusal.to_dict() for refusal in self.refusals],
            "notes": list(self.notes),
        }


@dataclass(slots=True)
class HardenResult:
    """The hardened text of one file, a result per workload in it, and the input errors met."""

    text: str
    objects: list[ObjectResult] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


# --- what to change (on the values as Kubernetes reads them) -----------------------------


@dataclass(frozen=True, slots=True)
class _Append:
    """An item to add to a list (a list that is missing is created with it)."""

    item: str


@dataclass(frozen=True, slots=True)
class _Edit:
    """Set ``key`` to ``value`` in the mapping at ``path``; or, when ``key`` is None, append
    ``value`` to the list at ``path``."""

    path: Path  # of the mapping (set) or of the list (append), in the object's body
    key: str | None
    value: Any


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _want(overlay: dict[Any, Any], path: Path, value: Any) -> None:
    for part in path[:-1]:
        overlay = overlay.setdefault(part, {})
    overlay[path[-1]] = value


def _wants(spec: Mapping[str, Any], failing: set[str]) -> dict[Any, Any]:
    """The fields to add to ``spec`` for the fixable ``failing`` checks, as a nested overlay.
    A field the manifest sets (to anything but null) is never in it."""
    overlay: dict[Any, Any] = {}
    if _mapping(spec.get("os")).get("name") == "windows":
        failing = failing - _LINUX_ONLY_CHECKS
    pod = _mapping(spec.get("securityContext"))
    containers = list(iter_containers(spec))

    def context(container: Mapping[str, Any]) -> Mapping[str, Any]:
        return _mapping(container.get("securityContext"))

    if "allowPrivilegeEscalation" in failing:
        for ref in containers:
            if context(ref.container).get("allowPrivilegeEscalation") is None:
                _want(overlay, (*ref.path, "securityContext", "allowPrivilegeEscalation"), False)
    if "capabilities_restricted" in failing:
        for ref in containers:
            drop = _mapping(context(ref.container).get("capabilities")).get("drop")
            if drop is None or (isinstance(drop, list) and "ALL" not in drop):
                _want(overlay, (*ref.path, "securityContext", "capabilities", "drop"), _Append("ALL"))
    if "runAsNonRoot" in failing:
        contexts = [pod, *(context(ref.container) for ref in containers)]
        if (
            pod.get("runAsNonRoot") is None
            and all(each.get("runAsNonRoot") is not False for each in contexts)
            and all(each.get("runAsUser") != 0 for each in contexts)
        ):
            _want(overlay, ("securityContext", "runAsNonRoot"), True)
    if "seccompProfile_restricted" in failing:
        explicit = [_mapping(context(ref.container).get("seccompProfile")).get("type") for ref in containers]
        if _mapping(pod.get("seccompProfile")).get("type") is None and all(
            kind is None or kind in _ALLOWED_SECCOMP for kind in explicit
        ):
            _want(overlay, ("securityContext", "seccompProfile", "type"), "RuntimeDefault")
    return overlay


def _plain(value: Any) -> Any:
    if isinstance(value, _Append):
        return [value.item]
    if isinstance(value, dict):
        return {key: _plain(each) for key, each in value.items()}
    return value


def _edits(existing: Any, overlay: Mapping[Any, Any], path: Path) -> Iterator[_Edit]:
    """The edits that lay ``overlay`` over ``existing`` (at ``path``): a missing or null field
    is set whole; an existing list gets the item appended. A field of the wrong type is left
    (the re-check then reports its check)."""
    for key, want in overlay.items():
        if isinstance(key, int):
            if isinstance(existing, list) and 0 <= key < len(existing):
                yield from _edits(existing[key], want, (*path, key))
            continue
        if not isinstance(existing, Mapping):
            continue
        here = existing.get(key)
        if here is None:
            yield _Edit(path, key, _plain(want))
        elif isinstance(want, dict):
            yield from _edits(here, want, (*path, key))
        elif isinstance(want, _Append) and isinstance(here, list):
            yield _Edit((*path, key), None, want.item)


def _unshared(value: Any) -> Any:
    """A deep copy in which no two places share one object (as go-yaml expands aliases), so
    that an edit of one place is never seen in another."""
    if isinstance(value, dict):
        return {key: _unshared(each) for key, each in value.items()}
    if isinstance(value, list):
        return [_unshared(each) for each in value]
    return value


def _apply(body: Any, edit: _Edit) -> None:
    target = get_path(body, edit.path)
    if edit.key is None:
        target.append(edit.value)
    else:
        target[edit.key] = copy.deepcopy(edit.value)


def _change(edit: _Edit) -> Change:
    if edit.key is None:
        return Change(edit.path, "add", edit.value)
    return Change((*edit.path, edit.key), "set", edit.value)


def _refusals(violations: tuple[podsec.Violation, ...], windows: bool) -> tuple[Refusal, ...]:
    return tuple(
        Refusal(
            violation.check,
            violation.reason,
            violation.detail,
            _WHY_WINDOWS
            if windows and violation.check in _LINUX_ONLY_CHECKS
            else _WHY_DROP
            if violation.check == "capabilities_restricted" and "capabilities.add" not in violation.detail
            else _WHY.get(violation.check, _WHY_UNKNOWN),
        )
        for violation in violations
    )


@dataclass(slots=True)
class _Plan:
    record: Record
    ref: ObjectRef
    status: str
    edits: tuple[_Edit, ...] = ()
    expected: dict[str, Any] | None = None
    refusals: tuple[Refusal, ...] = ()
    notes: tuple[str, ...] = ()

    def result(self, status: str | None = None, refusals: tuple[Refusal, ...] | None = None) -> ObjectResult:
        status = status or self.status
        fixed = status == FIXED
        changes = tuple(_change(edit) for edit in self.edits) if fixed else ()
        return ObjectResult(
            self.ref,
            self.record.origin,
            status,
            changes,
            self.refusals if refusals is None else refusals,
            self.notes if fixed else (),
        )


def _object_ref(body: Mapping[str, Any], group_kind: GroupKind) -> ObjectRef:
    metadata = _mapping(body.get("metadata"))
    name = metadata.get("name") or metadata.get("generateName") or ""
    namespace = metadata.get("namespace") or ""
    return ObjectRef(group_kind.kind, str(name), str(namespace), group_kind.group)


def _plan(record: Record, policy: podsec.Policy) -> _Plan | None:
    """What to do with one object (None when it is not a workload)."""
    body = record.body
    group_kind = GroupKind(split_api_version(str(body["apiVersion"]))[0], str(body["kind"]))
    location = template_location(group_kind, body)
    if location is None:
        return None
    ref = _object_ref(body, group_kind)
    spec = get_path(body, location.spec)
    templated = next(_template_paths(body), None)
    if templated is not None:
        refusal = Refusal("", "Helm/Go template", f"{{{{ }}}} in {format_path(templated)}", _WHY_TEMPLATE)
        return _Plan(record, ref, REFUSED, refusals=(refusal,))
    if not isinstance(spec, Mapping):
        refusal = Refusal(
            "", "no pod template", f"{format_path(location.spec)} is not a mapping", _WHY_UNKNOWN
        )
        return _Plan(record, ref, REFUSED, refusals=(refusal,))
    metadata = _mapping(get_path(body, location.metadata))
    violations = podsec.evaluate(policy, metadata, spec)
    if not violations:
        return _Plan(record, ref, COMPLIANT)
    overlay = _wants(spec, {violation.check for violation in violations})
    edits = tuple(_edits(spec, overlay, location.spec))
    expected = _unshared(body)
    for edit in edits:
        _apply(expected, edit)
    remaining = podsec.evaluate(policy, metadata, get_path(expected, location.spec))
    if remaining:
        windows = _mapping(spec.get("os")).get("name") == "windows"
        return _Plan(record, ref, REFUSED, refusals=_refusals(remaining, windows))
    notes = (NON_ROOT_NOTE,) if "runAsNonRoot" in overlay.get("securityContext", {}) else ()
    return _Plan(record, ref, FIXED, edits, expected, notes=notes)


# --- where to change it (on the text) -----------------------------------------------------


class _Alias(yaml.Node):
    """An alias, kept as its own node so that its own place in the text is known."""

    def __init__(self, target: yaml.Node, start_mark: Any, end_mark: Any) -> None:
        super().__init__("alias", target, start_mark, end_mark)


class _NodeReader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.resolver.BaseResolver,
):
    """PyYAML's composer with the text position of every node (aliases included)."""

    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.resolver.BaseResolver.__init__(self)

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()  # type: ignore[no-untyped-call]
            target = self.anchors.get(event.anchor)
            if target is None:
                raise yaml.composer.ComposerError(
                    None, None, f"unknown alias {event.anchor!r}", event.start_mark
                )
            return _Alias(target, event.start_mark, event.end_mark)
        return super().compose_node(parent, index)


def _compose(text: str) -> list[Any]:
    """The node trees of ``text``. Tabs are read as spaces: PyYAML refuses a tab where YAML
    (and go-yaml) allow it as white space, e.g. before a comment; a tab is one character
    either way, so every position stays right (and each edit is verified afterwards)."""
    reader = _NodeReader(text.replace("\t", " "))
    roots = []
    try:
        while reader.check_node():
            roots.append(reader.get_node())
        return roots
    finally:
        reader.dispose()


def _resolved(node: Any) -> Any:
    while isinstance(node, _Alias):
        node = node.value
    return node


def _entry(node: Any, key: str) -> tuple[Any, Any] | None:
    """The (key, value) nodes of ``key`` in a mapping node: the last one written (as go-yaml
    keeps it), else the one a merge key ``<<`` brings in."""
    node = _resolved(node)
    if not isinstance(node, yaml.MappingNode):
        return None
    found = None
    merges = []
    for written_key, value_node in node.value:
        key_node = _resolved(written_key)
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        if key_node.value == key:
            found = (key_node, value_node)
        elif key_node.value == "<<" and key_node.style is None:
            merges.append(value_node)
    if found is not None:
        return found
    for written_merge in merges:
        merge = _resolved(written_merge)
        sources = merge.value if isinstance(merge, yaml.SequenceNode) else [merge]
        for source in sources:
            entry = _entry(source, key)
            if entry is not None:
                return entry
    return None


def _node_at(root: Any, path: Path) -> Any:
    node = root
    for part in path:
        node = _resolved(node)
        if isinstance(part, int):
            if not isinstance(node, yaml.SequenceNode) or not 0 <= part < len(node.value):
                return None
            node = node.value[part]
        else:
            entry = _entry(node, part)
            if entry is None:
                return None
            node = entry[1]
    return _resolved(node)


@dataclass(frozen=True, slots=True)
class _Style:
    """How the text writes nested blocks: the indentation step of mappings, the offset of a
    sequence's dashes under its key, the newline, and JSON instead of YAML."""

    step: int = 2
    sequence_offset: int = 0
    newline: str = "\n"
    json: bool = False


def _style(text: str, roots: list[Any]) -> _Style:
    steps: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        if not isinstance(node, yaml.MappingNode):
            continue
        for key_node, value_node in node.value:
            stack.append(value_node)
            if node.flow_style or isinstance(value_node, _Alias):
                continue
            column = key_node.start_mark.column
            if isinstance(value_node, yaml.MappingNode) and not value_node.flow_style and value_node.value:
                steps[value_node.value[0][0].start_mark.column - column] += 1
            elif isinstance(value_node, yaml.SequenceNode) and not value_node.flow_style and value_node.value:
                offsets[_dash_column(text, value_node) - column] += 1
    step = max((each for each, _ in steps.most_common(1) if each > 0), default=2)
    offset = max((each for each, _ in offsets.most_common(1) if each >= 0), default=0)
    return _Style(step, offset, "\r\n" if "\r\n" in text else "\n", text.lstrip()[:1] in ("{", "["))


def _dash_column(text: str, sequence: Any) -> int:
    """The column of a block sequence's dashes (its start mark is at its anchor or tag, when
    it has one, on its key's line)."""
    dash = text.rfind("-", 0, sequence.value[0].start_mark.index)
    return dash - (text.rfind("\n", 0, dash) + 1)


def _scalar(value: Any, style: _Style) -> str:
    if style.json or isinstance(value, bool):
        return json.dumps(value)
    return str(value)


def _key(name: str, style: _Style) -> str:
    return json.dumps(name) if style.json else name


def _flow(value: Any, style: _Style) -> str:
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{_key(name, style)}: {_flow(each, style)}" for name, each in value.items())
            + "}"
        )
    if isinstance(value, list):
        return "[" + ", ".join(_flow(each, style) for each in value) + "]"
    return _scalar(value, style)


def _block(key: str, value: Any, indent: int, style: _Style) -> list[str]:
    pad = " " * indent
    key = _key(key, style)
    if isinstance(value, dict):
        lines = [f"{pad}{key}:"]
        for name, each in value.items():
            lines.extend(_block(name, each, indent + style.step, style))
        return lines
    if isinstance(value, list):
        dash = " " * (indent + style.sequence_offset)
        return [f"{pad}{key}:", *(f"{dash}- {_scalar(each, style)}" for each in value)]
    return [f"{pad}{key}: {_scalar(value, style)}"]


def _end(node: Any) -> int:
    """Where the text of a node's last value ends (an alias ends where it is written)."""
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        return _end(last[1] if isinstance(node, yaml.MappingNode) else last)
    return int(node.end_mark.index)


def _after_line(text: str, index: int) -> int:
    """The start of the line after the one ``index`` is on (len(text) at the end)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    text: str
    depth: int  # at one place, deeper insertions go first


def _lines_at(text: str, index: int, lines: list[str], style: _Style, depth: int) -> _Span:
    if index == len(text) and text and not text.endswith("\n"):
        return _Span(index, index, style.newline + style.newline.join(lines), depth)
    return _Span(index, index, style.newline.join(lines) + style.newline, depth)


def _set_spans(text: str, mapping: Any, items: list[tuple[str, Any]], style: _Style) -> Iterator[_Span]:
    """Spans that set ``items`` (keys missing or null) in ``mapping``, written as its keys are
    (double-quoted keys get JSON-style new ones)."""
    first = _resolved(mapping.value[0][0]) if mapping.value else None
    if isinstance(first, yaml.ScalarNode) and first.style == '"':
        style = replace(style, json=True)
    new: list[tuple[str, Any]] = []
    for key, value in items:
        entry = _entry(mapping, key)
        own = entry is not None and any(entry[0] is _resolved(k) for k, _ in mapping.value)
        value_node = _resolved(entry[1]) if entry is not None else None
        if not own or not isinstance(value_node, yaml.ScalarNode) or value_node.value not in _NULLS:
            new.append((key, value))
            continue
        assert entry is not None
        yield from _replace_null(text, mapping, entry[0], entry[1], key, value, style)
    if not new:
        return
    if mapping.flow_style:
        entries = [f"{_key(key, style)}: {_flow(value, style)}" for key, value in new]
        if not mapping.value:
            start = mapping.start_mark.index + 1
            yield _Span(start, start, ", ".join(entries), 0)
            return
        last_key, last_value = mapping.value[-1]
        if last_key.start_mark.line > mapping.start_mark.line:  # one entry a line: so are the new ones
            lead = style.newline + " " * last_key.start_mark.column
            yield _Span(
                _end(last_value), _end(last_value), "".join(f",{lead}{entry}" for entry in entries), 0
            )
        else:
            yield _Span(_end(last_value), _end(last_value), "".join(f", {entry}" for entry in entries), 0)
        return
    column = mapping.value[0][0].start_mark.column
    lines = [line for key, value in new for line in _block(key, value, column, style)]
    yield _lines_at(text, _after_line(text, _end(mapping)), lines, style, column)


def _replace_null(
    text: str, mapping: Any, key_node: Any, value_node: Any, key: str, value: Any, style: _Style
) -> Iterator[_Span]:
    """Spans that give a key written with a null value (``key:``, ``key: ~``) its value."""
    colon = text.index(":", key_node.end_mark.index)
    start = end = colon + 1
    if value_node.value:  # ``~`` or ``null``: its own text goes
        end = value_node.end_mark.index
        start = (
            colon + 1
            if not text[colon + 1 : value_node.start_mark.index].strip()
            else value_node.start_mark.index
        )
    if mapping.flow_style or not isinstance(value, (dict, list)):
        yield _Span(start, end, " " + _flow(value, style), 0)
        return
    if end > start:
        yield _Span(start, end, "", 0)
    column = key_node.start_mark.column
    lines = _block(key, value, column, style)[1:]
    yield _lines_at(text, _after_line(text, end), lines, style, column + 1)


def _append_span(text: str, sequence: Any, item: str, style: _Style) -> _Span:
    last = sequence.value[-1] if sequence.value else None
    quote = last.style if isinstance(last, yaml.ScalarNode) and last.style in ('"', "'") else ""
    written = json.dumps(item) if style.json else f"{quote}{item}{quote}"
    if sequence.flow_style:
        if last is None:
            return _Span(sequence.start_mark.index + 1, sequence.start_mark.index + 1, written, 0)
        return _Span(_end(last), _end(last), ", " + written, 0)
    column = _dash_column(text, sequence)
    return _lines_at(text, _after_line(text, _end(sequence)), [f"{' ' * column}- {written}"], style, column)


def _splice(text: str, spans: list[_Span]) -> str | None:
    """``text`` with the spans applied (None when two of them overlap)."""
    out: list[str] = []
    position = 0
    for span in sorted(spans, key=lambda span: (span.start, -span.depth)):
        if span.start < position:
            return None
        out.append(text[position : span.start])
        out.append(span.text)
        position = span.end
    out.append(text[position:])
    return "".join(out)


def _spans(text: str, root: Any, base: Path, edits: tuple[_Edit, ...], style: _Style) -> list[_Span] | None:
    """The text spans of ``edits`` (paths below ``base`` in the document), each node edited
    once however many aliases reach it; None when a node is not where the edits expect it."""
    sets: dict[int, tuple[Any, list[tuple[str, Any]]]] = {}
    appended: dict[int, tuple[Any, str]] = {}
    for edit in edits:
        node = _node_at(root, (*base, *edit.path))
        if edit.key is None:
            if not isinstance(node, yaml.SequenceNode):
                return None
            appended.setdefault(id(node), (node, edit.value))
            continue
        if not isinstance(node, yaml.MappingNode):
            return None
        _, items = sets.setdefault(id(node), (node, []))
        if all(key != edit.key for key, _ in items):
            items.append((edit.key, edit.value))
    spans = [span for node, items in sets.values() for span in _set_spans(text, node, items, style)]
    spans.extend(_append_span(text, node, item, style) for node, item in appended.values())
    return spans


def _records(
    file: str, text: str, line_offset: int, first_index: int
) -> tuple[list[Record], list[InputError], int]:
    """The objects of a chunk, its input errors, and how many documents it holds."""
    documents = list(compose_documents(text, line_offset=line_offset, first_index=first_index))
    return (*records_from_documents(file, documents), len(documents))


def _edited(file: str, text: str, plans: list[_Plan], line_offset: int, first_index: int) -> str | None:
    """``text`` (one chunk of a stream) with the edits of ``plans``, verified: read again, it
    holds the same objects, the planned ones as expected and the others unchanged."""
    try:
        roots = _compose(text)
    except yaml.YAMLError:
        return None
    style = _style(text, roots)
    spans: list[_Span] = []
    for plan in plans:
        document = plan.record.origin.document - first_index
        found = (
            _spans(text, roots[document], plan.record.origin.path, plan.edits, style)
            if 0 <= document < len(roots)
            else None
        )
        if found is None:
            return None
        spans.extend(found)
    new_text = _splice(text, spans)
    if new_text is None:
        return None
    before, _, _ = _records(file, text, line_offset, first_index)
    after, errors, _ = _records(file, new_text, line_offset, first_index)
    if any(error.fatal for error in errors) or len(before) != len(after):
        return None
    expected = {(plan.record.origin.document, plan.record.origin.path): plan.expected for plan in plans}
    for old, new in zip(before, after, strict=True):
        if new.body != expected.get((old.origin.document, old.origin.path), old.body):
            return None
    return new_text


def _template_paths(value: Any, path: Path = ()) -> Iterator[Path]:
    """Where a value holds a Helm/Go template action ``{{ }}``."""
    if isinstance(value, str):
        if _HELM.search(value):
            yield path
    elif isinstance(value, Mapping):
        for key, each in value.items():
            yield from _template_paths(each, (*path, key))
    elif isinstance(value, list):
        for index, each in enumerate(value):
            yield from _template_paths(each, (*path, index))


def _chunks(text: str) -> Iterator[tuple[str, int]]:
    """The documents of a stream as the sources split it, each with the lines before it;
    every byte is in exactly one chunk."""
    starts = [0, *(match.end() for match in re.finditer("\n", text))]
    offsets = [chunk.line_offset for chunk in split_yaml_stream(text)]
    for number, offset in enumerate(offsets):
        begin = starts[offset] if offset < len(starts) else len(text)
        end = starts[offsets[number + 1]] if number + 1 < len(offsets) else len(text)
        yield text[begin:end], offset


def harden_text(file: str, text: str, policy: podsec.Policy) -> HardenResult:
    """Harden every workload of a YAML or JSON stream (``file`` names it in messages).

    Documents that cannot be read, and Helm templates, are reported and left as they are;
    every other document is still hardened. The result's text equals ``text`` except for
    the edits of the objects reported ``fixed``."""
    result = HardenResult(text)
    pieces: list[str] = []
    index = 0
    for original, line_offset in _chunks(text):
        chunk = original
        first_index = index
        records, errors, documents = _records(file, chunk, line_offset, first_index)
        index += documents
        template = _HELM.search(chunk) is not None
        for error in errors:
            result.errors.append(replace(error, message=error.message + _HELM_HINT) if template else error)
        plans = [plan for plan in (_plan(record, policy) for record in records) if plan is not None]
        fixes = [plan for plan in plans if plan.status == FIXED]
        edited = _edited(file, chunk, fixes, line_offset, first_index) if fixes else None
        failed: set[int] = set()
        if edited is not None:  # all at once (the common case), else one by one
            chunk = edited
        else:
            for plan in fixes:
                one = _edited(file, chunk, [plan], line_offset, first_index)
                if one is None:
                    failed.add(id(plan))
                else:
                    chunk = one
        for plan in plans:
            if id(plan) in failed:
                result.objects.append(plan.result(REFUSED, (Refusal("", "not edited", "", _WHY_TEXT),)))
            else:
                result.objects.append(plan.result())
        pieces.append(chunk)
    result.text = "".join(pieces)
    return result
