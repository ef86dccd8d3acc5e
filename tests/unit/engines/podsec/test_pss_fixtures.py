"""The Pod Security Standards engine against upstream's fixture pods (``tests/data/podsec``).

:mod:`unit.engines.podsec.fixtures` ports upstream's generator (``test/fixtures*.go``) and writes
the tree; these tests keep the tree current (``KUBEWARD_UPDATE_FIXTURES=1`` rewrites it) and run
every pod through the loader users hit (:func:`kubeward.load`, YAML 1.1 scalars and all) and
:func:`kubeward.engines.podsec.evaluate`, as upstream's ``test/run.go`` does against an API
server: pass pods are allowed; fail pods are denied by their check (or by the restricted check
that overrides it) with the generator's ``expectErrorSubstring`` in ``reason (detail)``, the
text PSA puts in its denial. Across versions and levels: every fixture passes ``privileged``;
restricted-only fail pods pass ``baseline``; a new check's fail pods pass the version before it;
a generator's new pass pods fail the version before its behaviour change; and explicit Windows
pods are exempt from exactly the v1.25 restricted checks.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import pytest

import kubeward
from kubeward.engines import podsec
from kubeward.snapshot.snapshot import Workload
from unit.engines.podsec import fixtures
from unit.engines.podsec.fixtures import DATA, Fixture

UPDATE = os.environ.get("KUBEWARD_UPDATE_FIXTURES") == "1"
FIXTURES = fixtures.all_fixtures()
PASSING = [fixture for fixture in FIXTURES if fixture.outcome == "pass"]
FAILING = [fixture for fixture in FIXTURES if fixture.outcome == "fail"]
VERSIONS = fixtures.versions_to_write()


def _id(fixture: Fixture) -> str:
    return fixture.relative_path.removesuffix(".yaml")


# --- the tree ------------------------------------------------------------------------------------


# Only the level trees are this suite's: tests/data/podsec also holds other suites' data (psp/).
TREES = tuple(DATA / level for level in podsec.LEVELS)


def _on_disk() -> dict[str, str]:
    files = sorted(path for tree in TREES for path in tree.rglob("*") if path.is_file())
    return {path.relative_to(DATA).as_posix(): path.read_text() for path in files}


def test_the_tree_is_what_the_generator_writes() -> None:
    expected, actual = fixtures.expected_files(), _on_disk()
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    stale = sorted(path for path in expected.keys() & actual.keys() if expected[path] != actual[path])
    if UPDATE:
        for path in missing + stale:
            (DATA / path).parent.mkdir(parents=True, exist_ok=True)
            (DATA / path).write_text(expected[path])
        for path in extra:
            (DATA / path).unlink()
        for directory in sorted((p for tree in TREES for p in tree.rglob("*") if p.is_dir()), reverse=True):
            if not any(directory.iterdir()):
                directory.rmdir()
        return
    problems = [f"missing: {path}" for path in missing] + [f"extra: {path}" for path in extra]
    problems += [f"differs from the generator: {path}" for path in stale]
    assert not problems, (
        f"{len(problems)} fixture files are out of date (regenerate with KUBEWARD_UPDATE_FIXTURES=1"
        " .venv/bin/pytest tests/unit/engines/podsec/test_pss_fixtures.py):\n" + "\n".join(problems[:50])
    )


def test_every_check_that_runs_has_pass_and_fail_fixtures() -> None:
    without_pass: set[str] = set()
    for level in fixtures.LEVELS:
        for minor in VERSIONS:
            here = [fixture for fixture in FIXTURES if (fixture.level, fixture.minor) == (level, minor)]
            assert any(fixture.name == "base" for fixture in here), f"{level}/v1.{minor}: no base.yaml"
            for check in fixtures.checks_for(level, minor):
                kinds = {fixture.outcome for fixture in here if fixture.check == check}
                assert "fail" in kinds, f"{level}/v1.{minor}: no fail fixture for {check}"
                if "pass" not in kinds:
                    assert check in fixtures.PASS_FROM_BASE, (
                        f"{level}/v1.{minor}: no pass fixture for {check}"
                    )
                    without_pass.add(check)
    assert without_pass == set(fixtures.PASS_FROM_BASE), "PASS_FROM_BASE names a check that has pass fixtures"


def test_the_loader_reads_every_fixture_as_generated() -> None:
    """YAML 1.1 as Kubernetes reads it: ``"0"`` stays a string, ``true`` a bool, ``null`` None."""
    differ = [
        _id(f)
        for f in FIXTURES
        if _body(f.relative_path) != {"metadata": f.pod["metadata"], "spec": f.pod["spec"]}
    ]
    assert not differ, differ[:20]


@cache
def _workload(relative_path: str) -> Workload:
    inputs = kubeward.load([str(DATA / relative_path)])
    assert inputs.errors == [], inputs.errors
    (workload,) = inputs.snapshot.workloads
    return workload


def _body(relative_path: str) -> dict[str, Any]:
    body = _workload(relative_path).source.body
    return {"metadata": body["metadata"], "spec": body["spec"]}


def _load(relative_path: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The pod as the API server stores it (upstream's fixtures are created through one)."""
    workload = _workload(relative_path)
    return workload.pod_metadata, workload.pod_spec


