"""Time kubeward's network-policy engine (issue 5, §5) on a synthetic cluster.

Generates a cluster dump with ``generate.py`` and tops its NetworkPolicies up to ``--policies``
with a realistic mix (per namespace: default-deny, DNS egress, ingress from the ingress
namespace; per workload: ingress from the same app, from monitoring, egress to the namespace's
databases, and egress to external ipBlocks, some with ``except``), split into files under the
default file-size limit. ``--cidrs N`` makes the ipBlocks use at least N distinct CIDRs (IPv4
and IPv6). Then measures, each in a fresh Python process pinned to one core, so time and peak
memory are that run's alone (the load is timed separately):

* ``build``: ``network_of(snapshot)``;
* ``connlist``: ``network_of`` + ``connlist`` (the issue's target: < 10 s, < 2 GiB, one core);
* ``can-reach``: ``network.find`` + ``verdict`` for ``--queries`` random pairs of workloads and
  external addresses after loading and building (target < 50 ms each): mean and p99;
* ``cli``: the whole command, ``kubeward netpol connlist DIR -o json``, timed from outside.

Usage: ``python benchmarks/netpol.py --pods 10000 --namespaces 200 --policies 1000 [--cidrs 600]``
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import random
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from generate import NETWORKING, count_kinds, generate, write

Result = dict[str, Any]
Obj = dict[str, Any]

CHUNK = 4000  # objects per file: each file stays well under the default 32 MiB limit
APP = "app.kubernetes.io/name"
NAMESPACE_NAME = "kubernetes.io/metadata.name"
DATABASES = ("postgres", "redis", "kafka", "elasticsearch", "rabbitmq")


# --- input ---------------------------------------------------------------------------------


def _policy(namespace: str, name: str, spec: Obj) -> Obj:
    metadata = {"name": name, "namespace": namespace, "generation": 1}
    return {"apiVersion": NETWORKING, "kind": "NetworkPolicy", "metadata": metadata, "spec": spec}


def _app_selector(name: str) -> Obj:
    return {"matchLabels": {APP: name}}


class CidrPool:
    """Distinct external CIDRs (1 in 8 IPv6, in 2001:db8::/32), then repeats of them."""

    def __init__(self, rng: random.Random, distinct: int) -> None:
        self.rng = rng
        self.wanted = distinct
        self.made: list[str] = []

    def draw(self) -> str:
        if len(self.made) < self.wanted or not self.made:
            index = len(self.made)
            if index % 8 == 7:
                cidr = f"2001:db8:{index:x}::/48"
            else:  # /24s and /28s spread over 100.0.0.0-199.255.255.255
                first = 100 + index // 4096 % 100
                cidr = f"{first}.{index // 16 % 256}.{index % 16 * 16}.0/{self.rng.choice((24, 24, 28))}"
            self.made.append(str(ipaddress.ip_network(cidr, strict=False)))
            return self.made[-1]
        return self.rng.choice(self.made)

    def block(self) -> Obj:
        cidr = ipaddress.ip_network(self.draw())
        block: Obj = {"cidr": str(cidr)}
        if cidr.prefixlen < cidr.max_prefixlen - 2 and self.rng.random() < 0.3:
            block["except"] = [str(next(cidr.subnets(prefixlen_diff=2)))]
        return block


def extra_policies(objects: list[Obj], wanted: int, cidrs: int, seed: int) -> list[Obj]:
    """NetworkPolicies (beyond those ``generate`` writes) until there are ``wanted`` in all."""
    rng = random.Random(seed)
    have = count_kinds(objects)["NetworkPolicy"]
    apps: dict[str, list[str]] = defaultdict(list)
    for obj in objects:
        if obj["kind"] in ("Deployment", "StatefulSet"):
            labels = obj["spec"]["template"]["metadata"].get("labels") or {}
            if APP in labels:
                apps[obj["metadata"]["namespace"]].append(labels[APP])
    pool = CidrPool(rng, cidrs)
    namespaced = sorted(ns for ns in apps if ns not in ("kube-system", "monitoring", "ingress-nginx"))
    made: list[Obj] = []
    candidates = [(ns, app) for ns in namespaced for app in sorted(set(apps[ns]))]
    rng.shuffle(candidates)
    kinds = ("same-app", "monitoring", "databases", "external", "external")
    step = 0
    while have + len(made) < wanted and candidates:
        namespace, app = candidates[step % len(candidates)]
        kind = kinds[step % len(kinds)] if len(pool.made) >= cidrs else "external"
        step += 1
        name = f"{kind}-{app}-{step}"
        selector = _app_selector(app)
        if kind == "same-app":
            spec = {"podSelector": selector, "ingress": [{"from": [{"podSelector": selector}]}]}
        elif kind == "monitoring":
            source = {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME: "monitoring"}}}
            ports = [{"port": "metrics", "protocol": "TCP"}, {"port": 9901}, {"port": 2020}]
            spec = {"podSelector": selector, "ingress": [{"from": [source], "ports": ports}]}
        elif kind == "databases":
            targets = [{"podSelector": _app_selector(db)} for db in DATABASES if db in apps[namespace]]
            if not targets:
                continue
            ports = [{"port": 5432}, {"port": 6379}, {"port": 9092, "endPort": 9094}, {"port": 9200}]
            spec = {
                "podSelector": selector,
                "policyTypes": ["Egress"],
                "egress": [{"to": targets, "ports": ports}],
            }
        else:
            blocks = [{"ipBlock": pool.block()} for _ in range(rng.randint(1, 4))]
            ports = [{"port": 443}, {"port": 8443, "endPort": 8449, "protocol": "TCP"}]
            spec = {
                "podSelector": selector,
                "policyTypes": ["Egress"],
                "egress": [{"to": blocks, "ports": ports}],
            }
        made.append(_policy(namespace, name, spec))
    return made


def prepare(args: argparse.Namespace, directory: Path) -> Result:
    objects = generate(args.pods, args.namespaces, args.seed)
    extra = extra_policies(objects, args.policies, args.cidrs, args.seed)
    objects += extra
    directory.mkdir(parents=True, exist_ok=True)
    for index in range(0, len(objects), CHUNK):
        write(objects[index : index + CHUNK], directory / f"part-{index // CHUNK:03d}.yaml", "yaml", "dump")
    kinds = count_kinds(objects)
    cidrs = {
        peer["ipBlock"]["cidr"]
        for obj in objects
        if obj["kind"] == "NetworkPolicy"
        for rule in obj["spec"].get("egress", []) + obj["spec"].get("ingress", [])
        for peer in rule.get("to", []) + rule.get("from", [])
        if "ipBlock" in peer
    }
    megabytes = sum(path.stat().st_size for path in directory.iterdir()) / 1e6
    return {
        "megabytes": megabytes,
        "objects": len(objects),
        "pods": kinds["Pod"],
        "namespaces": kinds["Namespace"],
        "policies": kinds["NetworkPolicy"],
        "cidrs": len(cidrs),
    }


# --- measurements (each in a fresh child process) ------------------------------------------


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(mode: str, path: str, queries: int, seed: int) -> Result:
    import kubeward
    from kubeward.engines.netpol import evaluate, network

    _pin_one_core()
    start = time.perf_counter()
    inputs = kubeward.load([path])
    inputs.snapshot.workloads  # noqa: B018 - built while loading, as the CLI does
    loaded, loaded_cpu = time.perf_counter(), time.process_time()
    net = network.network_of(inputs.snapshot)
    built, built_cpu = time.perf_counter(), time.process_time()
    result: Result = {
        "load": loaded - start,
        "build": built - loaded,
        "build_cpu": built_cpu - loaded_cpu,
        "workloads": len(net.workloads),
        "atoms": len(net.atoms),
        "problems": len(net.problems),
        "errors": len(inputs.errors),
    }
    if mode == "connlist":
        connections = evaluate.connlist(net)
        result["connlist"] = time.perf_counter() - built
        result["connlist_cpu"] = time.process_time() - built_cpu
        result["connections"] = len(connections)
    elif mode == "can-reach":
        result |= _can_reach(net, queries, seed)
    result["peak_mib"] = _peak_mib()
    return result


def _can_reach(net: Any, queries: int, seed: int) -> Result:
    """``find`` both ends by name or address, then ``verdict``: what ``can-reach`` does after loading."""
    from kubeward.engines.netpol import evaluate

    rng = random.Random(seed)
    names = [f"{w.namespace}/{w.name}" for w in net.workloads]
    addresses = [str(atom.start) for atom in net.atoms]
    times, allowed = [], 0
    for index in range(queries):
        src = rng.choice(addresses) if index % 10 == 9 and addresses else rng.choice(names)
        dst = rng.choice(addresses) if index % 10 == 8 and addresses else rng.choice(names)
        start = time.perf_counter()
        answer = evaluate.verdict(net, net.find(src), net.find(dst))
        times.append(time.perf_counter() - start)
        allowed += bool(answer.allowed)
    times.sort()
    return {
        "queries": queries,
        "allowed": allowed,
        "mean_ms": statistics.fmean(times) * 1000,
        "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))] * 1000,
        "max_ms": times[-1] * 1000,
    }


def _child(*words: str) -> Result:
    done = subprocess.run(
        [sys.executable, __file__, *words], check=True, capture_output=True, text=True, cwd=Path.cwd()
    )
    result: Result = json.loads(done.stdout)
    return result


def run_command(path: str) -> Result:
    """The whole ``netpol connlist`` command, from a process that starts nothing else (its
    children's peak RSS is the command's)."""
    words = [sys.executable, "-m", "kubeward", "netpol", "connlist", path, "-o", "json"]
    start = time.perf_counter()
    done = subprocess.run(words, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "exit": done.returncode, "stderr": done.stderr[-300:], "peak_mib": peak}


# --- the table -----------------------------------------------------------------------------


def _row(label: str, seconds: float, cpu: float | None, peak: float | None, target: str) -> str:
    used = f"{cpu:.2f} s" if cpu is not None else ""
    memory = f"{peak:,.0f} MiB" if peak is not None else ""
    return f"| {label:<38} | {seconds:>9.2f} s | {used:>9} | {memory:>10} | {target:<20} |"


def benchmark(args: argparse.Namespace, workdir: Path) -> None:
    path = workdir / "cluster"
    sizes = ["--pods", str(args.pods), "--namespaces", str(args.namespaces), "--seed", str(args.seed)]
    sizes += ["--policies", str(args.policies), "--cidrs", str(args.cidrs)]
    made = _child("--prepare", str(path), *sizes)  # generated in a child: this process stays small
    print(
        f"input: {made['megabytes']:.1f} MB in {path}, {made['objects']} objects, {made['pods']} pods,"
        f" {made['namespaces']} namespaces, {made['policies']} NetworkPolicies,"
        f" {made['cidrs']} distinct CIDRs",
        flush=True,
    )
    options = ["--queries", str(args.queries), "--seed", str(args.seed)]
    builds = [_child("--measure", "build", str(path), *options) for _ in range(args.repeat)]
    lists = [_child("--measure", "connlist", str(path), *options) for _ in range(args.repeat)]
    reach = _child("--measure", "can-reach", str(path), *options)
    commands = [_child("--command", str(path)) for _ in range(args.repeat)]
    first = lists[0]
    print(
        f"network: {first['workloads']} workloads, {first['atoms']} external ranges,"
        f" {first['problems']} problems,"
        f" {first['connections']} connections; load {statistics.median(b['load'] for b in builds):.2f} s"
        f" (not counted below); median of {args.repeat}, one core"
    )
    print(f"| {'step':<38} | {'wall time':>11} | {'CPU time':>9} | {'peak RSS':>10} | {'target':<20} |")
    print(f"|{'-' * 40}|{'-' * 13}|{'-' * 11}|{'-' * 12}|{'-' * 22}|")
    median = statistics.median
    print(
        _row(
            "network_of (build)",
            median(b["build"] for b in builds),
            median(b["build_cpu"] for b in builds),
            None,
            "",
        )
    )
    print(
        _row(
            "connlist",
            median(r["connlist"] for r in lists),
            median(r["connlist_cpu"] for r in lists),
            None,
            "",
        )
    )
    print(
        _row(
            "network_of + connlist (process peak)",
            median(r["build"] + r["connlist"] for r in lists),
            median(r["build_cpu"] + r["connlist_cpu"] for r in lists),
            max(r["peak_mib"] for r in lists),
            "< 10 s, < 2,048 MiB",
        )
    )
    print(
        f"| {'can-reach: find + verdict, mean':<38} | {reach['mean_ms']:>8.2f} ms | {'':>9} | {'':>10} |"
        f" {'< 50 ms':<20} |  over {reach['queries']} random pairs;"
        f" p99 {reach['p99_ms']:.2f} ms, max {reach['max_ms']:.2f} ms"
    )
    seconds = median(c["seconds"] for c in commands)
    peak = max(c["peak_mib"] for c in commands)
    print(_row("kubeward netpol connlist -o json", seconds, None, peak, "whole command"))
    for command in commands:
        if command["exit"] not in (0, 1):
            print(f"  command exited {command['exit']}: {command['stderr'].strip()}")
    here = (
        Path(__file__).relative_to(Path.cwd())
        if Path(__file__).is_relative_to(Path.cwd())
        else Path(__file__)
    )
    words = [sys.executable, str(here), *sizes, "--repeat", str(args.repeat), "--queries", str(args.queries)]
    print(f"reproduce: {shlex.join(words)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--namespaces", type=int, default=200)
    parser.add_argument("--policies", type=int, default=1000, help="NetworkPolicies in all")
    parser.add_argument("--cidrs", type=int, default=50, help="at least this many distinct ipBlock CIDRs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--queries", type=int, default=1000, help="can-reach queries")
    parser.add_argument("--keep", type=Path, help="write the generated input here and keep it")
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--command", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.command:
        print(json.dumps(run_command(args.command)))
    elif args.measure:
        print(json.dumps(measure(args.measure[0], args.measure[1], args.queries, args.seed)))
    elif args.prepare:
        print(json.dumps(prepare(args, args.prepare)))
    elif args.repeat < 1:
        parser.error("--repeat must be at least 1")
    elif args.keep is not None:
        benchmark(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="kubeward-netpol-bench-") as workdir:
            benchmark(args, Path(workdir))


if __name__ == "__main__":
    main()
