"""Hostile submissions: each attack in tests/attacks/ gets exactly the verdict it deserves.

Every file there starts with `# expect: score=N` and one line saying what it tries. The
attacks are bounded and safe to run without a sandbox: writes only ever target a canary
folder a test creates under /tmp/grader-canary-*, the network only a listener a test opens
on 127.0.0.1, memory and process counts are capped. Attacks that only bubblewrap can stop are
also graded in "process" mode, where the test states what that mode lets through.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grader import Grader, GradeReport, Submission
from grader.isolation.sandbox import process_isolation
from grader.report.files import write_all

from .conftest import ASSIGNMENT, FIXTURES, ROOT, fast

pytestmark = pytest.mark.slow

ATTACKS = Path(__file__).resolve().parent / "attacks"
CORRECT = FIXTURES / "correct.py"
# The exercise (spec, reference, exercise module, demo class), the nbgrader course, fixtures.
REPO_DIRS = (ASSIGNMENT, ROOT / "assignments", FIXTURES)
FULL = 16.0
MARKS = {
    "passed": ".",
    "wrong": "x",
    "error": "E",
    "timeout": "T",
    "memory": "M",
    "crashed": "C",
    "exited": "X",
    "not_run": "-",
}
ALL_PASS = ".......|....."
ONE_D_ONLY = "xxxxxxx|....."  # convolve wrong on every case, convolve1d right: 5 points


# --- helpers ------------------------------------------------------------------------------------


def marks(report: GradeReport) -> str:
    """The terminal's marks: seven convolve cases, a bar, five convolve1d cases."""
    by_q: dict[str, str] = {}
    for c in report.cases:
        by_q[c.question] = by_q.get(c.question, "") + MARKS[c.outcome]
    return "|".join(by_q.values())


def said(report: GradeReport) -> str:
    """Everything the report says to the student: case messages and file-level problems."""
    return "\n".join([*(c.message for c in report.cases), *report.problems])


def snapshot(*roots: Path) -> dict[str, str]:
    """Path -> content hash (or link target) of every file under the roots."""
    seen: dict[str, str] = {}
    for root in roots:
        assert root.is_dir(), root  # a folder that moved would be watched silently
        for folder, dirs, files in os.walk(root):
            for name in sorted(dirs + files):
                path = Path(folder, name)
                if path.is_symlink():
                    seen[str(path)] = "-> " + os.readlink(path)
                elif path.is_file():
                    seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
                else:
                    seen[str(path)] = "dir"
    return seen


def marked_pids(marker: str) -> list[int]:
    """Processes whose command line carries the marker (this test process excluded)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            argv = Path("/proc", entry, "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in argv:
            found.append(int(entry))
    return found


def wait_until(check: Callable[[], bool], seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return check()


def section(output: str, name: str) -> str:
    """The text a leak attack printed after `LEAK <name>:`, up to the next LEAK line."""
    start = output.index(f"LEAK {name}:") + len(f"LEAK {name}:")
    return output[start : output.index("\nLEAK ", start)].strip()


def isolated(g: Grader) -> bool:
    """Does this grader's sandbox hide the machine's files and network (bubblewrap, or
    process mode as root where mount namespaces can be made)?"""
    return g.sandbox.mode == "bwrap" or process_isolation() == "private"


def environ_lines(out: str) -> list[str]:
    """What the leak attack printed of its ancestors' environments."""
    return [ln.split(" names: ", 1)[1] for ln in out.splitlines() if " environ names: " in ln]


