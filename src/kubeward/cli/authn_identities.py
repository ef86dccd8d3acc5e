"""``kubeward authn revoke-plan`` and ``kubeward authn issue``: cutting an identity off, and
issuing a client identity."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
import yaml
from cryptography import x509 as crypto_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kubeward.cli.app import abort
from kubeward.cli.authn import authn
from kubeward.cli.common import WITH_DEFAULTS, exit_with, load_sources, print_json
from kubeward.cli.console import err_console
from kubeward.engines.authn import revoke
from kubeward.engines.authn import x509 as authn_x509
from kubeward.engines.rbac.identity import MASTERS, Identity, Subject, impersonate
from kubeward.engines.rbac.rules import Request, rule_allows
from kubeward.engines.rbac.world import Binding, RbacWorld, world_of
from kubeward.generators import client_identity

__all__ = ["authn", "binding_facts"]

_OUTPUT = click.option(
    "-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
_EVERYTHING = Request("*", "*", "*")


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        abort(f"{path}: cannot read {what}: {error.strerror or error}")


def _warn(message: str) -> None:
    err_console().print(f"[yellow]warning:[/] {message}", markup=True, highlight=False, soft_wrap=True)


def _certificate_identity(path: str) -> tuple[str, tuple[str, ...]]:
    try:
        found = authn_x509.decode_certificates(_read(path, "the certificate"))
    except authn_x509.DecodeError as error:
        abort(f"{path}: {error}")
    certificates = [info for info in found if not info.is_request]
    if not certificates:
        abort(f"{path}: holds no certificate")
    info = certificates[0]
    if not info.valid_user:
        abort(f"{path}: the certificate's subject has no Common Name: the API server accepts it as no user")
    return info.user, info.groups


def _subject_facts(
    binding: Binding, identity: Identity
) -> tuple[tuple[revoke.SubjectFacts, ...], tuple[int, ...]]:
    """Every entry of the binding's ``subjects`` as written (so patch indexes are right),
    and the indexes of those that name ``identity``."""
    raw = binding.obj.body.get("subjects")
    facts: list[revoke.SubjectFacts] = []
    matching: list[int] = []
    for index, entry in enumerate(raw if isinstance(raw, list) else []):
        kind = entry.get("kind") if isinstance(entry, Mapping) else None
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if not isinstance(kind, str) or not isinstance(name, str):
            facts.append(revoke.SubjectFacts("", ""))
            continue
        namespace = entry.get("namespace") if isinstance(entry.get("namespace"), str) else ""
        if kind == "ServiceAccount" and not namespace:
            namespace = binding.namespace
        subject = Subject(kind, name, namespace if kind == "ServiceAccount" else "")
        facts.append(revoke.SubjectFacts(subject.kind, subject.name, subject.namespace))
        if subject.matches(identity):
            matching.append(index)
    return tuple(facts), tuple(matching)


def binding_facts(world: RbacWorld, identity: Identity) -> list[revoke.BindingFacts]:
    """What the revoke engine needs of every binding that applies to ``identity``."""
    found = []
    for binding, _ in world.bindings_anywhere(identity):
        subjects, matching = _subject_facts(binding, identity)
        found.append(
            revoke.BindingFacts(
                binding.ref.kind,
                binding.ref.name,
                binding.namespace,
                binding.role_kind,
                binding.role_name,
                subjects,
                matching,
                dict(binding.obj.annotations),
            )
        )
    return found


def _print_plan(plan: revoke.Plan) -> None:
    click.echo(f"identity: {plan.user} (groups: {', '.join(plan.groups) or 'none'})")
    for blocker in plan.blockers:
        click.echo(f"CANNOT BE CUT OFF: {blocker}")
    if not plan.changes:
        click.echo("no binding grants it anything")
    for change in plan.changes:
        binding = change.binding
        state = "cuts off" if change.cuts_off else "does NOT cut off"
        subjects = ", ".join(str(binding.subjects[i]) for i in binding.matching)
        click.echo(f"\n{binding.label} -> {binding.role_kind} {binding.role_name} (via {subjects})")
        click.echo(f"  {change.action} ({state}): {change.command}")
        for note in change.notes:
            click.echo(f"  note: {note}")
    click.echo(
        "\ncomplete: applying every change removes all RBAC grants"
        if plan.complete
        else "\nINCOMPLETE: some access remains (see above)"
    )
    click.echo(f"workaround: {revoke.CA_ROTATION}")


@authn.command("revoke-plan")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@click.option("--user", metavar="USER", help="The user to cut off.")
@click.option("--group", metavar="GROUP", help="The group to cut off.")
@click.option("--cert", metavar="FILE", help="The client certificate to cut off (CN = user, O = groups).")
@click.option(
    "--as-group",
    "as_groups",
    multiple=True,
    metavar="GROUP",
    help="Another group of the identity (repeatable).",
)
@WITH_DEFAULTS
@_OUTPUT
def revoke_plan(
    sources: tuple[str, ...],
    user: str | None,
    group: str | None,
    cert: str | None,
    as_groups: tuple[str, ...],
    with_defaults: str | None,
    output: str,
) -> None:
    """The RBAC changes that cut an identity off, binding by binding (delete it, or patch its
    subjects), and what no change can cut off: system:masters, groups shared with others,
    system:authenticated, bindings the API server re-creates. Exit 1 if access remains.

    Client certificates cannot be revoked: this removes their grants; the certificate keeps
    authenticating until it expires or the cluster CA is rotated."""
    if sum(choice is not None for choice in (user, group, cert)) != 1:
        abort("give exactly one of --user, --group or --cert")
    if cert is not None:
        cert_user, cert_groups = _certificate_identity(cert)
        identity = impersonate(cert_user, (*cert_groups, *as_groups))
        target = revoke.SubjectFacts("User", cert_user)
    elif group is not None:
        identity = Identity(f"<a member of {group}>", frozenset((group, *as_groups)))
        target = revoke.SubjectFacts("Group", group)
    else:
        assert user is not None
        identity = impersonate(user, as_groups)
        target = revoke.SubjectFacts("User", user)
    inputs = load_sources(sources, "the RBAC bindings", with_defaults=with_defaults)
    plan = revoke.plan(target, sorted(identity.groups), binding_facts(world_of(inputs.snapshot), identity))
    if output == "json":
        print_json(plan.to_dict())
    else:
        _print_plan(plan)
    exit_with(inputs, not plan.complete)


def _admin_grants(world: RbacWorld, identity: Identity) -> list[str]:
    """The ClusterRoleBindings that make ``identity`` a cluster admin (cluster-admin, or a
    ClusterRole allowing every verb on everything), each with the subject that names it."""
    found = []
    for binding, subject in world.bindings_for(identity, ""):
        everything = binding.role is not None and any(rule_allows(r, _EVERYTHING) for r in binding.role.rules)
        if binding.role_name == "cluster-admin" or everything:
            found.append(f"{binding.ref.label} binds {binding.role_kind} {binding.role_name} to {subject}")
    return found


def _file_stem(user: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", user).strip("-.") or "user"


def _write(path: Path, data: bytes, *, private: bool, force: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | (0 if force else os.O_EXCL)
    try:
        descriptor = os.open(path, flags, 0o600 if private else 0o644)
    except FileExistsError:
        abort(f"{path}: already exists (--force overwrites it)")
    except OSError as error:
        abort(f"{path}: cannot write: {error.strerror or error}")
    with os.fdopen(descriptor, "wb") as file:
        if private:
            os.fchmod(file.fileno(), 0o600)
        file.write(data)


def _spki(public_key: Any) -> bytes:
    return bytes(
        public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _load_ca(cert_path: str, key_path: str) -> tuple[crypto_x509.Certificate, client_identity.PrivateKey]:
    try:
        certificate = crypto_x509.load_pem_x509_certificate(_read(cert_path, "the CA certificate"))
    except ValueError:
        abort(f"{cert_path}: not a PEM certificate")
    try:
        key = serialization.load_pem_private_key(_read(key_path, "the CA key"), password=None)
    except (ValueError, TypeError):
        abort(f"{key_path}: not an unencrypted PEM private key")
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        abort(f"{key_path}: only EC and RSA CA keys are supported")
    if _spki(key.public_key()) != _spki(certificate.public_key()):
        abort(f"{key_path}: this key does not belong to the CA certificate {cert_path}")
    return certificate, key


def _server(given: str | None, kubeconfigs: list[Mapping[str, Any]]) -> str:
    if given:
        return given
    for config in kubeconfigs:
        for cluster in config.get("clusters") or []:
            server = (cluster.get("cluster") or {}).get("server") if isinstance(cluster, Mapping) else None
            if isinstance(server, str) and server:
                return server
    _warn("no --server and no kubeconfig in the SOURCEs: the kubeconfig points at https://127.0.0.1:6443")
    return "https://127.0.0.1:6443"


def _check_identity(info: authn_x509.CertificateInfo, user: str, groups: tuple[str, ...]) -> None:
    if (info.user, info.groups) != (user, groups):  # the engine reads back what was asked
        abort(f"internal error: the API server would map this to {info.user} {info.groups}")


def _dump(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False).encode()


@authn.command("issue")
@click.argument("sources", nargs=-1, metavar="[SOURCE...]")
@click.option("--user", required=True, metavar="USER", help="The user name (certificate CN).")
@click.option(
    "--group", "groups", multiple=True, metavar="GROUP", help="A group (certificate O; repeatable)."
)
@click.option("--days", type=int, default=90, show_default=True, help="Validity in days.")
@click.option(
    "--key-type",
    type=click.Choice(client_identity.KEY_TYPES),
    default="ec",
    show_default=True,
    help="EC P-256 or RSA 3072.",
)
@click.option(
    "--out",
    "out_dir",
    metavar="DIR",
    help="Where to write the files (default: the current directory; the CSR object is then printed).",
)
@click.option(
    "--ca-cert",
    metavar="FILE",
    help="Sign with this CA certificate (test clusters) instead of making a CSR object.",
)
@click.option("--ca-key", metavar="FILE", help="The CA's private key (with --ca-cert).")
@click.option("--server", metavar="URL", help="The API server URL for the kubeconfig.")
@click.option("--force", is_flag=True, help="Issue admin identities anyway and overwrite existing files.")
def issue(
    sources: tuple[str, ...],
    user: str,
    groups: tuple[str, ...],
    days: int,
    key_type: str,
    out_dir: str | None,
    ca_cert: str | None,
    ca_key: str | None,
    server: str | None,
    force: bool,
) -> None:
    """A new client identity: a private key and a CertificateSigningRequest object
    (certificates.k8s.io/v1, signer kubernetes.io/kube-apiserver-client), or with
    --ca-cert/--ca-key a certificate signed directly, and a kubeconfig using them.

    The private key is only written to files with mode 0600, never printed. Refuses
    system:masters and groups bound to cluster-admin in the SOURCEs unless --force."""
    if days < 1:
        abort(f"--days must be at least 1 (got {days})")
    if (ca_cert is None) != (ca_key is None):
        abort("give both --ca-cert and --ca-key, or neither")
    if days > 365:
        _warn(f"valid for {days} days: a client certificate cannot be revoked, keep it to a year or less")
    inputs = load_sources(sources, "the RBAC bindings") if sources else None
    dangers = [f"{MASTERS} bypasses RBAC and cannot be revoked"] if MASTERS in groups else []
    if inputs is not None:
        dangers += _admin_grants(world_of(inputs.snapshot), impersonate(user, groups))
    if dangers and not force:
        abort(f"refusing to issue a cluster-admin identity ({'; '.join(dangers)}); --force issues it anyway")
    for danger in dangers:
        _warn(f"cluster-admin identity: {danger}")
    directory = Path(out_dir or ".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        abort(f"{directory}: cannot create: {error.strerror or error}")
    stem = directory / _file_stem(user)
    key = client_identity.new_key(key_type)
    key_pem = client_identity.key_pem(key)
    config_server = _server(server, [k.body for k in inputs.snapshot.kubeconfigs] if inputs else [])
    if ca_cert is not None and ca_key is not None:
        ca_certificate, authority_key = _load_ca(ca_cert, ca_key)
        certificate = client_identity.sign(key, user, groups, days, ca_certificate, authority_key)
        issued = authn_x509.decode_certificates(certificate)[0]
        _check_identity(issued, user, groups)
        config = client_identity.kubeconfig(
            user=user,
            server=config_server,
            ca_pem=ca_certificate.public_bytes(serialization.Encoding.PEM),
            certificate_pem=certificate,
            key=key_pem,
        )
        _write(stem.with_name(stem.name + ".key"), key_pem, private=True, force=force)
        _write(stem.with_name(stem.name + ".crt"), certificate, private=False, force=force)
        _write(stem.with_name(stem.name + ".kubeconfig"), _dump(config), private=True, force=force)
        click.echo(
            f"issued {issued.user} (groups: {', '.join(issued.groups) or 'none'}), serial {issued.serial},"
            f" valid until {issued.not_after.isoformat() if issued.not_after else '?'}"
        )
        click.echo(f"wrote {stem}.crt, {stem}.key (0600) and {stem}.kubeconfig (0600)")
    else:
        request = client_identity.request_pem(key, user, groups)
        asked = authn_x509.decode_request(request)
        _check_identity(asked, user, groups)
        name = f"kubeward-{_file_stem(user).lower()}"
        obj = client_identity.csr_object(name, request, days)
        crt = stem.with_name(stem.name + ".crt").resolve()
        config = client_identity.kubeconfig(
            user=user,
            server=config_server,
            certificate_file=str(crt),
            key_file=str(stem.with_name(stem.name + ".key").resolve()),
        )
        _write(stem.with_name(stem.name + ".key"), key_pem, private=True, force=force)
        _write(stem.with_name(stem.name + ".kubeconfig"), _dump(config), private=True, force=force)
        if out_dir is None:
            click.echo(_dump(obj).decode(), nl=False)
        else:
            _write(stem.with_name(stem.name + ".csr.yaml"), _dump(obj), private=False, force=force)
            click.echo(f"wrote {stem}.csr.yaml, {stem}.key (0600) and {stem}.kubeconfig (0600)")
        err_console().print(
            f"next: kubectl apply -f <the CSR>; kubectl certificate approve {name};"
            f" kubectl get csr {name} -o jsonpath='{{.status.certificate}}' | base64 -d > {crt}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if inputs is not None:
        exit_with(inputs, False)
