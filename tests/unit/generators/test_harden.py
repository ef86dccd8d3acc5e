"""kubeward.generators.harden: golden input/output pairs, table-driven decisions per policy
version, and a property test that hardened templates pass restricted (or are left alone)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from golden import UPDATE, check_golden
from kubeward.engines import podsec
from kubeward.generators.harden import COMPLIANT, FIXED, REFUSED, harden_text
from kubeward.k8s.objects import GroupKind, split_api_version
from kubeward.k8s.workloads import template_location
from kubeward.sources.goyaml import compose_documents
from kubeward.sources.records import records_from_documents

DATA = Path(__file__).parents[2] / "data" / "harden"
INPUTS = sorted(path for path in DATA.iterdir() if ".in." in path.name)
LATEST = podsec.parse_policy("restricted")


def _read(path: Path) -> str:
    return path.read_bytes().decode()  # newlines as written (CRLF stays CRLF)


def _check_text(path: Path, actual: str) -> None:
    """:func:`check_golden` byte for byte (CRLF and a missing final newline are part of it)."""
    if UPDATE:
        path.write_bytes(actual.encode())
        return
    assert path.exists(), f"{path} is missing: run with KUBEWARD_UPDATE_FIXTURES=1 to create it"
    assert actual == _read(path), f"{path} is out of date: run with KUBEWARD_UPDATE_FIXTURES=1 and review"


def _report(result: Any) -> str:
    document = {
        "results": [each.to_dict() for each in result.objects],
        "errors": [{"line": error.line, "message": error.message} for error in result.errors],
    }
    return json.dumps(document, indent=2) + "\n"


def _templates(text: str) -> list[tuple[str, Any, Any]]:
    """(name, metadata, spec) of each workload in ``text``, read as Kubernetes reads it."""
    records, _ = records_from_documents("-", compose_documents(text))
    out = []
    for record in records:
        body = record.body
        location = template_location(GroupKind(split_api_version(body["apiVersion"])[0], body["kind"]), body)
        if location is None:
            continue
        spec, metadata = body, body
        for part in location.spec:
            spec = spec[part]
        for part in location.metadata:
            metadata = metadata.get(part) or {}
        out.append((str(body.get("metadata", {}).get("name")), metadata, spec))
    return out


@pytest.mark.parametrize("source", INPUTS, ids=[path.name for path in INPUTS])
def test_golden(source: Path) -> None:
    text = _read(source)
    result = harden_text(source.name, text, LATEST)
    expected = source.with_name(source.name.replace(".in.", ".out."))
    if expected.exists() or result.text != text:
        _check_text(expected, result.text)
    else:
        assert result.text == text
    check_golden(source.with_name(source.name.split(".in.")[0] + ".results.json"), _report(result))
    # the output is what the report says: fixed objects pass, and hardening again changes nothing
    fixed = {each.ref.name for each in result.objects if each.status == FIXED}
    for name, metadata, spec in _templates(result.text):
        if name in fixed:
            assert podsec.evaluate(LATEST, metadata, spec) == ()
    again = harden_text(source.name, result.text, LATEST)
    assert again.text == result.text
    assert all(each.status in (COMPLIANT, REFUSED) for each in again.objects)


def test_only_the_added_lines_change() -> None:
    """Every line of the input is still in the output, in order (insertions only)."""
    for name in ("anchors", "broken", "comments", "crlf", "odd-indent", "refused", "windows", "yaml11"):
        source = DATA / f"{name}.in.yaml"
        before = _read(source).splitlines()
        after = iter(harden_text(source.name, _read(source), LATEST).text.splitlines())
        assert all(any(line == each for each in after) for line in before), source.name


def test_crlf_and_missing_final_newline_are_kept() -> None:
    text = _read(DATA / "crlf.in.yaml")
    out = harden_text("crlf.yaml", text, LATEST).text
    assert out.count("\n") == out.count("\r\n") > text.count("\r\n")
    assert not out.endswith("\n")


POD = """apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
{spec}"""

# (pod spec lines, policy version, expected status, the fields set or added)
CASES = [
    ("  containers:\n  - name: a\n    image: a\n", "v1.7", FIXED, ["spec.securityContext"]),
    (
        "  containers:\n  - name: a\n    image: a\n",
        "v1.8",
        FIXED,
        ["spec.containers[0].securityContext", "spec.securityContext"],
    ),
    # v1.8-v1.18: no seccomp and no capabilities in restricted
    (
        "  securityContext: {runAsNonRoot: true}\n  containers:\n  - name: a\n    image: a\n",
        "v1.18",
        FIXED,
        ["spec.containers[0].securityContext"],
    ),
    (
        "  securityContext: {runAsNonRoot: true}\n  containers:\n  - name: a\n    image: a\n",
        "v1.19",
        FIXED,
        ["spec.containers[0].securityContext", "spec.securityContext.seccompProfile"],
    ),
    # a container that sets an allowed seccomp profile itself needs no pod-level one
    (
        "  securityContext: {runAsNonRoot: true}\n  containers:\n  - name: a\n    image: a\n"
        "    securityContext: {seccompProfile: {type: Localhost, localhostProfile: p.json},"
        " allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n",
        "latest",
        COMPLIANT,
        [],
    ),
    # drop ALL is matched literally: "all" stays and "ALL" is added
    (
        "  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n"
        "  containers:\n  - name: a\n    image: a\n"
        "    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [all]}}\n",
        "latest",
        FIXED,
        ["spec.containers[0].securityContext.capabilities.drop"],
    ),
    # Windows pods: Linux-only fields are never added; before v1.25 restricted requires them
    (
        "  os: {name: windows}\n  containers:\n  - name: a\n    image: a\n",
        "v1.25",
        FIXED,
        ["spec.securityContext"],
    ),
    ("  os: {name: windows}\n  containers:\n  - name: a\n    image: a\n", "v1.24", REFUSED, []),
    # user namespaces (v1.35+): runAsNonRoot and runAsUser are not required
    (
        "  hostUsers: false\n  securityContext: {runAsUser: 0}\n  containers:\n  - name: a\n    image: a\n",
        "latest",
        FIXED,
        ["spec.containers[0].securityContext", "spec.securityContext.seccompProfile"],
    ),
    (
        "  hostUsers: false\n  securityContext: {runAsUser: 0}\n  containers:\n  - name: a\n    image: a\n",
        "v1.34",
        REFUSED,
        [],
    ),
    # a check kubeward does not fix, with init and ephemeral containers
    (
        "  initContainers:\n  - name: i\n    image: i\n    securityContext: {procMount: Unmasked}\n"
        "  containers:\n  - name: a\n    image: a\n",
        "latest",
        REFUSED,
        [],
    ),
    (
        "  containers:\n  - name: a\n    image: a\n"
        "    livenessProbe: {httpGet: {host: example.com, port: 80}}\n",
        "latest",
        REFUSED,
        [],
    ),
    (
        "  securityContext: {sysctls: [{name: kernel.msgmax, value: '1'}]}\n"
        "  containers:\n  - name: a\n    image: a\n",
        "latest",
        REFUSED,
        [],
    ),
    (
        "  containers:\n  - name: a\n    image: a\n    securityContext: {seLinuxOptions: {type: spc_t}}\n",
        "latest",
        REFUSED,
        [],
    ),
]


@pytest.mark.parametrize(("spec", "version", "status", "changed"), CASES)
def test_decisions(spec: str, version: str, status: str, changed: list[str]) -> None:
    text = POD.format(spec=spec)
    result = harden_text("p.yaml", text, podsec.parse_policy("restricted", version))
    [outcome] = result.objects
    assert outcome.status == status, outcome
    assert [change.to_dict()["path"] for change in outcome.changes] == changed
    if status == REFUSED:
        assert result.text == text
        assert outcome.refusals and all(refusal.why for refusal in outcome.refusals)


def test_windows_refusal_says_why() -> None:
    text = POD.format(spec="  os: {name: windows}\n  containers:\n  - name: a\n    image: a\n")
    [outcome] = harden_text("p.yaml", text, podsec.parse_policy("restricted", "v1.24")).objects
    assert {refusal.check for refusal in outcome.refusals} >= {"allowPrivilegeEscalation"}
    assert all("Windows" in r.why for r in outcome.refusals if r.check == "allowPrivilegeEscalation")


def test_an_edit_that_cannot_be_verified_is_not_made() -> None:
    """The anchored securityContext is also used outside the pod template: editing it would
    change more than the template, so the object is left alone."""
    text = (
        POD.format(
            spec="  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n"
            "  containers:\n  - name: a\n    image: a\n    securityContext: &sc {runAsUser: 1000}\n"
        )
        + "extra: *sc\n"
    )
    result = harden_text("p.yaml", text, LATEST)
    assert result.text == text
    [outcome] = result.objects
    assert outcome.status == REFUSED and outcome.refusals[0].reason == "not edited"


def test_helm_templates_are_refused() -> None:
    source = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec: {}\n"
    result = harden_text("t.yaml", source, LATEST)
    assert result.text == source
    assert "helm template" in result.errors[0].message and result.errors[0].line == 4
    quoted = POD.format(spec='  containers:\n  - name: a\n    image: "{{ .Values.image }}"\n')
    [outcome] = harden_text("t.yaml", quoted, LATEST).objects
    assert outcome.status == REFUSED and "spec.containers[0].image" in outcome.refusals[0].detail


# --- property: hardened output passes restricted, or the object is left byte-for-byte -----

_BOOLS = st.sampled_from([None, True, False])


@st.composite
def _container(draw: st.DrawFn, name: str) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for key, values in (
        ("allowPrivilegeEscalation", _BOOLS),
        ("privileged", _BOOLS),
        ("runAsNonRoot", _BOOLS),
        ("runAsUser", st.sampled_from([None, 0, 1000])),
        ("seccompProfile", st.sampled_from([None, {"type": "RuntimeDefault"}, {"type": "Unconfined"}])),
        ("procMount", st.sampled_from([None, "Default", "Unmasked"])),
        (
            "capabilities",
            st.sampled_from(
                [
                    None,
                    {},
                    {"drop": ["ALL"]},
                    {"drop": ["NET_RAW"]},
                    {"add": ["NET_BIND_SERVICE"]},
                    {"add": ["SYS_ADMIN"]},
                ]
            ),
        ),
    ):
        value = draw(values)
        if value is not None:
            context[key] = value
    container: dict[str, Any] = {"name": name, "image": "image"}
    shape = draw(st.sampled_from(["absent", "null", "mapping"]))
    if shape == "null":
        container["securityContext"] = None
    elif shape == "mapping":
        container["securityContext"] = context
    if draw(st.booleans()):
        container["ports"] = [{"containerPort": 80, **({"hostPort": 80} if draw(st.booleans()) else {})}]
    return container


@st.composite
def _workload(draw: st.DrawFn) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [draw(_container(f"c{index}")) for index in range(draw(st.integers(1, 3)))]
    }
    if draw(st.booleans()):
        spec["initContainers"] = [draw(_container("init"))]
    pod: dict[str, Any] = {}
    for key, values in (
        ("runAsNonRoot", _BOOLS),
        ("runAsUser", st.sampled_from([None, 0, 1000])),
        ("seccompProfile", st.sampled_from([None, {"type": "RuntimeDefault"}, {"type": "Unconfined"}])),
    ):
        value = draw(values)
        if value is not None:
            pod[key] = value
    if pod or draw(st.booleans()):
        spec["securityContext"] = pod
    for key in ("hostNetwork", "hostUsers"):
        value = draw(_BOOLS)
        if value is not None:
            spec[key] = value
    if draw(st.booleans()):
        spec["volumes"] = [
            draw(st.sampled_from([{"name": "v", "emptyDir": {}}, {"name": "v", "hostPath": {"path": "/"}}]))
        ]
    if draw(st.booleans()):
        spec["os"] = {"name": draw(st.sampled_from(["linux", "windows"]))}
    if draw(st.booleans()):
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}
    template = {"metadata": {"labels": {"app": "a"}}, "spec": spec}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"template": template},
    }


def _unfixable(policy: podsec.Policy, body: dict[str, Any]) -> set[str]:
    """Reference: the checks a brute-force fix (every unset restricted field set, whatever
    else the object says) leaves failing, plus those kubeward leaves alone on purpose:
    runAsNonRoot when something says root, Linux-only fields on Windows pods."""
    fixed = copy.deepcopy(body)
    spec = fixed["spec"] if fixed["kind"] == "Pod" else fixed["spec"]["template"]["spec"]
    pod = spec.get("securityContext") or {}
    spec["securityContext"] = pod
    pod.setdefault("runAsNonRoot", True)
    pod.setdefault("seccompProfile", {"type": "RuntimeDefault"})
    contexts = [pod]
    for container in spec["containers"] + spec.get("initContainers", []):
        context = container.get("securityContext") or {}
        container["securityContext"] = context
        contexts.append(context)
        context.setdefault("allowPrivilegeEscalation", False)
        capabilities = context.setdefault("capabilities", {})
        capabilities["drop"] = [*capabilities.get("drop", []), "ALL"]
    out = {violation.check for violation in podsec.evaluate(policy, {}, spec)}
    if any(each.get("runAsNonRoot") is False or each.get("runAsUser") == 0 for each in contexts):
        out.add("runAsNonRoot")
    if spec.get("os", {}).get("name") == "windows":
        out |= {"allowPrivilegeEscalation", "capabilities_restricted", "seccompProfile_restricted"}
    return out


@given(
    _workload(),
    st.sampled_from([None, True, False]),
    st.sampled_from([2, 4]),
    st.sampled_from(["latest", "v1.24", "v1.30"]),
)
def test_property_harden_passes_or_leaves_alone(
    body: dict[str, Any], flow: bool | None, indent: int, version: str
) -> None:
    policy = podsec.parse_policy("restricted", version)
    text = yaml.safe_dump(body, default_flow_style=flow, indent=indent, sort_keys=False, width=10_000)
    result = harden_text("w.yaml", text, policy)
    [outcome] = result.objects
    [(_, metadata, spec)] = _templates(result.text)
    if outcome.status == REFUSED:
        assert result.text == text
        assert outcome.refusals
        assert {refusal.check for refusal in outcome.refusals} <= _unfixable(policy, body)
    else:
        assert podsec.evaluate(policy, metadata, spec) == ()
        assert (outcome.status == COMPLIANT) == (result.text == text)
    again = harden_text("w.yaml", result.text, policy)
    assert again.text == result.text


def test_one_object_that_cannot_be_edited_does_not_stop_the_others() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: Pod\n  metadata: {name: fine}\n"
        "  spec:\n    containers: [{name: a, image: a}]\n"
        "- apiVersion: v1\n  kind: Pod\n  metadata: {name: shared}\n  spec:\n"
        "    securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n"
        "    containers: [{name: a, image: a, securityContext: &sc {runAsUser: 1000}}]\n"
        "  extra: *sc\n"
    )
    result = harden_text("l.yaml", text, LATEST)
    assert [(each.ref.name, each.status) for each in result.objects] == [("fine", FIXED), ("shared", REFUSED)]
    assert result.text.endswith(
        text[text.index("- apiVersion: v1\n  kind: Pod\n  metadata: {name: shared}") :]
    )
