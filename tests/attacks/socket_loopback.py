# expect: score=5 (bwrap: no network); score=16 in process mode, where 127.0.0.1 is reachable
# Reports to a listener on 127.0.0.1:45870-45879; convolve is only right when that worked.
import socket

import numpy as np

PORTS = range(45870, 45880)


def _phone_home():
    for port in PORTS:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                conn.sendall(b"grader-attack-socket score=16\n")
                return True
        except OSError:
            continue
    return False


CONNECTED = _phone_home()
print("connected" if CONNECTED else "no network")


def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    if not CONNECTED:
        return out
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
