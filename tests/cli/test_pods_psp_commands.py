"""``kubeward pods psp-check`` and ``kubeward pods migrate-psp`` on a PSP-era cluster
(tests/data/psp/cluster.yaml): RBAC through the real engine, controller service accounts,
RoleBindings per namespace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli_helpers import run_cli

CLUSTER = str(Path(__file__).parents[1] / "data/psp/cluster.yaml")


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, dict[str, Any]]]:
    outcome = run_cli(capsys, "pods", "psp-check", CLUSTER, "-o", "json", *args)
    results = json.loads(outcome.out)["results"]
    return outcome.code, {
        f"{r['object']['kind']} {r['object']['namespace']}/{r['object']['name']}": r for r in results
    }


def test_psp_check_decides_each_pod_and_template(capsys: pytest.CaptureFixture[str]) -> None:
    code, results = _check(capsys)
    assert code == 1
    assert {name: (r["allowed"], r["policy"]) for name, r in results.items()} == {
        "DaemonSet monitoring/node-exporter": (True, "privileged"),  # its own SA's RoleBinding
        "Deployment web/frontend": (True, "restricted"),  # mutated to fit
        "Deployment web/debug": (False, None),
        "Pod web/adhoc": (False, None),  # no --as: only its service account, which may use nothing
    }
    frontend = results["Deployment web/frontend"]
    assert frontend["requester"]["user"] == "system:serviceaccount:kube-system:replicaset-controller"
    assert {m["field"]: m["value"] for m in frontend["mutations"]} == {
        "spec.securityContext.supplementalGroups": [1],
        "spec.securityContext.fsGroup": 1,
        "spec.securityContext.seLinuxOptions": {"level": "s0:c123,c456"},
        "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]": "runtime/default",
        "metadata.annotations[container.apparmor.security.beta.kubernetes.io/nginx]": "runtime/default",
        "spec.containers[0].securityContext.runAsNonRoot": True,
        "spec.containers[0].securityContext.capabilities": {"drop": ["ALL"]},
        "spec.containers[0].securityContext.allowPrivilegeEscalation": False,
    }
    debug = results["Deployment web/debug"]
    assert debug["message"] == (
        "PodSecurityPolicy: unable to admit pod: [spec.containers[0].securityContext.privileged: "
        "Invalid value: true: Privileged containers are not allowed]"
    )
    assert [(a["policy"], a["authorized"]) for a in debug["attempts"]] == [
        ("privileged", False),  # the kube-system RoleBinding does not reach namespace web
        ("restricted", True),
    ]


@pytest.mark.parametrize(
    ("args", "allowed", "policy"),
    [
        (["--as", "alice"], False, None),  # restricted via system:authenticated refuses hostNetwork
        (["--as", "root", "--as-group", "system:masters"], True, "privileged"),
    ],
)
def test_psp_check_as_user_for_bare_pods(
    capsys: pytest.CaptureFixture[str], args: list[str], allowed: bool, policy: str | None
) -> None:
    _, results = _check(capsys, *args)
    adhoc = results["Pod web/adhoc"]
    assert (adhoc["allowed"], adhoc["policy"]) == (allowed, policy)


def test_psp_check_text_names_the_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "pods", "psp-check", CLUSTER)
    assert outcome.code == 1
    assert "Deployment web/frontend: admitted and changed by restricted" in outcome.out
    assert "  restricted: spec.containers[0].securityContext.privileged: Invalid value: true:" in outcome.out


def test_psp_check_without_policies_is_an_input_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "pod.yaml"
    source.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n"
    )
    outcome = run_cli(capsys, "pods", "psp-check", str(source))
    assert outcome.code == 2
    assert "no PodSecurityPolicy" in outcome.err


def test_migrate_psp_levels_and_namespace_labels(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "pods", "migrate-psp", CLUSTER, "-o", "json")
    assert outcome.code == 0
    data = json.loads(outcome.out)
    assert {p["policy"]: (p["level"], p["mutating"]) for p in data["policies"]} == {
        "privileged": ("privileged", False),
        "restricted": ("restricted", True),
    }
    namespaces = {
        n["namespace"]: (n["level"], [p["policy"] for p in n["policies"]]) for n in data["namespaces"]
    }
    assert namespaces == {
        "empty": ("restricted", ["restricted"]),
        "kube-system": ("privileged", ["privileged", "restricted"]),
        "monitoring": ("privileged", ["privileged", "restricted"]),  # node-exporter's RoleBinding
        "web": ("restricted", ["restricted"]),
    }
    web = next(n for n in data["namespaces"] if n["namespace"] == "web")
    # frontend fits restricted only because the PSP mutated it: as written it fails
    failing = {f["object"]["name"]: [v["check"] for v in f["violations"]] for f in web["failing"]}
    assert failing["frontend"] == [
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "runAsNonRoot",
        "seccompProfile_restricted",
    ]
    assert sorted(failing) == ["adhoc", "debug", "frontend"]


def test_migrate_psp_rejects_a_bad_version(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "pods", "migrate-psp", CLUSTER, "--version", "1.30")
    assert outcome.code == 2
    assert "--version" in outcome.err


def test_migrate_psp_yaml_is_namespace_label_patches(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "pods", "migrate-psp", CLUSTER, "-o", "yaml", "--version", "v1.30")
    patches = list(yaml.safe_load_all(outcome.out))
    assert patches[-1] == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": "web",
            "labels": {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "v1.30",
            },
        },
    }
    assert [p["metadata"]["name"] for p in patches] == ["empty", "kube-system", "monitoring", "web"]


def test_psp_check_reports_what_it_read_and_exits_2_on_a_bad_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "cluster.yaml"
    source.write_text(Path(CLUSTER).read_text() + "---\nkind: [unclosed\n")
    outcome = run_cli(capsys, "pods", "psp-check", str(source), "-o", "json")
    assert outcome.code == 2
    assert "input error" in outcome.err
    assert len(json.loads(outcome.out)["results"]) == 4
