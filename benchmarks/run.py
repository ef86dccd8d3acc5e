"""Time ``kubeward.load`` and ``kubeward.scan`` on a generated cluster.

Generates the input with ``generate.py`` (into a temporary directory unless ``--keep``), then
measures each run in a fresh Python process, so peak memory is that run's alone:

* ``load``: ``kubeward.load([path])`` plus building ``snapshot.workloads``;
* ``load+scan``: the same, then ``kubeward.scan(inputs.snapshot)``, with the process's peak RSS;
* ``cli``: the whole command, ``kubeward scan PATH -o json`` (report, with every finding's
  line located, written to a file), timed from outside.

The table shows the median of ``--repeat`` runs.

Usage: ``python benchmarks/run.py --pods 2000 --namespaces 40 [--format json] [--style manifests]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from generate import count_kinds, generate, to_manifest, write

Result = dict[str, Any]


def measure(mode: str, path: str, max_file_mb: float | None) -> Result:
    """One measurement, in this process: ``mode`` is ``load`` or ``scan`` (load+scan)."""
    import kubeward  # imported before the clock starts

    options: dict[str, Any] = {}
    if max_file_mb is not None:
        from kubeward.sources.files import Limits

        options["limits"] = Limits(max_file_bytes=int(max_file_mb * 1024 * 1024))
    start = time.perf_counter()
    inputs = kubeward.load([path], **options)
    workloads = len(inputs.snapshot.workloads)
    loaded = time.perf_counter()
    findings = len(kubeward.scan(inputs.snapshot).findings) if mode == "scan" else None
    end = time.perf_counter()
    return {
        "load": loaded - start,
        "total": end - start,
        "scan": end - loaded,
        "objects": len(inputs.snapshot.objects),
        "workloads": workloads,
        "findings": findings,
        "errors": [str(error) for error in inputs.errors[:10]],
        "error_count": len(inputs.errors),
        "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,  # KiB on Linux
        "hwm_kib": _vm_hwm(),
    }


def _vm_hwm() -> int | None:
    """Linux's VmHWM (peak RSS of this program image alone), as a cross-check of ru_maxrss."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), None)


def prepare(args: argparse.Namespace, target: Path) -> Result:
    """Generate and write the input, in this process; return what was written."""
    objects = generate(args.pods, args.namespaces, args.seed)
    files = write(objects, target, args.format, args.style)
    if args.style == "manifests":
        objects = [manifest for manifest in map(to_manifest, objects) if manifest is not None]
    size = sum(file.stat().st_size for file in files)
    return {"files": len(files), "bytes": size, "objects": len(objects), "pods": count_kinds(objects)["Pod"]}


def run_child(*words: str) -> Result:
    """Run this script with ``words`` in a fresh interpreter (the one running it) and read its result.

    The parent never holds the generated cluster: Linux carries ``ru_maxrss`` over fork and
    exec, so a child started from a big parent would report the parent's peak as its own."""
    command = [sys.executable, str(Path(__file__).resolve()), *words]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"failed: {shlex.join(command)}\n{done.stderr}")
    result: Result = json.loads(done.stdout.splitlines()[-1])
    return result


def reproduce(args: argparse.Namespace) -> str:
    """The command line that repeats this benchmark, every option spelled out."""
    words = [sys.executable, sys.argv[0]]
    for option in ("pods", "namespaces", "seed", "format", "style", "repeat", "max_file_mb", "keep"):
        value = getattr(args, option)
        if value is not None:
            words += [
                f"--{option.replace('_', '-')}",
                f"{value:g}" if isinstance(value, float) else str(value),
            ]
    pythonpath = os.environ.get("PYTHONPATH")
    return (f"PYTHONPATH={shlex.quote(pythonpath)} " if pythonpath else "") + shlex.join(words)


