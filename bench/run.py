"""`make bench`: grade a synthetic class and compare with the floor and with nbgrader.

Prints one table and writes bench/results.json. Everything is measured in this one run, on
this machine, so the ratios are what to read (absolute numbers move with the machine's load).

    python bench/run.py [--n 1000] [--jobs 2] [--nbgrader-sample 20] [--sandbox auto]
                        [--memory-n 10000]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import pickle
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import Grader, Submission  # noqa: E402
from grader.integrations import notebook  # noqa: E402
from grader.core.service import find_submissions  # noqa: E402

DEMO = ROOT / "exercises" / "convolution" / "demo"
ASSIGNMENT = ROOT / "exercises" / "convolution"
NOTEBOOK = "convolution.ipynb"
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


def notebook_class(files: list[Path], folder: Path) -> list[Path]:
    """The same class as nbgrader notebooks: each .py submission's code in the released
    notebook's solution cell (the notebooks in the class stay as they are)."""
    template = json.loads((ROOT / "assignments" / "source" / "convolution" / NOTEBOOK).read_text())
    out = []
    for f in files:
        target = folder / f.parent.name / NOTEBOOK
        target.parent.mkdir(parents=True)
        if f.suffix == ".ipynb":
            shutil.copy(f, target)
        else:
            nb = copy.deepcopy(template)
            for cell in nb["cells"]:
                grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if grade_id == "convolve":
                    cell["source"] = f.read_text()
                elif grade_id == "convolve1d":
                    cell["source"] = "# convolve1d is defined in the cell above\n"
            target.write_text(json.dumps(nb))
        out.append(target)
    return out


def measure_notebooks(grader: Grader, folder: Path, jobs: int) -> dict[str, Any]:
    """measure_grader on a folder of nbgrader notebooks, their test cells taken out first as
    `grader grade` does (inside the timing)."""
    subs = find_submissions(folder, grader.spec)
    with tempfile.TemporaryDirectory(prefix="bench-stripped-") as tmp:
        t = time.perf_counter()
        todo = notebook.for_grading(subs, Path(tmp))
        result = measure_grader(grader, todo, jobs)
        result["wall_s"] = time.perf_counter() - t
        result["per_second"] = len(subs) / result["wall_s"]
    return result


def stripped_copies(files: list[Path], folder: Path) -> list[Path]:
    """The notebooks as the grader runs them (test cells out): what the floor runs too."""
    subs = [Submission(f.parent.name, f) for f in files]
    return [s.path for s in notebook.for_grading(subs, folder) if s.path is not None]


def measure_grader(grader: Grader, subs: list[Submission], jobs: int) -> dict[str, Any]:
    """Grade `subs` in this process (warm workers started inside the timing)."""
    t = time.perf_counter()
    cls = grader.grade_all(subs, jobs=jobs)
    wall = time.perf_counter() - t
    per = sorted(r.seconds * 1000 for r in cls.reports)
    return {
        "submissions": len(subs),
        "wall_s": wall,
        "per_second": len(subs) / wall,
        "ms_median": statistics.median(per),
        "ms_p95": per[int(0.95 * (len(per) - 1))],
        "full_marks": sum(r.score == r.max_score for r in cls.reports),
    }


def measure_cli(folder: Path, jobs: int, sandbox: str) -> dict[str, Any]:
    """`grader grade` end to end (every report written, HTML pages included), in a new
    process whose peak memory (VmHWM) is read from /proc while it runs."""
    with tempfile.TemporaryDirectory(prefix="bench-out-") as out:
        argv = [sys.executable, "-m", "grader", "grade", str(folder), "--out", out]
        argv += ["--jobs", str(jobs), "--sandbox", sandbox, "--quiet"]
        t = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _peak_kib(proc.pid))
            time.sleep(0.05)
        wall = time.perf_counter() - t
    n = sum(1 for p in folder.iterdir() if p.is_dir())
    return {
        "submissions": n,
        "wall_s": wall,
        "per_second": n / wall,
        "peak_mib": peak / 1024,
        "exit": proc.returncode,
    }


def _peak_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def worker_peak_mib() -> float:
    """The largest resident size of any process this one has waited for (the workers)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


FLOOR = r"""
import json, os, pickle, sys, time
import numpy as np
files = json.loads(sys.argv[1])
with open(sys.argv[2], "rb") as fh:
    calls = pickle.load(fh)  # [(function name, (arrays...)), ...]: every case of the spec
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
            for name, args in calls:
                try:
                    out += np.asarray(ns[name](*args), float).tobytes()
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


def measure_floor(files: list[Path], jobs: int, calls: list[Any]) -> dict[str, Any]:
    """A bare fork of a warm interpreter running the same student code on the same test
    cases, `jobs` at a time: no sandbox, no checks, no diagnosis, no reports."""
    py = [str(f) for f in files if "gus_syntax" not in str(f)]
    chunks = [py[i::jobs] for i in range(jobs)]
    with tempfile.NamedTemporaryFile(suffix=".pickle") as fh:
        pickle.dump(calls, fh)
        fh.flush()
        t = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", FLOOR, json.dumps(c), fh.name],
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


