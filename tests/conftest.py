"""Shared test helpers: build a snapshot from YAML text, run controls."""

from __future__ import annotations

import io
from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

import kubeward
from kubeward.controls.catalogue import all_controls
from kubeward.controls.registry import REGISTRY
from kubeward.controls.run import ScanResult
from kubeward.controls.settings import Settings
from kubeward.inputs import Inputs

# Property tests are deterministic by default, so a CI run is reproducible; explore with
# `pytest --hypothesis-profile explore` (random, more examples) when changing an engine.
# Timing is not behaviour: a loaded CI machine must not fail a test (speed lives in benchmarks/).
_UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
hypothesis_settings.register_profile("default", derandomize=True, database=None, **_UNTIMED)
hypothesis_settings.register_profile("explore", max_examples=2000, **_UNTIMED)
hypothesis_settings.load_profile("default")


def load_text(text: str, *, namespace: str | None = None, whole_cluster: bool | None = None) -> Inputs:
    """The inputs a YAML (or JSON) stream on standard input gives."""
    return kubeward.load(
        ["-"], stdin=io.BytesIO(text.encode()), default_namespace=namespace, whole_cluster=whole_cluster
    )


def scan_text(
    text: str,
    controls: Iterable[str] | None = None,
    *,
    namespace: str | None = None,
    whole_cluster: bool | None = None,
    settings: Settings = Settings(),
) -> ScanResult:
    inputs = load_text(text, namespace=namespace, whole_cluster=whole_cluster)
    assert inputs.errors == [], inputs.errors
    chosen = all_controls() if controls is None else [REGISTRY[control_id] for control_id in controls]
    return kubeward.scan(inputs.snapshot, chosen, settings)


@pytest.fixture
def scan() -> object:
    return scan_text
