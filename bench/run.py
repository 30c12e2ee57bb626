"""`make bench`: grade a synthetic class and compare with the floor and with nbgrader.

Prints one table and writes bench/results.json. Everything is measured in this one run, on
this machine, so the ratios are what to read (absolute numbers move with the machine's load).

    python bench/run.py [--n 1000] [--jobs 2] [--nbgrader-sample 20] [--sandbox auto]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import Grader  # noqa: E402
from grader.service import find_submissions  # noqa: E402

DEMO = ROOT / "examples" / "submissions"
ASSIGNMENT = ROOT / "assignments" / "convolution"
# (template, share of the class): correct loop and vectorized, notebooks, wrong, failing.
MIX = [
    (DEMO / "ada_loops" / "convolution.py", 0.30),
    (DEMO / "ben_vectorized" / "convolution.py", 0.20),
    (DEMO / "jo_single_file.py", 0.05),
    (DEMO / "ivy_notebook" / "convolution.ipynb", 0.15),
    (DEMO / "chen_flipped" / "convolution.py", 0.10),
    (DEMO / "dana_same_padding" / "convolution.py", 0.05),
    (DEMO / "eli_off_by_one" / "convolution.py", 0.05),
    (DEMO / "fay_stub" / "convolution.py", 0.05),
    (DEMO / "gus_syntax_error" / "convolution.py", 0.05),
]


def build_class(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """n submissions drawn from MIX, one folder each (<student>/convolution.py|.ipynb)."""
    rng = random.Random(seed)
    templates = [t for t, _ in MIX]
    weights = [w for _, w in MIX]
    files = []
    for i in range(n):
        template = rng.choices(templates, weights)[0]
        student = folder / f"student{i:05d}"
        student.mkdir(parents=True)
        target = student / template.name
        # a comment makes every file distinct, as real submissions are
        data = template.read_bytes()
        if template.suffix == ".py":
            data += f"\n# submission {i}\n".encode()
        target.write_bytes(data)
        files.append(target)
    return files


def measure_grader(folder: Path, jobs: int, sandbox: str) -> dict[str, object]:
    t0 = time.perf_counter()
    grader = Grader.create(ASSIGNMENT, sandbox=sandbox)
    setup = time.perf_counter() - t0
    subs = find_submissions(folder, grader.spec)
    t1 = time.perf_counter()
    cls = grader.grade_all(subs, jobs=jobs)
    wall = time.perf_counter() - t1
    per = sorted(r.seconds * 1000 for r in cls.reports)
    return {
        "mode": grader.sandbox.mode,
        "submissions": len(subs),
        "wall_s": wall,
        "setup_s": setup,
        "per_second": len(subs) / wall,
        "ms_median": statistics.median(per),
        "ms_p95": per[int(0.95 * (len(per) - 1))],
        "grader_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "full_marks": sum(r.score == r.max_score for r in cls.reports),
    }


FLOOR = r"""
import json, os, sys, time
import numpy as np
files = json.loads(sys.argv[1])
inputs = [np.random.default_rng(s).normal(size=shape) for s, shape in
          [(1, (8, 8)), (2, (12, 10)), (3, (10, 10)), (4, (12, 8))]]
kernel = np.random.default_rng(5).normal(size=(3, 3))
signal = np.random.default_rng(6).normal(size=17)
k1 = np.random.default_rng(7).normal(size=3)
t = time.perf_counter()
for path in files:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        out = b""
        try:
            src = open(path, "rb").read()
            if path.endswith(".ipynb"):
                nb = json.loads(src)
                src = "\n".join("".join(c["source"]) for c in nb["cells"]
                                if c["cell_type"] == "code")
                src = "\n".join(l for l in src.splitlines()
                                if not l.lstrip().startswith(("%", "!")))
            ns = {"__name__": "submission"}
            try:
                exec(compile(src, path, "exec"), ns)
            except Exception:
                pass
            for img in inputs:
                try:
                    out += np.asarray(ns["convolve"](img, kernel), float).tobytes()
                except Exception:
                    pass
            for _ in range(2):
                try:
                    out += np.asarray(ns["convolve1d"](signal, k1), float).tobytes()
                except Exception:
                    pass
        finally:
            os.write(w, out[:65536])
            os._exit(0)
    os.close(w)
    while os.read(r, 65536):
        pass
    os.close(r)
    os.waitpid(pid, 0)