def benchmark(args: argparse.Namespace, workdir: Path) -> None:
    """Generate the input in ``workdir``, measure it ``args.repeat`` times and print the table."""
    started = time.perf_counter()
    target = workdir / ("cluster" if args.style == "manifests" else f"cluster.{args.format}")
    size = ["--pods", str(args.pods), "--namespaces", str(args.namespaces), "--seed", str(args.seed)]
    made = run_child("--prepare", str(target), *size, "--format", args.format, "--style", args.style)
    print(
        f"generated {target}: {made['files']} file(s), {made['bytes'] / 1e6:.1f} MB, "
        f"{made['objects']} objects, {made['pods']} Pods in {time.perf_counter() - started:.1f} s"
    )
    limit = [] if args.max_file_mb is None else ["--max-file-mb", str(args.max_file_mb)]
    loads: list[Result] = []
    scans: list[Result] = []
    commands: list[float] = []
    for _ in range(args.repeat):
        loads.append(run_child("--measure", "load", str(target), *limit))
        scans.append(run_child("--measure", "scan", str(target), *limit))
        commands.append(run_command(target, workdir, args.max_file_mb))
    report(args, made, loads, scans, statistics.median(commands))


def run_command(target: Path, workdir: Path, max_file_mb: float | None) -> float:
    """Seconds the ``kubeward scan`` command takes, start to exit, with a JSON report."""
    size = ["--max-file-size", str(int(max_file_mb + 0.999))] if max_file_mb is not None else []
    command = [sys.executable, "-m", "kubeward", "scan", str(target), "-o", "json", "--fail-on", "none"]
    command += [*size, "--output-file", str(workdir / "report.json")]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 2):
        sys.exit(f"failed: {shlex.join(command)}\n{done.stderr}")
    return elapsed


def median(results: list[Result], key: str) -> float:
    return float(statistics.median(result[key] for result in results))


def report(
    args: argparse.Namespace, made: Result, loads: list[Result], scans: list[Result], command: float
) -> None:
    first = scans[0]
    if first["error_count"]:
        print(f"\n{first['error_count']} INPUT ERROR(S) - the numbers below do not measure a full load:")
        for error in first["errors"]:
            print(f"  {error}")
    load, total, peak = median(loads, "load"), median(scans, "total"), median(scans, "peak_kib") / 1024
    header = ("input", "MB", "objects", "pods", "load s", "objects/s", "load+scan s", "peak MiB", "command s")
    row = (
        f"{args.style}/{args.format}",
        f"{made['bytes'] / 1e6:.1f}",
        str(first["objects"]),
        str(made["pods"]),
        f"{load:.2f}",
        f"{first['objects'] / load:,.0f}",
        f"{total:.2f}",
        f"{peak:.0f}",
        f"{command:.2f}",
    )
    widths = [max(len(a), len(b)) for a, b in zip(header, row, strict=True)]
    print()
    for line in (header, ["-" * width for width in widths], row):
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
    hwm = "n/a" if first["hwm_kib"] is None else f"{median(scans, 'hwm_kib') / 1024:.0f} MiB"
    print(
        f"\nmedian of {args.repeat}; {first['workloads']} workloads, {first['findings']} findings; "
        f"scan alone {median(scans, 'scan'):.2f} s; "
        f"load-only peak {median(loads, 'peak_kib') / 1024:.0f} MiB; load+scan VmHWM {hwm}"
    )
    print("load runs (s):", *(f"{result['load']:.2f}" for result in loads), end="; ")
    print("load+scan runs (s):", *(f"{result['total']:.2f}" for result in scans))
    print(f"reproduce: {reproduce(args)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--pods", type=int, help="Pod objects in the cluster (required)")
    parser.add_argument("--namespaces", type=int, help="namespaces besides the 4 system ones (required)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.add_argument("--style", choices=("dump", "manifests"), default="dump")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write the input here and keep it")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the median is shown)")
    parser.add_argument("--max-file-mb", type=float, help="pass Limits(max_file_bytes=...) to kubeward.load")
    parser.add_argument("--prepare", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], args.measure[1], args.max_file_mb)))
    elif args.prepare:
        print(json.dumps(prepare(args, Path(args.prepare))))
    elif args.pods is None or args.namespaces is None or args.repeat < 1:
        parser.error("--pods and --namespaces are required; --repeat must be at least 1")
    elif args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        benchmark(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="kubeward-bench-") as workdir:
            benchmark(args, Path(workdir))


if __name__ == "__main__":
    main()
