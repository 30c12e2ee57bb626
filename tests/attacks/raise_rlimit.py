# expect: score=5 (the memory limit holds); 16 in process mode when root has CAP_SYS_RESOURCE
# convolve lifts RLIMIT_AS to unlimited, then needs a 1 GiB scratch buffer; convolve1d is correct.
import resource

import numpy as np

try:
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    print("limit lifted")
except (ValueError, OSError) as exc:
    print("limit kept:", type(exc).__name__)


def convolve(image, kernel):
    scratch = np.ones((1 << 30) // 8)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel) * scratch[i]
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
    return out
