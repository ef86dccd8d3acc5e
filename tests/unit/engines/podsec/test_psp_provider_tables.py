"""Row-for-row ports of upstream's provider tables (tests/data/psp/provider_tables.yaml),
TestValidateAllowedVolumes over every volume source, and the non-mutating tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kubeward.engines.podsec import psp
from kubeward.engines.podsec.psp_strategies import VOLUME_SOURCES

TABLES = yaml.safe_load((Path(__file__).parents[3] / "data/psp/provider_tables.yaml").read_text())
BASE = {
    "allowPrivilegeEscalation": True,
    "runAsUser": {"rule": "RunAsAny"},
    "runAsGroup": {"rule": "RunAsAny"},
    "seLinux": {"rule": "RunAsAny"},
    "supplementalGroups": {"rule": "RunAsAny"},
    "fsGroup": {"rule": "RunAsAny"},
}


def _policy(annotations: dict[str, str] | None = None, **spec: Any) -> psp.CompiledPolicy:
    body = {"metadata": {"annotations": annotations or {}}, "spec": {**BASE, **spec}}
    return psp.compile_policy("psp-sa", {k: v for k, v in body.items() if v is not None})


def _pod(**container_context: Any) -> dict[str, Any]:
    context = {"privileged": False, **{k: v for k, v in container_context.items() if v is not None}}
    return {"securityContext": {}, "containers": [{"name": "test-c", "securityContext": context}]}


def _container_value(mutations: tuple[psp.Mutation, ...], spec: dict[str, Any], key: str) -> Any:
    changed = {m.path: m.value for m in mutations}
    return changed.get(
        f"spec.containers[0].securityContext.{key}", spec["containers"][0]["securityContext"].get(key)
    )


@pytest.mark.parametrize("row", TABLES["allow_privilege_escalation"])
def test_allow_privilege_escalation(row: list[Any]) -> None:
    psp_ape, psp_dape, pod_ape, expect_error, expect_ape = row
    spec = {"allowPrivilegeEscalation": psp_ape}
    if psp_dape is not None:
        spec["defaultAllowPrivilegeEscalation"] = psp_dape
    pod = _pod(allowPrivilegeEscalation=pod_ape)
    errors, mutations = psp.check(_policy(**spec), {}, pod)
    assert bool(errors) == expect_error
    if not expect_error:
        assert _container_value(mutations, pod, "allowPrivilegeEscalation") == expect_ape


@pytest.mark.parametrize("row", TABLES["read_only_root_filesystem"])
def test_read_only_root_filesystem_defaulting(row: list[Any]) -> None:
    psp_value, pod_value, expected = row
    pod = _pod(readOnlyRootFilesystem=pod_value)
    _, mutations = psp.check(_policy(readOnlyRootFilesystem=psp_value), {}, pod)
    assert _container_value(mutations, pod, "readOnlyRootFilesystem") == expected


@pytest.mark.parametrize("row", TABLES["default_runtime_class"])
def test_default_runtime_class_name(row: list[Any]) -> None:
    strategy, pod_class, expected = row
    pod = {**_pod(), **({"runtimeClassName": pod_class} if pod_class else {})}
    _, mutations = psp.check(_policy(runtimeClass=strategy), {}, pod)
    changed = {m.path: m.value for m in mutations}
    assert changed.get("spec.runtimeClassName", pod.get("runtimeClassName")) == expected
    assert set(changed) <= {"spec.runtimeClassName"}


@pytest.mark.parametrize("row", TABLES["allowed_runtime_classes"])
def test_allowed_runtime_class_names(row: list[Any]) -> None:
    strategy, valid, invalid = row
    policy = _policy(runtimeClass=strategy)
    for name, expect_valid in [(n, True) for n in valid] + [(n, False) for n in invalid]:
        pod = {**_pod(), **({"runtimeClassName": name} if name else {})}
        errors, _ = psp.check(policy, {}, pod, mutate=False)
        assert (not errors) == expect_valid, name


@pytest.mark.parametrize("source", VOLUME_SOURCES)
def test_validate_allowed_volumes(source: str) -> None:
    """Every volume source: refused by a policy with no volumes, allowed by its own type and by *."""
    pod = {**_pod(), "volumes": [{"name": "v", source: {}}]}
    fs_type = "cephFS" if source == "cephfs" else source
    errors, _ = psp.check(_policy(), {}, pod, mutate=False)
    assert [str(e) for e in errors] == [
        f'spec.volumes[0]: Invalid value: "{fs_type}": {fs_type} volumes are not allowed to be used'
    ]
    for allowed in ([fs_type], ["*"]):
        errors, _ = psp.check(_policy(volumes=allowed), {}, pod, mutate=False)
        assert errors == ()


@pytest.mark.parametrize("container_context", [None, {"runAsNonRoot": False}])
def test_permissive_policy_does_not_mutate(container_context: dict[str, Any] | None) -> None:
    """TestMutatePodNonmutating / TestMutateContainerNonmutating."""
    policy = _policy({"seccomp.security.alpha.kubernetes.io/allowedProfileNames": "*"})
    container: dict[str, Any] = {"name": "c"}
    if container_context is not None:
        container["securityContext"] = container_context
    _, mutations = psp.check(policy, {}, {"securityContext": {}, "containers": [container]})
    assert mutations == ()