# --- the engine against each fixture -------------------------------------------------------------


def _evaluate(
    fixture: Fixture, level: str | None = None, minor: int | None = None
) -> tuple[podsec.Violation, ...]:
    policy = podsec.parse_policy(level or fixture.level, f"v1.{fixture.minor if minor is None else minor}")
    return podsec.evaluate(policy, *_load(fixture.relative_path))


def _text(violation: podsec.Violation) -> str:
    return f"{violation.reason} ({violation.detail})"


def _got(violations: Iterable[podsec.Violation]) -> str:
    return "; ".join(f"{v.check}: {_text(v)}" for v in violations) or "allowed"


@pytest.mark.parametrize("fixture", PASSING, ids=_id)
def test_pass_fixture_is_allowed(fixture: Fixture) -> None:
    got = _evaluate(fixture)
    assert got == (), f"{fixture.relative_path}: expected allowed, got {_got(got)} [{fixture.source}]"


@pytest.mark.parametrize("fixture", FAILING, ids=_id)
def test_fail_fixture_is_denied_by_its_check(fixture: Fixture) -> None:
    assert fixture.check is not None
    got = _evaluate(fixture)
    reporters = {
        fixture.check,
        fixtures.overridden_at(fixture.level, fixture.minor).get(fixture.check, fixture.check),
    }
    mine = [violation for violation in got if violation.check in reporters]
    expected = f"{' or '.join(sorted(reporters))} with {fixture.expect_error_substring!r}"
    assert mine, f"{fixture.relative_path}: expected {expected}, got {_got(got)} [{fixture.source}]"
    assert any(fixture.expect_error_substring in _text(violation) for violation in mine), (
        f"{fixture.relative_path}: expected {expected}, got {_got(got)} [{fixture.source}]"
    )


# --- across levels and versions ------------------------------------------------------------------


def test_every_fixture_passes_privileged() -> None:
    wrong = [f"{_id(f)}: {_got(got)}" for f in FIXTURES if (got := _evaluate(f, level="privileged"))]
    assert not wrong, wrong[:20]


def _baseline_twin_violations(pod: Mapping[str, Any]) -> tuple[str, ...]:
    """The baseline checks a restricted fail pod also fails: only where its tweak sets a value
    the overridden baseline twin forbids too (a hostPath volume; an Unconfined seccomp profile)."""
    spec = pod["spec"]
    contexts = [spec.get("securityContext", {})]
    contexts += [c.get("securityContext") or {} for c in (*spec["containers"], *spec["initContainers"])]
    twins = []
    if any("hostPath" in volume for volume in spec.get("volumes", [])):
        twins.append("hostPathVolumes")
    if any(context.get("seccompProfile", {}).get("type") == "Unconfined" for context in contexts):
        twins.append("seccompProfile_baseline")
    return tuple(twins)


def test_restricted_fail_fixtures_pass_baseline() -> None:
    """A restricted check's fail pod tweaks the restricted minimal pod, so baseline allows it
    unless the tweak also breaks the baseline check the restricted one overrides."""
    wrong = []
    for fixture in FAILING:
        if fixture.level != "restricted" or fixtures.CHECK_BY_ID[fixture.check or ""].level != "restricted":
            continue
        expected = _baseline_twin_violations(fixture.pod)
        got = _evaluate(fixture, level="baseline")
        if tuple(violation.check for violation in got) != expected:
            wanted = expected or "allowed"
            wrong.append(f"{_id(fixture)} at baseline:v1.{fixture.minor}: expected {wanted}, got {_got(got)}")
    assert not wrong, "\n".join(wrong)


