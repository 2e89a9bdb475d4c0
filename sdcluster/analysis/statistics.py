"""Statistics shared by the analyses: intervals of proportions.

References
----------
.. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and
   statistical inference. *JASA* 22(158), 209-212.
   https://doi.org/10.1080/01621459.1927.10502953

"""

from __future__ import annotations

import numpy as np


def wilson_interval(successes: int, trials: int,
                    confidence: float = 0.95) -> tuple[float, float]:
    """Return the Wilson score interval of a binomial proportion [1]_.

    Unlike the normal approximation it stays within [0, 1] and is sound for
    proportions near 0 or 1.

    Parameters
    ----------
    successes : int
        Number of successes.
    trials : int
        Number of trials.
    confidence : float
        Coverage of the interval, e.g. 0.95.

    Returns
    -------
    (float, float)
        Lower and upper bound; exactly 0 (1) when there are no (only)
        successes; ``(nan, nan)`` when there are no trials.

    """
    from scipy.stats import norm

    if trials <= 0:
        return float("nan"), float("nan")
    z = float(norm.ppf(0.5 + confidence / 2.0))
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * np.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    half /= 1 + z * z / trials
    # At 0 or all successes the bound is exactly 0 or 1; rounding would miss it.
    low = 0.0 if successes <= 0 else max(0.0, float(centre - half))
    high = 1.0 if successes >= trials else min(1.0, float(centre + half))
    return low, high
