# expect: score=16
# Correct, but prints every window it visits (a few hundred KiB in all, under the output cap).
import numpy as np

print("=" * 80)
print("Convolution homework - verbose mode")
print("=" * 80)


def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            window = image[i : i + kh, j : j + kw]
            out[i, j] = np.sum(window * kernel)
            print(f"window ({i}, {j}):\n{window}\n-> {out[i, j]:.4f}")
    print(out)
    return out


def convolve1d(signal, kernel):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.sum(signal[i : i + k] * kernel)
        print(f"position {i}: {signal[i : i + k]} . {kernel} = {out[i]:.4f}")
    return out
