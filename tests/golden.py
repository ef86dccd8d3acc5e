"""Golden files: compared in tests, rewritten when KUBEWARD_UPDATE_FIXTURES=1."""

from __future__ import annotations

import os
from pathlib import Path

UPDATE = os.environ.get("KUBEWARD_UPDATE_FIXTURES") == "1"


def check_golden(path: Path, actual: str) -> None:
    """Assert ``path`` holds ``actual``; with KUBEWARD_UPDATE_FIXTURES=1, write it instead."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
        return
    assert path.exists(), f"{path} is missing: run with KUBEWARD_UPDATE_FIXTURES=1 to create it"
    expected = path.read_text()
    assert actual == expected, (
        f"{path} is out of date: run with KUBEWARD_UPDATE_FIXTURES=1 and review the diff"
    )