# procMount_restricted (v1.35) is no new rule: before v1.35 the baseline procMount check (v1.0, no
# user-namespace relaxation) already denies an Unmasked /proc, hostUsers or not.
NOT_NEW_BEFORE = {"procMount_restricted": "check_procMount.go procMount_1_0 denies Unmasked before v1.35"}


def test_a_new_checks_fail_fixtures_pass_the_version_before() -> None:
    wrong = []
    for check in fixtures.CHECKS:
        first = check.versions[0]
        if first == 0 or check.id in NOT_NEW_BEFORE:
            continue
        for fixture in FAILING:
            if fixture.check != check.id or fixture.minor != first:
                continue
            if got := _evaluate(fixture, minor=first - 1):
                wrong.append(
                    f"{_id(fixture)} at {fixture.level}:v1.{first - 1}: expected allowed, got {_got(got)}"
                )
    assert not wrong, "\n".join(wrong)


# seccompProfile_baseline v1.19 moved the rule from annotations to fields: its new (field) pass
# pods are allowed before v1.19 too, when only annotations were checked.
NOT_TIGHTER_BEFORE = {("seccompProfile_baseline", 19): "v1.0 checks the seccomp annotations only"}


def _without_name(pod: Mapping[str, Any]) -> dict[str, Any]:
    metadata = {key: value for key, value in pod["metadata"].items() if key != "name"}
    return {**pod, "metadata": metadata}


def test_a_behaviour_changes_new_pass_fixtures_fail_the_version_before() -> None:
    """For a generator registered at v1.N (after its check's first version), the pass pods the
    previous generator does not also write are denied by that check at v1.N-1."""
    wrong, checked = [], 0
    for level, minor, check in fixtures.REGISTRY:
        if minor == fixtures.CHECK_BY_ID[check].versions[0] or (check, minor) in NOT_TIGHTER_BEFORE:
            continue
        _, previous = fixtures.generator_for(level, minor - 1, check)
        old = [
            _without_name(pod)
            for pod in previous.generate_pass(fixtures.minimal_valid_pod(level, minor), level)
        ]
        reporters = {check, fixtures.overridden_at(level, minor - 1).get(check, check)}
        for fixture in PASSING:
            if (fixture.level, fixture.minor, fixture.check) != (level, minor, check):
                continue
            if _without_name(fixture.pod) in old:
                continue
            checked += 1
            got = _evaluate(fixture, minor=minor - 1)
            if not any(violation.check in reporters for violation in got):
                wrong.append(
                    f"{_id(fixture)} at {level}:v1.{minor - 1}: expected {check} to deny, got {_got(got)}"
                )
    assert not wrong, "\n".join(wrong)
    assert checked >= 10


def test_explicit_windows_pods_are_exempt_from_the_v1_25_restricted_checks() -> None:
    (windows,) = [f for f in PASSING if (f.level, f.minor, f.name) == ("restricted", 25, "base_windows")]
    got = _evaluate(windows, minor=24)
    assert {violation.check for violation in got} == {
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "seccompProfile_restricted",
    }, _got(got)


@pytest.mark.parametrize("level", podsec.LEVELS)
def test_the_checks_that_run_are_upstreams(level: str) -> None:
    """``checksForLevelAndVersion`` less the baseline checks a restricted check overrides."""
    for minor in (*VERSIONS, fixtures.NEWEST_MINOR + 1):
        expected = set()
        if level != "privileged":
            known = min(minor, fixtures.NEWEST_MINOR)
            expected = set(fixtures.checks_for(level, known)) - set(fixtures.overridden_at(level, known))
        assert set(podsec.check_ids(podsec.parse_policy(level, f"v1.{minor}"))) == expected, (
            f"{level}:v1.{minor}"
        )
    latest = podsec.check_ids(podsec.parse_policy(level))
    assert latest == podsec.check_ids(podsec.parse_policy(level, f"v1.{fixtures.NEWEST_MINOR}"))