def measure_nbgrader(notebooks: list[Path], sample: int) -> dict[str, Any]:
    """nbgrader 0.9 autograde on the first `sample` notebooks, one course, as taught."""
    source = ROOT / "assignments" / "source" / "convolution" / NOTEBOOK
    nbgrader = shutil.which("nbgrader")
    notebooks = notebooks[:sample]
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
    ap.add_argument(
        "--memory-n", type=int, default=10_000,
        help="also run `grader grade` on a class this big and compare its peak memory "
        "with the N-student run (0 skips it)",
    )  # fmt: skip
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = ap.parse_args()
    grader = Grader.create(ASSIGNMENT, sandbox=args.sandbox)
    calls = [(pc.question.function, tuple(pc.inputs.values())) for pc in grader.cases]
    with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
        folder = Path(tmp) / "class"
        say(f"building a class of {args.n}, and the same class as notebooks ...")
        files = build_class(folder, args.n)
        notebooks = notebook_class(files, Path(tmp) / "notebooks")
        subs = find_submissions(folder, grader.spec)
        py = [s for s in subs if s.kind == "py"]
        say("grading the class, its .py files only, then the class as notebooks ...")
        ours = measure_grader(grader, subs, args.jobs)
        ours_py = measure_grader(grader, py, args.jobs)
        ours_nb = measure_notebooks(grader, Path(tmp) / "notebooks", args.jobs)
        workers_mib = worker_peak_mib()  # before any other child process is waited for
        say("the floor ...")
        floor = measure_floor(files, args.jobs, calls)
        floor_py = measure_floor([f for f in files if f.suffix == ".py"], args.jobs, calls)
        runnable = stripped_copies(notebooks, Path(tmp) / "stripped")
        floor_nb = measure_floor(runnable, args.jobs, calls)
        say(f"nbgrader autograde on {args.nbgrader_sample} of the notebooks ...")
        nbg = measure_nbgrader(notebooks, args.nbgrader_sample)
        say(f"`grader grade` end to end on {args.n} ...")
        cli = measure_cli(folder, args.jobs, args.sandbox)
    big: dict[str, Any] = {}
    if args.memory_n:
        with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
            say(f"`grader grade` end to end on {args.memory_n} ...")
            build_class(Path(tmp), args.memory_n)
            big = measure_cli(Path(tmp), args.jobs, args.sandbox)
    check = measure_check()
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "jobs": args.jobs,
        "mode": grader.sandbox.mode,
        "ours": ours,
        "ours_py": ours_py,
        "ours_ipynb": ours_nb,
        "floor": floor,
        "floor_py": floor_py,
        "floor_ipynb": floor_nb,
        "nbgrader": nbg,
        "cli": cli,
        "cli_big": big,
        "worker_peak_mib": workers_mib,
        "grader_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "check_cold_s": check,
    }
    rows = [
        ("sandbox mode", grader.sandbox.mode),
        (
            "submissions (.py / .ipynb)",
            f"{ours['submissions']} ({len(py)} / {len(subs) - len(py)})",
        ),
        ("whole class: submissions per second", f"{ours['per_second']:.0f}"),
        ("ms per submission (median / p95)", f"{ours['ms_median']:.1f} / {ours['ms_p95']:.1f}"),
        (".py only: submissions per second", f"{ours_py['per_second']:.0f}"),
        ("the class as notebooks: per second", f"{ours_nb['per_second']:.0f}"),
        (
            "floor (bare fork, no sandbox) per second",
            f"{floor['per_second']:.0f} whole class, "
            f"{floor_py['per_second']:.0f} .py, {floor_nb['per_second']:.0f} as notebooks",
        ),
        ("ours / floor, whole class (time)", f"{floor['per_second'] / ours['per_second']:.1f}x"),
        ("ours / floor, .py only (time)", f"{floor_py['per_second'] / ours_py['per_second']:.1f}x"),
        (
            "ours / floor, as notebooks (time)",
            f"{floor_nb['per_second'] / ours_nb['per_second']:.1f}x",
        ),
    ]
    if "per_second" in nbg:
        ratio = ours_nb["per_second"] / nbg["per_second"]
        rows.append(("nbgrader autograde per second", f"{nbg['per_second']:.2f}"))
        rows.append(("ours / nbgrader, notebooks (throughput)", f"{ratio:.0f}x"))
    else:
        rows.append(("nbgrader", nbg["skipped"]))
    rows.append(("grader peak memory (this process)", f"{result['grader_peak_mib']:.0f} MiB"))
    rows.append(("worker peak memory", f"{result['worker_peak_mib']:.0f} MiB"))
    rows.append(
        (f"`grader grade` with all reports, {cli['submissions']}",
         f"{cli['per_second']:.0f} per second, peak {cli['peak_mib']:.0f} MiB")
    )  # fmt: skip
    if big:
        rows.append(
            (f"`grader grade` with all reports, {big['submissions']}",
             f"{big['per_second']:.0f} per second, peak {big['peak_mib']:.0f} MiB "
             f"({big['peak_mib'] / cli['peak_mib']:.2f}x)")
        )  # fmt: skip
    rows.append(("grader check, cold start", f"{check:.2f} s"))
    width = max(len(r[0]) for r in rows)
    print(f"Benchmark ({args.jobs} jobs, {os.cpu_count()} cores, {result['when']})")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
