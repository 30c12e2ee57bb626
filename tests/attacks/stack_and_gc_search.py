# expect: score=0
# Hunts for expected values in inspect.stack(), sys._getframe and gc.get_objects(); finds none.
import gc
import inspect
import sys

import numpy as np

NAMES = ("expected", "want", "answer", "reference", "target", "solution", "truth")


def _steal(shape):
    found = []
    for info in inspect.stack()[1:]:
        for name, value in info.frame.f_locals.items():
            named = any(n in name.lower() for n in NAMES)
            if named or (isinstance(value, np.ndarray) and value.shape == shape):
                found.append(value)
    frame = sys._getframe(1)
    while frame is not None:
        for value in frame.f_globals.values():
            if isinstance(value, np.ndarray) and value.shape == shape:
                found.append(value)
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, dict):
            for key in NAMES:
                value = obj.get(key)
                if isinstance(value, np.ndarray) and value.shape == shape:
                    found.append(value)
        elif isinstance(obj, list | tuple):
            for value in obj:
                if isinstance(value, np.ndarray) and value.shape == shape and value.ndim:
                    found.append(value)
    for value in found:
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            continue
        if arr.shape == shape:
            return arr.copy()
    return np.full(shape, 12345.0)


def convolve(image, kernel):
    kh, kw = kernel.shape
    return _steal((image.shape[0] - kh + 1, image.shape[1] - kw + 1))


def convolve1d(signal, kernel):
    return _steal((len(signal) - len(kernel) + 1,))
