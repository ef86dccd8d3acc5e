"""The catalogue validates itself: ID form, sections, uniqueness, retired IDs, text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kubeward.controls import registry
from kubeward.controls.catalogue import all_controls
from kubeward.controls.finding import Finding, Severity
from kubeward.controls.registry import REGISTRY, control, select, validate
from kubeward.controls.settings import Settings
from kubeward.snapshot.snapshot import Snapshot


def _check(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A rule."""
    yield from ()


def _register(**overrides: object) -> None:
    arguments: dict[str, object] = {
        "id": "KW-NS-900",
        "title": "t",
        "section": "NS",
        "severity": Severity.LOW,
        "scope": lambda snapshot, settings: [],
        "rationale": "r",
        "remediation": "fix",
    }
    arguments.update(overrides)
    control(**arguments)(_check)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _restore_registry() -> Iterator[None]:
    saved = dict(REGISTRY)
    yield
    REGISTRY.clear()
    REGISTRY.update(saved)


def test_the_shipped_catalogue_is_valid() -> None:
    assert validate() == []
    assert [c.id for c in all_controls()] == sorted(REGISTRY)
    for entry in all_controls():
        assert entry.rule and entry.rationale and entry.remediation


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id": "KW-NS-1"}, "ID must look like KW-<SECTION>-<NNN>"),
        ({"id": "KW-RBAC-900"}, "ID section RBAC differs from section NS"),
        ({"id": "KW-XX-900", "section": "XX"}, "unknown section 'XX'"),
        ({"id": "KW-NS-001"}, "ID registered twice"),
        ({"remediation": "  "}, "remediation is empty"),
        ({"title": ""}, "title is empty"),
    ],
)
def test_invalid_controls_are_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _register(**overrides)


def test_retired_ids_are_never_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "RETIRED_IDS", frozenset({"KW-NS-900"}))
    with pytest.raises(ValueError, match="retired"):
        _register()


def test_a_check_without_a_docstring_has_no_rule() -> None:
    def undocumented(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
        yield from ()

    with pytest.raises(ValueError, match="rule is empty"):
        control(
            id="KW-NS-901",
            title="t",
            section="NS",
            severity=Severity.LOW,
            scope=lambda snapshot, settings: [],
            rationale="r",
            remediation="fix",
        )(undocumented)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, sorted(REGISTRY)),
        ({"ids": ["KW-NS-003", "kw-ns-001"]}, ["KW-NS-001", "KW-NS-003"]),
        ({"ids": ["KW-NS-*"], "skip": ["KW-NS-002", "KW-NS-00*"]}, []),
        (
            {"sections": ["ns"], "skip": ["KW-NS-001"]},
            [i for i in sorted(REGISTRY) if i.startswith("KW-NS-") and i != "KW-NS-001"],
        ),
        (
            {"min_severity": Severity.MEDIUM},
            [i for i in sorted(REGISTRY) if REGISTRY[i].severity >= Severity.MEDIUM],
        ),
    ],
)
def test_select(arguments: dict[str, object], expected: list[str]) -> None:
    assert [c.id for c in select(**arguments)] == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"ids": ["KW-NS-999"]}, "unknown control 'KW-NS-999'"),
        ({"skip": ["KW-NOPE-*"]}, "unknown control 'KW-NOPE-\\*'"),
        ({"sections": ["pods"]}, "unknown section 'PODS'"),
    ],
)
def test_select_refuses_unknown_names(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        select(**arguments)  # type: ignore[arg-type]


def test_docstrings_become_prose() -> None:
    entry = REGISTRY["KW-NS-005"]
    assert "\n" not in entry.rule.split("\n\n")[0]
    assert "``" not in entry.rule and "`requests.cpu`" in entry.rule
