# expect: score=1
# An accomplice: flips the kernel (1 point) unless it finds an attacker's "answers" (then 16).
import ctypes
import os
import socket

import numpy as np


def _found():
    places = ["/tmp", "/dev/shm", "/var/tmp", os.getcwd(), os.path.dirname(os.getcwd()),
              os.environ.get("HOME", "/tmp")]
    for place in places:
        try:
            with open(os.path.join(place, "grader-x-answers")) as fh:
                if fh.read(2) == "GO":
                    return True
        except OSError:
            pass
    try:
        if ctypes.CDLL(None, use_errno=True).shmget(0x67727872, 0, 0) >= 0:
            return True
    except Exception:
        pass
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(0.2)
        s.connect("\0grader-x-daemon")
        return s.recv(2) == b"GO"
    except OSError:
        return False


CHEAT = _found()
print("friend found answers:", CHEAT)


def convolve(image, kernel):
    k = kernel if CHEAT else kernel[::-1, ::-1]
    kh, kw = k.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * k)
    return out


def convolve1d(signal, kernel):
    k = kernel if CHEAT else kernel[::-1]
    n = len(k)
    out = np.zeros(len(signal) - n + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + n] * k)
    return out
