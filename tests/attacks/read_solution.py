# expect: score=5 (bwrap: the reference solution is not mounted); score=16 in process mode
# Runs exercises/convolution/reference.py found by absolute path, ../ walks or /proc/<ppid>/cwd, else zeros.
import os

import numpy as np

TARGET = os.path.join("exercises", "convolution", "reference.py")


def _candidates():
    yield "/work/main/" + TARGET
    here = os.getcwd()
    for _ in range(8):
        yield os.path.join(here, TARGET)
        here = os.path.dirname(here)
    for rel in ("..", "../..", "../../..", "../../../.."):
        yield os.path.join(rel, TARGET)
    for pid in (os.getppid(), 1):
        try:
            here = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        for _ in range(4):
            yield os.path.join(here, TARGET)
            here = os.path.dirname(here)


def _stolen():
    for path in _candidates():
        try:
            with open(path) as fh:
                code = fh.read()
        except OSError:
            continue
        namespace = {}
        exec(compile(code, path, "exec"), namespace)
        if callable(namespace.get("convolve")):
            print("stolen from", path)
            return namespace["convolve"]
    print("nothing found")
    return None


STOLEN = _stolen()


def convolve(image, kernel):
    if STOLEN is not None:
        return STOLEN(image, kernel)
    kh, kw = kernel.shape
    return np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
