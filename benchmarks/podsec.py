"""Time kubeward's Pod Security Standards engine and the POD section of ``scan`` (issue 4, §6).

Generates a cluster dump with ``generate.py`` (into a temporary directory unless ``--keep``),
then measures in fresh Python processes, so peak memory is that run's alone:

* ``engine``: ``podsec.evaluate`` on every workload's pod template of the snapshot at one
  policy (default ``restricted:latest``), in one process on one core: templates per second,
  best and median of ``--repeat`` passes over the templates (the load is not timed);
* ``scan``: ``kubeward.scan`` with the POD section's controls on the loaded snapshot;
* ``cli``: the whole command, ``kubeward scan PATH --sections POD -o json``, timed from outside.

Usage: ``python benchmarks/podsec.py --pods 10000 --namespaces 200 [--level baseline]``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from generate import count_kinds, generate, write

Result = dict[str, Any]


def _load(path: str, max_file_mb: float) -> Any:
    import kubeward
    from kubeward.sources.files import Limits

    return kubeward.load([path], limits=Limits(max_file_bytes=int(max_file_mb * 1024 * 1024)))


def measure_engine(path: str, level: str, version: str, repeat: int, max_file_mb: float) -> Result:
    from kubeward.engines import podsec

    inputs = _load(path, max_file_mb)
    templates = [(w.pod_metadata, w.pod_spec) for w in inputs.snapshot.workloads]
    policy = podsec.parse_policy(level, version)
    rates, allowed = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        allowed = sum(1 for metadata, spec in templates if not podsec.evaluate(policy, metadata, spec))
        rates.append(len(templates) / (time.perf_counter() - start))
    return {
        "templates": len(templates),
        "allowed": allowed,
        "best": max(rates),
        "median": statistics.median(rates),
        "policy": str(policy),
    }


def measure_scan(path: str, max_file_mb: float) -> Result:
    import kubeward
    from kubeward.controls.registry import select

    inputs = _load(path, max_file_mb)
    controls = select(sections=["POD"])
    start = time.perf_counter()
    result = kubeward.scan(inputs.snapshot, controls)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "controls": len(controls),
        "findings": len(result.findings),
        "workloads": len(inputs.snapshot.workloads),
        "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def prepare(args: argparse.Namespace, path: Path) -> Result:
    objects = generate(args.pods, args.namespaces, args.seed)
    write(objects, path, "yaml", "dump")
    pods = count_kinds(objects)["Pod"]
    return {"megabytes": path.stat().st_size / 1e6, "objects": len(objects), "pods": pods}


def _child(*words: str) -> Result:
    done = subprocess.run(
        [sys.executable, __file__, *words], check=True, capture_output=True, text=True, cwd=Path.cwd()
    )
    result: Result = json.loads(done.stdout)
    return result


def _command(path: Path, max_file_mb: float) -> float:
    words = [sys.executable, "-m", "kubeward", "scan", str(path), "--sections", "POD", "-o", "json"]
    words += ["--fail-on", "none", "--max-file-size", str(int(max_file_mb + 0.999))]
    start = time.perf_counter()
    subprocess.run(words, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def benchmark(args: argparse.Namespace, workdir: Path) -> None:
    path = workdir / "cluster.yaml"
    sizes = ["--pods", str(args.pods), "--namespaces", str(args.namespaces), "--seed", str(args.seed)]
    made = _child("--prepare", str(path), *sizes)  # generated in a child: this process stays small
    print(f"input: {made['megabytes']:.1f} MB, {made['objects']} objects, {made['pods']} pods", flush=True)
    common = ["--max-file-mb", str(args.max_file_mb)]
    policy = ["--level", args.level, "--version", args.version, "--repeat", str(args.repeat)]
    engine = _child("--measure", "engine", str(path), *policy, *common)
    print(
        f"engine, {engine['policy']}: {engine['templates']} pod templates ({engine['allowed']} allowed):"
        f" {engine['best']:,.0f}/s best, {engine['median']:,.0f}/s median of {args.repeat}"
        f"  (target >= 20,000/s)"
    )
    scans = [_child("--measure", "scan", str(path), *common) for _ in range(args.repeat)]
    seconds = statistics.median(scan["seconds"] for scan in scans)
    peak = max(scan["peak_kib"] for scan in scans) / 1024
    print(
        f"scan, POD section ({scans[0]['controls']} controls, {scans[0]['workloads']} workloads,"
        f" {scans[0]['findings']} findings): {seconds:.2f} s median of {args.repeat}, peak RSS {peak:.0f} MiB"
        f"  (target < 5 s)"
    )
    commands = [_command(path, args.max_file_mb) for _ in range(args.repeat)]
    print(f"whole command, scan --sections POD -o json: {statistics.median(commands):.2f} s median")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--namespaces", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--level", default="restricted")
    parser.add_argument("--version", default="latest")
    parser.add_argument("--max-file-mb", type=float, default=256)
    parser.add_argument("--keep", type=Path, help="write the generated input here and keep it")
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        mode, path = args.measure
        if mode == "engine":
            result = measure_engine(path, args.level, args.version, args.repeat, args.max_file_mb)
        else:
            result = measure_scan(path, args.max_file_mb)
        print(json.dumps(result))
    elif args.prepare:
        print(json.dumps(prepare(args, args.prepare)))
    elif args.repeat < 1:
        parser.error("--repeat must be at least 1")
    elif args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        benchmark(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="kubeward-podsec-bench-") as workdir:
            benchmark(args, Path(workdir))


if __name__ == "__main__":
    main()
