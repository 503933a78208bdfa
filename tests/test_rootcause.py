"""The vectorised Fisher test equals scipy's own fisher_exact, table by table."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.stats import fisher_exact

from tracegraph.rootcause import fisher_greater


@pytest.mark.parametrize(("n_bad", "n_good"), [(1, 1), (12, 828), (50, 1000), (7, 3)])
def test_vectorised_fisher_equals_fisher_exact(n_bad: int, n_good: int) -> None:
    rng = random.Random(n_bad * 1000 + n_good)
    with_bad = [rng.randrange(1, n_bad + 1) for _ in range(40)] + [n_bad, 1]
    with_good = [rng.randrange(0, n_good + 1) for _ in range(40)] + [0, n_good]
    got = fisher_greater(np.array(with_bad), np.array(with_good), n_bad, n_good)
    for a, c, p in zip(with_bad, with_good, got.tolist(), strict=True):
        expected = fisher_exact([[a, n_bad - a], [c, n_good - c]], alternative="greater")[1]
        assert p == pytest.approx(expected, rel=1e-9, abs=1e-300), (a, c)
