"""Parsing the kube-apiserver command line of a static pod (engines/authn/apiserver_flags.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import load_text
from kubeward.engines.authn.apiserver_flags import (
    BOOLEAN_FLAGS,
    apiserver_container,
    apiserver_flags,
    find_apiserver_pods,
    last,
    parse_flags,
)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["--a=1", "--b", "2"], {"a": ["1"], "b": ["2"]}),
        (["--x=1", "--x=2", "--x", "3"], {"x": ["1", "2", "3"]}),
        (["--anonymous-auth", "--b=1"], {"anonymous-auth": ["true"], "b": ["1"]}),
        (["--anonymous-auth", "false"], {"anonymous-auth": ["true"]}),  # pflag: bool needs '='
        (["--anonymous-auth=false"], {"anonymous-auth": ["false"]}),
        (["--a=x=y,z"], {"a": ["x=y,z"]}),
        (["--a", "--b=1"], {"a": [""], "b": ["1"]}),
        (["--a=1", "--", "--b=2"], {"a": ["1"]}),
        (["positional", "-v=2"], {"v": ["2"]}),
    ],
)
def test_parse_flags(words: list[str], expected: dict[str, list[str]]) -> None:
    assert parse_flags(words) == expected


@pytest.mark.parametrize(
    "container",
    [
        {"name": "c", "command": ["kube-apiserver", "--a=1"], "args": ["--b", "2"]},
        {"name": "c", "command": ["/usr/local/bin/kube-apiserver"], "args": ["--a=1", "--b=2"]},
        {"name": "c", "command": ["sh", "-c", "exec kube-apiserver --a=1 --b '2'"]},
        {"name": "c", "image": "registry.k8s.io/kube-apiserver:v1.31.4", "args": ["--a=1", "--b=2"]},
    ],
)
def test_command_forms(container: dict[str, Any]) -> None:
    spec = {"containers": [{"name": "sidecar", "image": "busybox", "command": ["sleep"]}, container]}
    assert apiserver_container(spec) is container
    assert apiserver_flags(spec) == {"a": ["1"], "b": ["2"]}


def test_not_an_apiserver() -> None:
    spec = {"containers": [{"name": "c", "image": "nginx", "command": ["nginx", "--a=1"]}]}
    assert apiserver_container(spec) is None
    assert apiserver_flags(spec) == {}


def test_last() -> None:
    assert last({"x": ["1", "2"]}, "x") == "2"
    assert last({"x": []}, "x") is None
    assert last({}, "x") is None


def test_find_apiserver_pods_only_in_kube_system() -> None:
    text = """
apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver-cp-1, namespace: kube-system}
spec: {containers: [{name: a, image: x, command: [kube-apiserver, --secure-port=6443]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: fake, namespace: default}
spec: {containers: [{name: a, image: x, command: [kube-apiserver]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system}
spec: {containers: [{name: a, image: coredns}]}
"""
    snapshot = load_text(text).snapshot
    assert [pod.ref.name for pod in find_apiserver_pods(snapshot)] == ["kube-apiserver-cp-1"]


_NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True).filter(lambda n: n not in BOOLEAN_FLAGS)
_VALUES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12).filter(
    lambda v: not v.startswith("-")
)


@given(st.lists(st.tuples(_NAMES, _VALUES, st.booleans()), max_size=8))
def test_both_forms_and_repeats_round_trip(items: list[tuple[str, str, bool]]) -> None:
    words: list[str] = []
    expected: dict[str, list[str]] = {}
    for name, value, joined in items:
        words.extend([f"--{name}={value}"] if joined or not value else [f"--{name}", value])
        expected.setdefault(name, []).append(value)
    assert parse_flags(words) == expected
