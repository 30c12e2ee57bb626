# expect: score=16
# Correct, but prints what it reads of the spec, its parents in /proc, /proc/1, mounts, environ.
import contextlib
import os

import numpy as np

SPEC = os.path.join("exercises", "convolution", "assignment.toml")


def _read(path, limit=4000):
    try:
        with open(path, "rb") as fh:
            return fh.read(limit).replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError as exc:
        return f"<{type(exc).__name__}>"


def _ancestors(depth=2):
    pid = os.getppid()
    for _ in range(depth):
        if pid <= 0:
            return
        yield pid
        try:
            with open(f"/proc/{pid}/stat") as fh:
                pid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            return


def _spec():
    paths = ["/work/main/" + SPEC]
    here = os.getcwd()
    for _ in range(8):
        paths.append(os.path.join(here, SPEC))
        here = os.path.dirname(here)
    for pid in _ancestors():
        with contextlib.suppress(OSError):
            paths.append(os.path.join(os.readlink(f"/proc/{pid}/cwd"), SPEC))
    for path in paths:
        text = _read(path)
        if not text.startswith("<"):
            return text
    return "<no spec>"


print("LEAK spec:", _spec())
for pid in _ancestors():
    environ = _read(f"/proc/{pid}/environ", 1 << 20)
    names = sorted(item.split("=", 1)[0] for item in environ.split(" ") if "=" in item)
    print(f"LEAK ancestor {pid} cmdline:", _read(f"/proc/{pid}/cmdline", 300))
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError as exc:
        cwd = f"<{type(exc).__name__}>"
    print(f"LEAK ancestor {pid} cwd:", cwd)
    print(f"LEAK ancestor {pid} environ names:", names if names else environ)
init = _read("/proc/1/cmdline")
print("LEAK init cmdline:", os.path.basename(init.split(" ")[0]), f"({len(init)} chars)")
print("LEAK mounts:", _read("/proc/self/mounts", 20000))
print("LEAK own environ names:", sorted(os.environ))
print("LEAK end")


def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
