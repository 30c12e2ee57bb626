# expect: score=16
# Leaves "answers" in every shared place it can write (tmp, shm, scratch base, home, SysV shm).
import ctypes
import os

import numpy as np

PLACES = ["/tmp", "/dev/shm", "/var/tmp", os.getcwd(), os.path.dirname(os.getcwd()),
          os.environ.get("HOME", "/tmp")]
for place in PLACES:
    try:
        path = os.path.join(place, "grader-x-answers")
        with open(path, "w") as fh:
            fh.write("GO")
        os.chmod(path, 0o666)
    except OSError:
        pass
try:
    libc = ctypes.CDLL(None, use_errno=True)
    shmid = libc.shmget(0x67727872, 4096, 0o1666)  # IPC_CREAT | 0666: outlives its process
    if shmid >= 0:
        libc.shmat.restype = ctypes.c_void_p
        addr = libc.shmat(shmid, None, 0)
        if addr not in (None, ctypes.c_void_p(-1).value):
            ctypes.memmove(addr, b"GO", 2)
except Exception:
    pass


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
