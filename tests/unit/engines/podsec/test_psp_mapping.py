"""PSP → Pod Security Standards, one case per row of the official mapping page
(tests/data/psp/mapping.yaml), and pspmigrator's mutating-field list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kubeward.engines.podsec import psp_mapping, psp_policy

TABLE = yaml.safe_load((Path(__file__).parents[3] / "data/psp/mapping.yaml").read_text())


def _merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **changes}
    return {key: value for key, value in merged.items() if value is not None}


@pytest.mark.parametrize("case", TABLE["cases"], ids=[case["name"] for case in TABLE["cases"]])
def test_mapping_row(case: dict[str, Any]) -> None:
    body = {
        "metadata": {"annotations": _merged(TABLE["base"]["annotations"], case.get("annotations", {}))},
        "spec": _merged(TABLE["base"]["spec"], case.get("spec", {})),
    }
    policy = psp_policy.compile_policy("p", body)
    assert list(policy.problems) == case.get("problems", [])
    migration = psp_mapping.map_policy(policy)
    assert {d.field: d.allows for d in migration.differences} == case["differences"]
    assert migration.level == case["level"]
    for key in ("mutating_fields", "mutating_annotations", "must_set"):
        if key in case:
            assert list(getattr(migration, key)) == case[key]
    if "mutating_fields" in case:
        assert migration.mutating == bool(case["mutating_fields"] or case["mutating_annotations"])


@pytest.mark.parametrize(
    ("levels", "weakest"),
    [
        ([], None),
        (["restricted"], "restricted"),
        (["restricted", "baseline"], "baseline"),
        (["baseline", "privileged", "restricted"], "privileged"),
    ],
)
def test_weakest_level(levels: list[str], weakest: str | None) -> None:
    assert psp_mapping.weakest_level(levels) == weakest
