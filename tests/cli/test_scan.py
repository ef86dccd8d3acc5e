"""``kubeward scan``: outputs, exit codes 0/1/2, selection, suppression and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import run_cli

CLEAN = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {pod-security.kubernetes.io/enforce: restricted}}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: shop}
spec: {hard: {requests.cpu: "4", requests.memory: 8Gi, limits.cpu: "8", limits.memory: 16Gi}}
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: shop}
spec: {limits: [{type: Container, default: {cpu: 500m, memory: 256Mi}}]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: shop}
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: web
        image: nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        securityContext:
          {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}},
          podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
"""

FINDINGS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        resources:
          limits: {cpu: "1"}
        securityContext:
          {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {namespace: default, name: default-deny}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}},
          podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
"""


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    (tmp_path / "clean.yaml").write_text(CLEAN)
    return tmp_path / "clean.yaml"


@pytest.fixture
def findings(tmp_path: Path) -> Path:
    (tmp_path / "app.yaml").write_text(FINDINGS)
    return tmp_path / "app.yaml"


def test_clean_input_exits_0(capsys: pytest.CaptureFixture[str], clean: Path) -> None:
    outcome = run_cli(capsys, "scan", str(clean))
    assert outcome.code == 0, outcome
    assert "no findings" in outcome.out and "PASSED" in outcome.out


def test_findings_exit_1_and_fail_on_sets_the_threshold(
    capsys: pytest.CaptureFixture[str], findings: Path
) -> None:
    outcome = run_cli(capsys, "scan", str(findings), "-o", "json")
    assert outcome.code == 1
    report = json.loads(outcome.out)
    assert [(f["control"], f["severity"]) for f in report["findings"]] == [
        ("KW-NS-005", "medium"),
        ("KW-NS-001", "low"),
    ]
    assert report["summary"]["failed"] is True and report["summary"]["failOn"] == "low"
    assert run_cli(capsys, "scan", str(findings), "--fail-on", "high").code == 0
    assert run_cli(capsys, "scan", str(findings), "--fail-on", "medium").code == 1
    assert run_cli(capsys, "scan", str(findings), "--fail-on", "none").code == 0


def test_findings_point_at_the_line_of_the_field(capsys: pytest.CaptureFixture[str], findings: Path) -> None:
    report = json.loads(run_cli(capsys, "scan", str(findings), "-o", "json").out)
    by_control = {f["control"]: f for f in report["findings"]}
    assert by_control["KW-NS-005"]["location"] == {"file": str(findings), "line": 10}
    assert by_control["KW-NS-005"]["paths"] == ["spec.template.spec.containers[0].resources"]
    assert by_control["KW-NS-001"]["location"] == {"file": str(findings), "line": 3}
    assert by_control["KW-NS-001"]["origin"] == {"file": str(findings), "document": 0, "line": 1}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to scan"),
        (("--controls", "KW-NS-999", "x.yaml"), "unknown control 'KW-NS-999'"),
        (("--sections", "pods", "x.yaml"), "unknown section 'PODS'"),
        (("--fail-on", "severe", "x.yaml"), "--fail-on: unknown severity 'severe'"),
        (("--cluster", "x.yaml"), "give either SOURCEs or --cluster, not both"),
        (("--context", "prod", "x.yaml"), "--context, --kubeconfig and --no-secrets go with --cluster"),
        (("--cluster", "-n", "web"), "-n and --whole-cluster/--partial apply to SOURCEs"),
        (("-o", "xml", "x.yaml"), "Invalid value for '-o' / '--output'"),
        (("--baseline", "missing.json", "x.yaml"), "missing.json: cannot read"),
        (("--config", "missing.yaml", "x.yaml"), "missing.yaml: cannot read"),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.yaml").write_text(CLEAN)
    outcome = run_cli(capsys, "scan", *args)
    assert outcome.code == 2
    assert message in " ".join(outcome.err.split())
    assert "Traceback" not in outcome.err


def test_selection_and_severity_filters(capsys: pytest.CaptureFixture[str], findings: Path) -> None:
    def controls(*args: str) -> list[str]:
        return [
            c["id"]
            for c in json.loads(run_cli(capsys, "scan", str(findings), "-o", "json", *args).out)["controls"]
        ]

    assert controls("--controls", "KW-NS-001,KW-NS-005") == ["KW-NS-001", "KW-NS-005"]
    assert "KW-NS-001" not in controls("--min-severity", "medium")
    assert "KW-NS-003" not in controls("--skip-controls", "KW-NS-003")
    every = controls()
    assert controls("--sections", "NS") == [c for c in every if c.startswith("KW-NS-")]
    assert controls("--sections", "ns,rbac,pod,net,authn") == every


def test_stdin_and_namespace_default(capsys: pytest.CaptureFixture[str]) -> None:
    manifest = FINDINGS.replace("namespace: default", "labels: {app: web}").encode()
    report = json.loads(
        run_cli(capsys, "scan", "-", "-o", "json", "--controls", "KW-NS-001", stdin=manifest).out
    )
    assert report["findings"] == []
    report = json.loads(
        run_cli(
            capsys, "scan", "-", "-n", "default", "-o", "json", "--controls", "KW-NS-001", stdin=manifest
        ).out
    )
    assert [(f["object"]["namespace"], f["location"]) for f in report["findings"]] == [
        ("default", {"file": "-", "line": 3})
    ]


def test_config_file_and_baseline(capsys: pytest.CaptureFixture[str], findings: Path, tmp_path: Path) -> None:
    config = tmp_path / "kubeward.yaml"
    config.write_text("fail-on: high\nignore:\n- id: KW-NS-001\n  reason: accepted for now\n")
    report = json.loads(run_cli(capsys, "scan", str(findings), "--config", str(config), "-o", "json").out)
    assert [f["control"] for f in report["findings"]] == ["KW-NS-005"]
    assert report["suppressed"][0]["by"] == "config" and report["summary"]["failOn"] == "high"

    baseline = tmp_path / "before.json"
    baseline.write_text(run_cli(capsys, "scan", str(findings), "-o", "json").out)
    changed = tmp_path / "changed.yaml"
    changed.write_text(FINDINGS + "---\n" + FINDINGS.replace("name: web", "name: api"))
    outcome = run_cli(capsys, "scan", str(changed), "--baseline", str(baseline), "-o", "json")
    report = json.loads(outcome.out)
    assert sorted((f["control"], f["object"]["name"]) for f in report["findings"]) == [
        ("KW-NS-001", "api"),
        ("KW-NS-005", "api"),
    ]
    assert report["summary"]["suppressed"] == 2 and outcome.code == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("severity: high\n", "unknown setting(s): severity"),
        ("fail-on: loud\n", "fail-on: expected a severity"),
        ("ignore:\n- id: KW-NS-001\n", "'reason' is required"),
        ("- a\n", "the configuration must be a mapping"),
        ("a: [\n", "invalid YAML"),
        ("include-system-rbac: yes please\n", "include-system-rbac: expected true or false"),
    ],
)
def test_bad_configuration_exits_2(
    capsys: pytest.CaptureFixture[str], findings: Path, tmp_path: Path, content: str, message: str
) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(content)
    outcome = run_cli(capsys, "scan", str(findings), "--config", str(config))
    assert outcome.code == 2 and message in outcome.err


def test_default_config_file_is_read_from_the_current_directory(
    capsys: pytest.CaptureFixture[str], findings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".kubeward.yaml").write_text("fail-on: none\n")
    assert run_cli(capsys, "scan", str(findings)).code == 0


SYSTEM_RBAC = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:cni"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: cni, namespace: kube-system}]
"""