print(time.perf_counter() - t)
"""


def measure_floor(files: list[Path], jobs: int) -> dict[str, object]:
    """A bare fork of a warm interpreter running the same student code: no sandbox."""
    py = [str(f) for f in files if "gus_syntax" not in str(f)]
    chunks = [py[i::jobs] for i in range(jobs)]
    t = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", FLOOR, json.dumps(c)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        for c in chunks
    ]
    for p in procs:
        p.communicate(timeout=600)
    wall = time.perf_counter() - t
    return {"submissions": len(py), "wall_s": wall, "per_second": len(py) / wall}


def measure_check() -> float:
    """`grader check FILE` from a cold start (a new interpreter), seconds."""
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "grader", "check", str(DEMO / "ada_loops" / "convolution.py")],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - t


def measure_nbgrader(files: list[Path], sample: int) -> dict[str, object]:
    """nbgrader 0.9 autograde on `sample` of the class's notebooks, one course, as taught."""
    source = ROOT / "assignments" / "source" / "convolution" / "convolution.ipynb"
    nbgrader = shutil.which("nbgrader")
    notebooks = [f for f in files if f.suffix == ".ipynb"][:sample]
    if not nbgrader or not source.is_file() or not notebooks:
        return {"skipped": "nbgrader or the source notebook is not installed here"}
    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as tmp:
        course = Path(tmp)
        (course / "source" / "convolution").mkdir(parents=True)
        shutil.copy(source, course / "source" / "convolution" / "convolution.ipynb")
        (course / "nbgrader_config.py").write_text(
            "c = get_config()\nc.CourseDirectory.course_id = 'bench'\n"
            f"c.CourseDirectory.root = r'{course}'\n"
        )
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
        subprocess.run(
            [nbgrader, "generate_assignment", "convolution", "--force"],
            cwd=course, env=env, capture_output=True, check=True,
        )  # fmt: skip
        for i, nb in enumerate(notebooks):
            dest = course / "submitted" / f"s{i}" / "convolution"
            dest.mkdir(parents=True)
            shutil.copy(nb, dest / "convolution.ipynb")
        t = time.perf_counter()
        subprocess.run(
            [nbgrader, "autograde", "convolution", "--force"],
            cwd=course, env=env, capture_output=True, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - t
    return {"submissions": len(notebooks), "wall_s": wall, "per_second": len(notebooks) / wall}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--nbgrader-sample", type=int, default=20)
    ap.add_argument("--sandbox", default="auto")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
        files = build_class(Path(tmp), args.n)
        ours = measure_grader(Path(tmp), args.jobs, args.sandbox)
        floor = measure_floor(files, args.jobs)
        nb = measure_nbgrader(files, args.nbgrader_sample)
    check = measure_check()
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "ours": ours,
        "floor": floor,
        "nbgrader": nb,
        "check_cold_s": check,
    }
    rows = [
        ("sandbox mode", ours["mode"]),
        ("submissions", ours["submissions"]),
        ("submissions per second", f"{ours['per_second']:.0f}"),
        ("ms per submission (median / p95)", f"{ours['ms_median']:.1f} / {ours['ms_p95']:.1f}"),
        ("grader peak memory", f"{ours['grader_peak_mib']:.0f} MiB"),
        ("worker peak memory", f"{ours['worker_peak_mib']:.0f} MiB"),
        ("floor (bare fork, no sandbox) per second", f"{floor['per_second']:.0f}"),
        ("ours / floor (time per submission)", f"{floor['per_second'] / ours['per_second']:.1f}x"),
    ]
    if "per_second" in nb:
        ratio = ours["per_second"] / nb["per_second"]
        rows.append(("nbgrader autograde per second", f"{nb['per_second']:.2f}"))
        rows.append(("ours / nbgrader (throughput)", f"{ratio:.0f}x"))
    else:
        rows.append(("nbgrader", nb["skipped"]))
    rows.append(("grader check, cold start", f"{check:.2f} s"))
    width = max(len(r[0]) for r in rows)
    print(f"Benchmark ({args.jobs} jobs, {os.cpu_count()} cores, {result['when']})")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
