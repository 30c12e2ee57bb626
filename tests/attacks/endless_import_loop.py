# expect: score=0
# Top-level code ignores SIGTERM/SIGINT/SIGALRM/SIGXCPU and loops forever swallowing everything.
import signal

import numpy as np

for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGXCPU, signal.SIGHUP):
    signal.signal(sig, signal.SIG_IGN)

while True:
    try:
        while True:
            pass
    except BaseException:
        pass


def convolve(image, kernel):
    return np.zeros((1, 1))


def convolve1d(signal, kernel):
    return np.zeros(1)