@pytest.mark.parametrize(
    ("args", "config", "reported"),
    [
        ((), None, False),
        (("--include-system",), None, True),
        ((), "include-system-rbac: true\n", True),
        ((), "include-system-rbac: false\n", False),
    ],
)
def test_include_system_judges_the_platforms_rbac(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: tuple[str, ...],
    config: str | None,
    reported: bool,
) -> None:
    (tmp_path / "rbac.yaml").write_text(SYSTEM_RBAC)
    options = ["--config", str(tmp_path / "config.yaml")] if config else []
    if config:
        (tmp_path / "config.yaml").write_text(config)
    outcome = run_cli(
        capsys,
        "scan",
        str(tmp_path / "rbac.yaml"),
        "--controls",
        "KW-RBAC-001",
        "-o",
        "json",
        *args,
        *options,
    )
    assert bool(json.loads(outcome.out)["findings"]) is reported


def test_report_dir_writes_every_format(
    capsys: pytest.CaptureFixture[str], findings: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    outcome = run_cli(capsys, "scan", str(findings), "--report-dir", str(out), "--fail-on", "none")
    assert outcome.code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "report.json",
        "report.junit.xml",
        "report.sarif",
        "report.txt",
    ]
    assert json.loads((out / "report.json").read_text())["summary"]["findings"] == 2
    assert "KW-NS-005" in (out / "report.txt").read_text() and "\x1b[" not in (out / "report.txt").read_text()
    assert "Namespace isolation (NS)" in outcome.out


