# expect: score=16
# Correct, with a top-level demo that draws the input and output with matplotlib (Agg) and saves it.
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


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


demo = np.random.default_rng(0).random((32, 32))
fig, axes = plt.subplots(1, 2, figsize=(6, 3))
axes[0].imshow(demo, cmap="gray")
axes[0].set_title("input")
axes[1].imshow(convolve(demo, np.ones((3, 3)) / 9), cmap="gray")
axes[1].set_title("blurred")
fig.savefig("demo.png")
plt.show()