def has_cap_sys_resource() -> bool:
    """Can this process raise a hard rlimit (CAP_SYS_RESOURCE, bit 24 of CapEff)?"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> 24 & 1)
    return False


HARNESS = """
import json, sys
from pathlib import Path
from grader import Grader, Submission
from tests.conftest import ASSIGNMENT, fast
from tests.test_attacks import marks
grader = fast(Grader.create(ASSIGNMENT, sandbox="process"))
path = Path(sys.argv[1])
reports = [grader.grade(Submission(path.stem, path)) for _ in range(int(sys.argv[2]))]
print(json.dumps([[r.score, marks(r)] for r in reports]))
"""


def grade_in_child(path: Path, tmpdir: str, times: int = 1) -> subprocess.Popen[str]:
    """Grade in process mode inside a throwaway grader process (the attack's 'parent').

    Its worker's scratch folder goes under tmpdir, which the caller removes: a grader that is
    killed never gets to clean up after itself.
    """
    return subprocess.Popen(
        [sys.executable, "-c", HARNESS, str(path), str(times)],
        cwd=ROOT,
        env=dict(os.environ, TMPDIR=tmpdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def process_grader() -> Grader:
    """The grader as the conftest builds it, but forced to the plain-process sandbox."""
    return fast(Grader.create(ASSIGNMENT, sandbox="process"))


@pytest.fixture(scope="module")
def patient_grader(real_grader: Grader) -> Grader:
    """Short call limits, but the spec's own 5 s for top-level code (heavy imports)."""
    return fast(real_grader, load_timeout_s=real_grader.spec.limits.load_timeout_s)


@pytest.fixture(params=["default", "process"])
def sandboxed(request: pytest.FixtureRequest, grader: Grader, process_grader: Grader) -> Grader:
    """The default grader (bubblewrap when it works) and the process-mode one."""
    return grader if request.param == "default" else process_grader


@pytest.fixture
def exclusive() -> Iterator[None]:
    """One test at a time on this machine for the attacks that aim at shared things (/tmp
    canaries, loopback ports, process markers), so a concurrent run cannot blur the result."""
    with open("/tmp/grader-attacks.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@pytest.fixture
def canary(exclusive: None) -> Iterator[Path]:
    """/tmp/grader-canary-*: a victim file, another student's submission, a results folder."""
    root = Path(tempfile.mkdtemp(prefix="grader-canary-", dir="/tmp"))
    (root / "victim.txt").write_text("original\n")
    (root / "submissions").mkdir()
    shutil.copy(CORRECT, root / "submissions" / "other_student.py")
    (root / "reports" / "results").mkdir(parents=True)
    (root / "reports" / "results" / "victim.json").write_text('{"score": 3.0}\n')
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def listener(exclusive: None) -> Iterator[socket.socket]:
    """A socket listening on the first free port of 127.0.0.1:45870-45879."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    for port in range(45870, 45880):
        try:
            sock.bind(("127.0.0.1", port))
            break
        except OSError:
            continue
    else:
        sock.close()
        raise AssertionError("no free port in 45870-45879 for the loopback listener")
    sock.listen(8)
    yield sock
    sock.close()


def header(path: Path) -> list[str]:
    """The first two lines of an attack (of its first code cell for a notebook)."""
    text = path.read_text()
    if path.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        text = "".join(next(c for c in cells if c["cell_type"] == "code")["source"])
    return text.splitlines()[:2]


def test_every_attack_is_labelled_and_graded() -> None:
    """Does every attack file state its expected score and purpose, and is it graded here?"""
    source = Path(__file__).read_text()
    files = sorted(p for p in ATTACKS.iterdir() if p.suffix in (".py", ".ipynb"))
    assert len(files) >= 30
    for path in files:
        first, second = header(path)
        assert first.startswith("# expect: score="), path.name
        assert second.startswith("# ") and len(second) > 10, path.name
        assert f'"{path.name}"' in source, path.name


# --- attacks whose verdict does not depend on the sandbox ---------------------------------------

# file, score, marks (convolve | convolve1d), words the report says
VERDICTS = [
    ("eq_always_true.py", 5, ONE_D_ONLY, "not an array of numbers (TypeError"),
    ("array_protocol_garbage.py", 5, ONE_D_ONLY, "values are wrong"),
    ("array_ufunc_override.py", 5, ONE_D_ONLY, "values are wrong"),
    ("ndarray_subclass.py", 5, ONE_D_ONLY, "values are wrong"),
    ("masked_everything.py", 5, ONE_D_ONLY, "values are wrong"),
    ("list_subclass.py", 5, ONE_D_ONLY, "values are wrong"),
    ("nan_inf.py", 0, "xxxxxxx|xxxxx", "values are NaN or infinite"),
    ("monkeypatch_numpy.py", 5, ONE_D_ONLY, "values are wrong"),
    ("builtins_patch.py", 5, ONE_D_ONLY, "values are wrong"),
    ("fake_grader_modules.py", 5, ONE_D_ONLY, "values are wrong"),
    ("stack_and_gc_search.py", 0, "xxxxxxx|xxxxx", "values are wrong"),
    ("exit_in_call.py", 5, "XXXXXXX|.....", "convolve exited before returning (sys.exit(0))"),
    ("os_exit_zero.py", 11, ".......|XXXXX", "convolve1d exited before returning (exit code 0)"),
    ("close_all_fds.py", 5, "CCCCCCC|.....", "convolve broke its connection to the grader"),
    ("garbage_all_fds.py", 5, "EEEEEEE|.....", "sent a reply the grader did not ask for"),
    ("builtins_min.py", 5, ONE_D_ONLY, "values are wrong"),
    ("endless_import_loop.py", 0, "EEEEEEE|EEEEE", "timed out after 2 s while running the file's"),
    ("loop_one_case.py", 14, "....T..|.....", "convolve timed out after 0.8 s"),
    ("signal_tricks.py", 15, ".......|...T.", "convolve1d timed out after 0.8 s"),
    ("memory_steps.py", 5, "MMMMMMM|.....", "convolve used more than 512 MiB of memory"),
    ("deep_recursion.py", 5, "CCCCCCC|.....", "convolve crashed (segmentation fault)"),
    ("ctypes_crash.py", 0, "CCCCCCC|CCCCC", "convolve1d crashed (aborted)"),
    ("huge_views.py", 0, "xxxxxxx|xxxxx", "returned an array far too big for this input"),
    ("complex_and_bool.py", 0, "xxxxxxx|xxxxx", "returned True/False values instead of numbers"),
    ("structured_dtype.py", 5, ONE_D_ONLY, "not an array of numbers (dtype [('value'"),
    ("aliasing.py", 0, "xxxxxxx|xxxxx", "convolve changed its input (image) in place"),
    ("hide_modification_numpy.py", 5, ONE_D_ONLY, "convolve changed its input (image) in place"),
    ("hide_modification_frames.py", 5, ONE_D_ONLY, "convolve changed its input (image) in place"),
    ("fractions_decimals.py", FULL, ALL_PASS, ""),
    ("big_endian.py", FULL, ALL_PASS, ""),
    ("broken_streams.py", FULL, ALL_PASS, ""),
    ("thread_after_return.py", FULL, ALL_PASS, ""),
    (
        "notebook_transformer.ipynb",
        FULL,
        ALL_PASS,
        "<cell 1>, line 3 raised NameError: name 'get_ipython' is not defined. The cells after",
    ),
    ("notebook_builtins_exec.ipynb", FULL, ALL_PASS, ""),
    ("import_thread_lock.py", FULL, ALL_PASS, ""),
    # correct but odd: full marks
    ("odd_chatty.py", FULL, ALL_PASS, ""),
    ("odd_slow.py", FULL, ALL_PASS, ""),
    ("odd_demo_asserts.py", FULL, ALL_PASS, ""),
    ("odd_main_block.py", FULL, ALL_PASS, ""),
    ("odd_lambda.py", FULL, ALL_PASS, ""),
    ("odd_callable_class.py", FULL, ALL_PASS, ""),
    ("odd_notebook.ipynb", FULL, ALL_PASS, "<cell 5>, line 1 raised ValueError: half-finished"),
]


@pytest.mark.parametrize(
    ("name", "score", "expected", "words"), VERDICTS, ids=[v[0] for v in VERDICTS]
)
def test_attack_verdict(
    grade: Callable[[Path], GradeReport], name: str, score: float, expected: str, words: str
) -> None:
    """Does each attack get exactly its score, per-case outcomes and explanation?"""
    repo = snapshot(*REPO_DIRS)
    report = grade(ATTACKS / name)
    assert (report.score, marks(report)) == (score, expected), said(report)
    assert words in said(report)
    assert f"# expect: score={score:g}" in (ATTACKS / name).read_text()
    assert snapshot(*REPO_DIRS) == repo


@pytest.mark.parametrize("name", ["odd_scipy.py", "odd_matplotlib.py"])
def test_heavy_imports_keep_full_marks(patient_grader: Grader, name: str) -> None:
    """Do correct files that import scipy or draw with matplotlib keep full marks?"""
    path = ATTACKS / name
    report = patient_grader.grade(Submission(path.stem, path))
    assert (report.score, marks(report)) == (FULL, ALL_PASS), said(report)


def test_flooding_output_costs_nothing(grade: Callable[[Path], GradeReport]) -> None:
    """Does 4 MiB of raw writes per call keep full marks, with the output cut at 1 MiB?"""
    report = grade(ATTACKS / "flood_output.py")
    assert (report.score, marks(report)) == (FULL, ALL_PASS)
    assert len(report.output) <= 1024 * 1024
    assert any("only the first part was kept" in p for p in report.problems)


def test_chatty_output_is_kept_whole(grade: Callable[[Path], GradeReport]) -> None:
    """Is printing under the cap kept in full and never reported as cut?"""
    report = grade(ATTACKS / "odd_chatty.py")
    assert "Convolution homework - verbose mode" in report.output
    assert "window (0, 0):" in report.output
    assert not report.problems


def test_main_block_does_not_run(grade: Callable[[Path], GradeReport]) -> None:
    """Is an `if __name__ == "__main__":` block skipped when the file is graded?"""
    report = grade(ATTACKS / "odd_main_block.py")
    assert "press enter" not in report.output
    assert report.score == FULL


# --- attacks that only the sandbox stops --------------------------------------------------------


def test_reading_the_solution(sandboxed: Grader) -> None:
    """Can a submission find and use exercises/convolution/reference.py by absolute or relative
    path?"""
    path = ATTACKS / "read_solution.py"
    report = sandboxed.grade(Submission(path.stem, path))
    if isolated(sandboxed):
        assert (report.score, marks(report)) == (5, ONE_D_ONLY)
        assert "nothing found" in report.output
    else:  # process mode as a plain user: the repository is readable; documented limit
        assert (report.score, marks(report)) == (FULL, ALL_PASS)
        assert "stolen from" in report.output


def test_leaking_spec_and_processes(sandboxed: Grader) -> None:
    """What can a submission read of the spec, its parent processes and the mount table?"""
    path = ATTACKS / "leak_spec_and_proc.py"
    report = sandboxed.grade(Submission(path.stem, path))
    assert (report.score, marks(report)) == (FULL, ALL_PASS)
    out = report.output
    lines = out.splitlines()
    cwds = [
        ln.split(" cwd: ", 1)[1]
        for ln in lines
        if ln.startswith("LEAK ancestor ") and " cwd: " in ln
    ]
    cmdlines = [
        ln.split(" cmdline: ", 1)[1]
        for ln in lines
        if ln.startswith("LEAK ancestor ") and " cmdline: " in ln
    ]
    grader_cmdline = Path("/proc/self/cmdline").read_bytes().replace(b"\0", b" ").decode()
    own_env = section(out, "own environ names")
    assert "HOME" in own_env and "PYTEST_CURRENT_TEST" not in own_env
    assert cmdlines and len(cwds) == len(cmdlines)
    if sandboxed.sandbox.mode == "bwrap":
        assert section(out, "spec") == "<no spec>"
        assert "seed = 203" not in out
        # only sandbox processes are visible, and the worker's are not readable
        assert set(cwds) <= {"/scratch", "<PermissionError>"}
        assert all(
            "pytest" not in c and c.startswith(("bwrap", sys.executable, "/opt/venv/"))
            for c in cmdlines
        )
        assert section(out, "init cmdline").startswith("bwrap ")
        assert str(ROOT) not in section(out, "mounts")
    elif isolated(sandboxed):  # process mode as root: another uid, a private view
        assert section(out, "spec") == "<no spec>"
        assert "seed = 203" not in out
        assert set(cwds) == {"<PermissionError>"}  # the grader's processes are root's
        assert all(n == "<PermissionError>" or "=" not in n for n in environ_lines(out))
    else:  # process mode as a plain user: the spec and the grader are readable (documented)
        assert "seed = 203" in section(out, "spec")
        assert grader_cmdline.strip()[:300] in cmdlines
        assert os.getcwd() in cwds


def test_forged_results_never_reach_the_report(sandboxed: Grader, canary: Path) -> None:
    """Can a submission plant a forged results file or symlink where reports are written?"""
    repo = snapshot(*REPO_DIRS)
    before = snapshot(canary)
    path = ATTACKS / "forge_results.py"
    cls = sandboxed.grade_all([Submission(path.stem, path)], jobs=1)
    report = cls.reports[0]
    assert (report.score, marks(report)) == (0, "xxxxxxx|xxxxx")
    results = canary / "reports" / "results"
    if isolated(sandboxed):
        assert snapshot(canary) == before
        assert "blocked" not in report.output and "forged" not in report.output
    else:  # process mode as a plain user: /tmp is shared, the forgery lands (documented)
        assert '"score": 16.0' in (results / "victim.json").read_text()
        assert (canary / "reports" / "grades.csv").is_symlink()
    write_all(cls, canary / "reports")
    assert '"score": 0.0' in (results / "forge_results.json").read_text()
    assert not (canary / "reports" / "grades.csv").is_symlink()
    assert (canary / "victim.txt").read_text() == "original\n"
    assert snapshot(*REPO_DIRS) == repo


def test_editing_another_submission(sandboxed: Grader, canary: Path) -> None:
    """Can a submission change another student's file or delete files outside its folder?"""
    repo = snapshot(*REPO_DIRS)
    before = snapshot(canary)
    path = ATTACKS / "edit_other_submission.py"
    report = sandboxed.grade(Submission(path.stem, path))
    assert (report.score, marks(report)) == (5, ONE_D_ONLY)
    if isolated(sandboxed):
        assert snapshot(canary) == before
    else:  # process mode as a plain user: same user, same /tmp (documented limit)
        assert "sabotage" in (canary / "submissions" / "other_student.py").read_text()
        assert not (canary / "victim.txt").exists()
    assert snapshot(*REPO_DIRS) == repo


def test_network_to_localhost(sandboxed: Grader, listener: socket.socket) -> None:
    """Can a submission open a connection to a server on 127.0.0.1?"""
    path = ATTACKS / "socket_loopback.py"
    report = sandboxed.grade(Submission(path.stem, path))
    listener.settimeout(0.3)
    try:
        conn, _ = listener.accept()
    except TimeoutError:
        conn = None
    if isolated(sandboxed):
        assert conn is None
        assert (report.score, marks(report)) == (5, ONE_D_ONLY)
        assert "no network" in report.output
    else:  # process mode as a plain user: the network is not blocked (documented limit)
        assert conn is not None
        with conn:
            conn.settimeout(1.0)
            assert conn.recv(100).startswith(b"grader-attack-socket")
        assert (report.score, marks(report)) == (FULL, ALL_PASS)


def test_lifting_the_memory_limit(sandboxed: Grader) -> None:
    """Can a submission raise its own address-space limit and then use 1 GiB?"""
    path = ATTACKS / "raise_rlimit.py"
    report = sandboxed.grade(Submission(path.stem, path))
    if sandboxed.sandbox.mode == "process" and has_cap_sys_resource():
        # root with CAP_SYS_RESOURCE in process mode may lift the hard limit (documented)
        assert (report.score, marks(report)) == (FULL, ALL_PASS)
    else:
        assert (report.score, marks(report)) == (5, "MMMMMMM|.....")
        assert "limit kept" in report.output


@pytest.mark.parametrize(
    ("name", "times"),
    [("kill_parent.py", 4), ("kill_parent_then_hang.py", 2), ("stop_parent.py", 1)],
)
def test_signalling_the_parent(sandboxed: Grader, name: str, times: int) -> None:
    """Does SIGKILL or SIGSTOP sent to the parent process cost only the case that sent it?"""
    path = ATTACKS / name
    started = time.monotonic()
    if sandboxed.sandbox.mode == "bwrap":
        reports = [sandboxed.grade(Submission(path.stem, path)) for _ in range(times)]
        verdicts = [(r.score, marks(r)) for r in reports]
        assert sandboxed.grade(Submission("correct", CORRECT)).score == FULL
    else:
        # process mode: were the grader itself the parent, the attack would hit pytest, so
        # grade in a throwaway grader process, which must survive and give the same verdict
        with tempfile.TemporaryDirectory(prefix="grader-attack-") as tmpdir:
            child = grade_in_child(path, tmpdir, times)
            try:
                out, err = child.communicate(timeout=60)
            finally:
                if child.poll() is None:
                    child.kill()
                    child.communicate(timeout=10)
        assert child.returncode == 0, err
        verdicts = [(score, got) for score, got in json.loads(out)]
    # the 12x10 case (5th) returned zeros: it fails, however the signal was taken
    for score, got in verdicts:
        assert score == 14, verdicts
        assert got[:4] + got[5:] == "......|.....", verdicts
        assert got[4] != ".", verdicts
    assert time.monotonic() - started < 40


def test_fork_bomb_is_cleaned_up(sandboxed: Grader, exclusive: None) -> None:
    """Are the processes a call forked (50 at most) gone as soon as grading ends?"""
    path = ATTACKS / "fork_bomb.py"
    report = sandboxed.grade(Submission(path.stem, path))
    assert (report.score, marks(report)) == (FULL, ALL_PASS)
    from grader.isolation.workers import PIDS_MAX, PIDS_ROOT

    forked = int(re.search(r"forked (\d+) alive", report.output).group(1))  # type: ignore[union-attr]
    # where a pids cgroup caps the worker, fewer than 50 fit; the file still keeps full marks
    assert forked < PIDS_MAX if (PIDS_ROOT / "cgroup.procs").exists() else forked == 50
    assert wait_until(lambda: not marked_pids("grader-attack-fork-marker"), 1.0)


def test_atexit_handlers_never_run(sandboxed: Grader, canary: Path) -> None:
    """Are atexit handlers that sleep and write files skipped when the worker is ended?"""
    path = ATTACKS / "atexit_hooks.py"
    started = time.monotonic()
    report = sandboxed.grade(Submission(path.stem, path))
    assert time.monotonic() - started < 10
    assert (report.score, marks(report)) == (FULL, ALL_PASS)
    assert not (canary / "atexit.txt").exists()


def test_writing_to_the_terminal(sandboxed: Grader) -> None:
    """Is /dev/tty out of reach, so a submission cannot print a fake score on the terminal?"""
    path = ATTACKS / "dev_tty.py"
    report = sandboxed.grade(Submission(path.stem, path))
    assert (report.score, marks(report)) == (FULL, ALL_PASS)
    assert "tty-blocked" in report.output


def test_background_daemon_does_not_outlive_grading(sandboxed: Grader, canary: Path) -> None:
    """Does a double-forked setsid daemon die with its submission and spare the next one?"""
    marker = "grader-attack-bg-marker"
    repo = snapshot(*REPO_DIRS)
    path = ATTACKS / "background_daemon.py"
    survivors: list[int] = []
    try:
        report = sandboxed.grade(Submission(path.stem, path))
        survivors = marked_pids(marker)
        assert (report.score, marks(report)) == (FULL, ALL_PASS)
        assert "daemon running as" in report.output
        from grader.isolation.workers import PIDS_ROOT

        if sandboxed.sandbox.mode == "bwrap":
            assert wait_until(lambda: not marked_pids(marker), 2.0)
            assert not (canary / "daemon.txt").exists()
        elif (PIDS_ROOT / "cgroup.procs").exists():  # process mode: the cgroup catches it
            assert wait_until(lambda: not marked_pids(marker), 2.0)
        else:  # process mode without cgroups: it escapes the process group (documented)
            assert survivors
            assert wait_until((canary / "daemon.txt").exists, 2.0)
    finally:
        for pid in survivors:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: not marked_pids(marker), 2.0)
    after = sandboxed.grade(Submission("correct", CORRECT))
    assert (after.score, marks(after)) == (FULL, ALL_PASS)
    assert snapshot(*REPO_DIRS) == repo


def test_deeply_nested_reply_costs_only_that_call(grader: Grader) -> None:
    """Does a reply header nested 300000 deep fail only its calls, not the whole batch?"""
    path = ATTACKS / "deep_json_reply.py"
    cls = grader.grade_all([Submission(path.stem, path), Submission("correct", CORRECT)], jobs=1)
    attack, correct = cls.reports
    assert (attack.score, marks(attack)) == (5, "EEEEEEE|.....")
    assert "sent something unreadable to the grader" in said(attack)
    assert (correct.score, marks(correct)) == (FULL, ALL_PASS)


# --- known limits (SECURITY.md) ------------------------------------------------------------------


def test_in_place_rule_is_checked_inside_the_students_process(
    grade: Callable[[Path], GradeReport],
) -> None:
    """Can hostile code hide an in-place change, and only that, as SECURITY.md says?

    The in-place rule is checked in the student's own process, so a call that rewires the
    worker's reply channel can drop the 'modified' flag. The values it returns are still
    compared by the grader: here they are right, so hiding the change keeps those points.
    """
    report = grade(ATTACKS / "hide_modification_channel.py")
    assert (report.score, marks(report)) == (FULL, ALL_PASS)


def test_process_count_is_capped_where_cgroups_allow(grade: Callable[[Path], GradeReport]) -> None:
    """Does a wide fork bomb hit the per-worker process cap (a pids cgroup) and cost only itself?"""
    from grader.isolation.workers import PIDS_MAX, PIDS_ROOT

    report = grade(ATTACKS / "fork_bomb_wide.py")
    assert (report.score, marks(report)) == (5, ONE_D_ONLY)
    counts = [int(n) for n in re.findall(r"forked (\d+)", report.output)]
    assert counts, report.output[:500]
    if (PIDS_ROOT / "cgroup.procs").exists():  # Linux with the v1 pids controller, as here
        assert max(counts) < PIDS_MAX, counts
    else:
        assert max(counts) == 300, counts
    assert not list(PIDS_ROOT.glob(f"grader-{os.getpid()}-*")), "a worker's cgroup was left"


def test_daemon_dies_before_the_next_submission_in_one_run(sandboxed: Grader) -> None:
    """In one batch, is a setsid daemon gone before the next student's code starts?"""
    from grader.isolation.workers import PIDS_ROOT

    marker = "grader-attack-bg-marker"
    path = ATTACKS / "background_daemon.py"
    seen: list[list[int]] = []
    cls = sandboxed.grade_all(
        [Submission(path.stem, path), Submission("correct", CORRECT)],
        jobs=1,
        progress=lambda done, total, rep: seen.append(marked_pids(marker)),
    )
    try:
        assert [r.score for r in cls.reports] == [FULL, FULL]
        if sandboxed.sandbox.mode == "bwrap" or (PIDS_ROOT / "cgroup.procs").exists():
            assert seen[0] == [], "the daemon outlived its submission"
    finally:
        for pid in marked_pids(marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
