"""The hypergeometric upper tail, P(X >= a), for Fisher's exact test in `rootcause`.

Written out rather than taken from scipy.stats: importing scipy.stats costs 0.8-2.4 s on this
machine (`python -X importtime`), every `tracegraph rootcause` paid it before ranking for a
few milliseconds, and the tail needs only a short sum. tests/test_rootcause.py checks it
against scipy.stats.fisher_exact and hypergeom: to 1e-9 where the first term is exact, to
1e-7 beyond (thousands of complaint lots, a large --max-controls).
"""

from __future__ import annotations

import math

# The sum stops once a term adds less than this to it: the terms only fall from there on.
_NEGLIGIBLE = 1e-17


# Above this many drawn (or left), the first term comes from log-gamma: an exact binomial
# coefficient's cost grows with it (24 ms at 10,000 of 1M lots, 0.9 s at 100,000), and there
# log-gamma's last digits (a relative 1e-12 at most) no longer matter to a p-value.
_EXACT_UP_TO = 2_000


def _pmf(k: int, total: int, carriers: int, drawn: int) -> float:
    """P(X = k) for X ~ Hypergeom(total, carriers, drawn): exactly for the sizes a ranking
    has (Python divides its integers to the nearest float; log-gamma lost the last digits at
    200,000 lots), from log-gamma beyond them."""
    if min(drawn, total - drawn) <= _EXACT_UP_TO:
        return (
            math.comb(carriers, k) * math.comb(total - carriers, drawn - k)
            / math.comb(total, drawn)
        )  # fmt: skip
    lg = math.lgamma
    return math.exp(
        lg(carriers + 1) - lg(k + 1) - lg(carriers - k + 1)
        + lg(total - carriers + 1) - lg(drawn - k + 1) - lg(total - carriers - drawn + k + 1)
        - lg(total + 1) + lg(drawn + 1) + lg(total - drawn + 1)
    )  # fmt: skip


def at_least(a: int, total: int, carriers: int, drawn: int) -> float:
    """P(X >= a) when `drawn` of `total` lots are taken at random and `carriers` of the
    `total` carry a factor: X is how many of the drawn carry it. With the complaint lots as
    the drawn, this is the one-sided Fisher p-value of a 2×2 table.

    The terms are summed away from the distribution's mode, where each is a fixed ratio of
    the one before and they only fall: from `a` up when `a` is past the mode (a small p-value,
    summed term by term with no cancellation), else the lower tail from `a - 1` down,
    subtracted from 1 (a p-value of 0.5 or more, where a last digit does not matter)."""
    low, high = max(0, drawn - (total - carriers)), min(carriers, drawn)
    if a <= low:
        return 1.0
    if a > high:
        return 0.0
    rest = total - carriers - drawn  # the ratios' shared term
    mode = (drawn + 1) * (carriers + 1) // (total + 2)
    term = summed = 1.0
    if a > mode:
        for k in range(a, high):
            term *= (carriers - k) * (drawn - k) / ((k + 1) * (rest + k + 1))
            summed += term
            if term < summed * _NEGLIGIBLE:
                break
        return min(1.0, _pmf(a, total, carriers, drawn) * summed)
    for k in range(a - 1, low, -1):
        term *= k * (rest + k) / ((carriers - k + 1) * (drawn - k + 1))
        summed += term
        if term < summed * _NEGLIGIBLE:
            break
    return max(0.0, 1.0 - _pmf(a - 1, total, carriers, drawn) * summed)
