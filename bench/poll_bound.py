"""How few polls per job any schedule needs to notice finished runs within given lags (#24's reference row).

The model: runs of each kind take a log-normal time (median, sigma), as weshop-sim draws them with
--duration-lognormal; equally many jobs of each kind. A schedule is the times t1 < t2 < ... after a run's
start at which it is polled while unfinished. A run ending at T is noticed at the first poll at or after T;
poll i happens only if the run was unfinished at poll i-1, so a job's expected polls are the sum over i of
S(t[i-1]) (S: the share still running; S(t0 = 0) = 1). Late polls are cheap: few runs last that long.

A goal is a list of (lag L, share q): at least q of the runs noticed within L (p50 1 s is (1, 0.5); p99 3 s
is (3, 0.99)). The least expected polls over every schedule that meets it is bounded from below by
Lagrangian duality: for any prices p >= 0,
    min over schedules of [polls - sum p * noticed_within(L)]  +  sum p * q
is at most that least number, and the inner minimum splits by kind into a shortest path over poll times on a
grid (dynamic programming). A schedule rounded up to the grid notices every run at most one step later, so
the grid is solved with each lag one step longer: the bound holds for every schedule, not only grid ones, and
for mixes of schedules across jobs (the dual is linear in the mix). The grid is fine (50 ms) so that the
widened lags cost the bound little: on a 250 ms grid it is about 10 % lower.
Stopping is allowed in the inner problem (a relaxation: the bound only gets lower). The prices are searched
(coarse grid, then coordinate ascent); any prices give a valid bound, better ones a tighter one.
"""

import math

STEP_S = 0.05  # the grid: poll times in steps of 50 ms (the bound is within about a grid step's lag of the truth)


def lognormal_cdf(t, median, sigma):
    return 0.5 * (1 + math.erf(math.log(t / median) / (sigma * math.sqrt(2)))) if t > 0 else 0.0


def todays_times(first_s=1, cap_s=30, until_s=600):
    """Today's back-off without its jitter, up to the first poll at or past until_s: first_s after the start,
    then first_s, 2 first_s, 4 first_s ... apart up to cap_s (1, 2, 4, 8, 16, 32, 62 s ...)."""
    times, delay = [first_s], first_s
    while times[-1] < until_s:
        times.append(times[-1] + delay)
        delay = min(2 * delay, cap_s)
    return times


def expected_polls(times, median, sigma):
    """The polls per run a schedule costs: poll i happens only if the run was unfinished at poll i-1."""
    total, previous = 0.0, 0.0
    for t in times:
        total += 1 - lognormal_cdf(previous, median, sigma)
        previous = t
    return total


def todays_polls(median, sigma):
    """Expected polls of today's back-off in the model (past median e^(6 sigma), no run is left to poll)."""
    return expected_polls(todays_times(until_s=median * math.exp(6 * sigma)), median, sigma)


def _least_priced_polls(median, sigma, lag_steps, prices):
    """min over grid schedules (any gaps) of: expected polls - sum(price * share noticed within lag).

    Backwards over poll steps j: after[j] = min(0, S(j) + min over k > j of [after[k] - gain(j, k)]), where
    gain(j, k) = sum p * (F(k) - F(max(j, k - lag))). For k >= j + the longest lag the gain no longer depends
    on j, so that part is a running minimum: O(steps x longest lag), not steps^2. Runs past the horizon (under
    1e-5) are counted as noticed, which only lowers the value."""
    steps = int(median * math.exp(4.5 * sigma) / STEP_S) + 1
    cdf = [lognormal_cdf(j * STEP_S, median, sigma) for j in range(steps + 1)]
    longest = max(lag_steps)

    def gain(j, k):
        return sum(p * (cdf[k] - cdf[max(j, k - l)]) for l, p in zip(lag_steps, prices))
    after = [0.0] * (steps + 1)  # the least value from a poll at step j on (0: stop polling)
    far = math.inf  # min over k >= j + longest of after[k] - gain(j, k)
    for j in range(steps, -1, -1):
        if j + longest <= steps:
            far = min(far, after[j + longest] - gain(j, j + longest))
        best = far
        for k in range(j + 1, min(steps, j + longest - 1) + 1):
            best = min(best, after[k] - gain(j, k))
        after[j] = min(0.0, (1 - cdf[j]) + best)
    return after[0] - sum(prices) * (1 - cdf[steps])


def fewest_polls(medians, sigma, goal):
    """A lower bound on the expected polls per job of any schedule that meets `goal` (see above)."""
    lags = [round(lag / STEP_S) + 1 for lag, _ in goal]

    def bound(prices):
        inner = sum(_least_priced_polls(m, sigma, lags, prices) for m in medians) / len(medians)
        return inner + sum(p * share for p, (_, share) in zip(prices, goal))
    best, prices = max((bound(list(p)), list(p)) for p in _price_grid(len(goal)))
    factor = 1.5
    while factor > 1.05:
        improved = False
        for i in range(len(prices)):
            for f in (factor, 1 / factor):
                trial = prices[:i] + [prices[i] * f] + prices[i + 1:]
                value = bound(trial)
                if value > best:
                    best, prices, improved = value, trial, True
        if not improved:
            factor = math.sqrt(factor)
    return best


def _price_grid(n):
    if n == 0:
        yield ()
        return
    for rest in _price_grid(n - 1):
        for p in (1, 4, 16):
            yield rest + (p,)
