# expect: score=16 (a known limit, see SECURITY.md: the in-place rule is checked in the student's process)
# convolve is right but zeroes its input, then rewires the reply channel to drop "modified".
import sys

import numpy as np

_patched = []


def _silence_modified():
    frame = sys._getframe(2)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if hasattr(value, "send") and hasattr(value, "wfd") and value not in _patched:
                send = value.send

                def quiet(header, payload=b"", _send=send):
                    return _send(dict(header, modified=[]), payload)

                value.send = quiet
                _patched.append(value)
        frame = frame.f_back


def convolve(image, kernel):
    _silence_modified()
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    image[...] = 0
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
