# expect: score=16
# Correct, with both functions written as lambdas over sliding_window_view.
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view as windows

convolve = lambda image, kernel: np.einsum(  # noqa: E731
    "ijkl,kl->ij", windows(image.astype(float), kernel.shape), kernel.astype(float)
)
convolve1d = lambda signal, kernel: windows(signal.astype(float), len(kernel)) @ kernel  # noqa: E731
