"""``kubeward authn whoami`` on the command line: the demo's apiserver manifest and staged
AuthenticationConfiguration, rejections (exit 1), unreadable input (exit 2), and the token
never appearing in any output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import Outcome, run_cli
from oidc_tokens import NOW, keys, make_token

DEMO = Path(__file__).parents[2] / "examples/demo-cluster"
MANIFEST = str(DEMO / "kube-system/kube-apiserver.yaml")
CONFIG = str(DEMO / "auth/authentication-config.yaml")
AT = NOW.strftime("%Y-%m-%dT%H:%M:%S")
CLAIMS = {"sub": "u-1", "email": "mallory@example.com", "email_verified": True, "groups": ["system:masters"]}


@pytest.fixture
def jwks_file(tmp_path: Path) -> str:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(keys().jwks))
    return str(path)


def _whoami(capsys: pytest.CaptureFixture[str], token: str, jwks: str, *settings: str) -> Outcome:
    outcome = run_cli(capsys, "authn", "whoami", "--token", token, "--jwks", jwks, *settings, "--now", AT)
    if not token.startswith("@"):
        assert token not in outcome.out + outcome.err
    return outcome


def test_flags_map_idp_system_masters_straight_in(capsys: pytest.CaptureFixture[str], jwks_file: str) -> None:
    outcome = _whoami(capsys, make_token(CLAIMS), jwks_file, "--apiserver-manifest", MANIFEST)
    assert outcome.code == 0
    assert json.loads(outcome.out) == {
        "authenticated": True,
        "username": "mallory@example.com",
        "uid": "",
        "groups": ["system:masters"],
        "extra": {},
        "reason": "",
    }


def test_structured_config_prefixes(
    capsys: pytest.CaptureFixture[str], jwks_file: str, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token = make_token(CLAIMS)
    token_file.write_text(token + "\n")
    outcome = _whoami(capsys, f"@{token_file}", jwks_file, "--authentication-config", CONFIG)
    assert token not in outcome.out + outcome.err
    assert outcome.code == 0
    result = json.loads(outcome.out)
    assert (result["username"], result["uid"], result["groups"]) == (
        "oidc:mallory@example.com",
        "u-1",
        ["oidc:system:masters"],
    )


def test_rejected_exit_1(capsys: pytest.CaptureFixture[str], jwks_file: str) -> None:
    token = make_token({**CLAIMS, "exp": "-60"})
    outcome = _whoami(capsys, token, jwks_file, "--authentication-config", CONFIG)
    assert outcome.code == 1
    result = json.loads(outcome.out)
    assert result["authenticated"] is False
    assert "token expired" in result["reason"]


@pytest.mark.parametrize(
    ("token", "message"),
    [("abc.def", "malformed token"), ("x.y.z", "malformed token")],
)
def test_malformed_token_exit_2(
    capsys: pytest.CaptureFixture[str], jwks_file: str, token: str, message: str
) -> None:
    outcome = _whoami(capsys, token, jwks_file, "--apiserver-manifest", MANIFEST)
    assert outcome.code == 2
    assert message in outcome.err
    assert "Traceback" not in outcome.err


def test_bad_inputs_exit_2(capsys: pytest.CaptureFixture[str], jwks_file: str, tmp_path: Path) -> None:
    token = make_token(CLAIMS)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"keys": [\n  oops')
    outcome = _whoami(capsys, token, str(bad_json), "--apiserver-manifest", MANIFEST)
    assert outcome.code == 2 and f"{bad_json}:2: the JWKS is not valid JSON" in outcome.err

    empty = tmp_path / "empty.json"
    empty.write_text('{"keys": []}')
    outcome = _whoami(capsys, token, str(empty), "--apiserver-manifest", MANIFEST)
    assert outcome.code == 2 and "no usable key" in outcome.err

    bad_yaml = tmp_path / "config.yaml"
    bad_yaml.write_text("kind: AuthenticationConfiguration\njwt: [\n")
    outcome = _whoami(capsys, token, jwks_file, "--authentication-config", str(bad_yaml))
    assert (
        outcome.code == 2
        and f"{bad_yaml}:3: the AuthenticationConfiguration is not valid YAML" in outcome.err
    )

    outcome = _whoami(capsys, token, jwks_file, "--apiserver-manifest", CONFIG)
    assert outcome.code == 2 and "no Pod running kube-apiserver" in outcome.err

    outcome = _whoami(capsys, f"@{tmp_path / 'missing'}", jwks_file, "--apiserver-manifest", MANIFEST)
    assert outcome.code == 2 and "cannot read the token: No such file or directory" in outcome.err

    outcome = _whoami(capsys, token, jwks_file)
    assert outcome.code == 2 and "exactly one of" in outcome.err