def test_output_file(capsys: pytest.CaptureFixture[str], findings: Path, tmp_path: Path) -> None:
    target = tmp_path / "scan.sarif"
    outcome = run_cli(capsys, "scan", str(findings), "-o", "sarif", "--output-file", str(target))
    assert outcome.out == "" and json.loads(target.read_text())["version"] == "2.1.0"


def test_annotation_naming_an_unknown_control_is_an_input_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(
        FINDINGS.replace(
            "namespace: default}", "namespace: default, annotations: {kubeward.io/ignore: KW-NS-01}}"
        )
    )
    outcome = run_cli(capsys, "scan", str(path), "-o", "json")
    report = json.loads(outcome.out)
    assert outcome.code == 2
    assert report["inputErrors"] == [
        {
            "file": str(path),
            "line": 3,
            "document": 0,
            "message": "Deployment.apps default/web: kubeward.io/ignore: 'KW-NS-01' is not a control ID",
            "fatal": False,
        }
    ]
    assert run_cli(capsys, "scan", str(path), "--ignore-input-errors").code == 1


def test_console_scripts_and_module_entry_point(findings: Path) -> None:
    bindir = Path(sys.executable).parent
    for command in (
        [str(bindir / "kubeward")],
        [str(bindir / "kubectl-kubeward")],
        [sys.executable, "-m", "kubeward"],
    ):
        done = subprocess.run(
            [*command, "scan", str(findings), "-o", "json"],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "NO_COLOR": "1"},
        )
        assert done.returncode == 1, done.stderr
        assert json.loads(done.stdout)["summary"]["findings"] == 2


HELM = b"""---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop-web, namespace: default}
spec: {template: {spec: {containers: [{name: web, image: nginx:1.27}]}}}
"""


def test_helm_streams_name_their_template_in_every_format(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("scan", "-", "--controls", "KW-NS-001")
    assert "-:5 (shop/templates/deployment.yaml)" in run_cli(capsys, *args, stdin=HELM).out
    sarif = json.loads(run_cli(capsys, *args, "-o", "sarif", stdin=HELM).out)
    [result] = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "shop/templates/deployment.yaml", "uriBaseId": "%SRCROOT%"}
    }
    report = json.loads(run_cli(capsys, *args, "-o", "json", stdin=HELM).out)
    assert report["findings"][0]["origin"]["template"] == "shop/templates/deployment.yaml"
    assert "(shop/templates/deployment.yaml)" in run_cli(capsys, *args, "-o", "junit", stdin=HELM).out
