"""What the best single plan per kind gives at today's polls, knowing #24's distributions exactly (the figures
cited in lib/engine/poll_plan.hpp and bench/RESULTS.md). Run: python3 bench/poll_tradeoff.py (about 15 s).

Same model as poll_bound.py: log-normal run times, a schedule of poll times from the run's start, a poll paid
only while the run is unfinished. Each plan is the grid schedule (250 ms, gaps 1-30 s, back-off past the
runs' p99.9) minimising polls + price x objective; the price is bisected until the polls match today's."""

import math

from poll_bound import expected_polls as polls, lognormal_cdf, todays_times

STEP_S = 0.25
KINDS = ((20, 0.6), (8, 0.6))  # bench/run.py's poll_lag: medians 20 s and 8 s, sigma 0.6


def lag_share(times, median, sigma, lag):
    previous, share = 0, 0.0
    for t in times:
        share += lognormal_cdf(t, median, sigma) - lognormal_cdf(max(previous, t - lag), median, sigma)
        previous = t
    return share


def plan(median, sigma, price_mean, price_within3):
    horizon = median * math.exp(3.09 * sigma)
    n = int(horizon / STEP_S) + 1
    cdf = [lognormal_cdf(j * STEP_S, median, sigma) for j in range(n + 1)]
    value, following = [0.0] * (n + 1), [None] * (n + 1)
    for j in range(n, -1, -1):
        best = None
        for k in range(j + 4, min(n, j + 120) + 1):
            lag = sum((k - i + 0.5) * STEP_S * (cdf[i] - cdf[i - 1]) for i in range(j + 1, k + 1))
            v = (1 - cdf[j]) + price_mean * lag - price_within3 * (cdf[k] - cdf[max(j, k - 12)]) + value[k]
            if best is None or v < best:
                best, following[j] = v, k
        value[j] = best or 0.0
    times, j = [], following[0]
    while j is not None:
        times.append(j * STEP_S)
        j = following[j]
    delay, at = 1.0, times[-1]
    while at < horizon * 3:
        at += delay
        times.append(at)
        delay = min(2 * delay, 30)
    return times


def lag_quantile(schedules, q):
    lo, hi = 0.0, 60.0
    for _ in range(30):
        mid = (lo + hi) / 2
        share = sum(lag_share(ts, m, s, mid) for ts, (m, s) in zip(schedules, KINDS)) / len(KINDS)
        lo, hi = (lo, mid) if share >= q else (mid, hi)
    return hi


def at_todays_polls(price_mean, price_within3):
    budget = sum(polls(todays_times(), m, s) for m, s in KINDS) / len(KINDS)
    cheap, dear = 0.01, 100.0
    for _ in range(16):
        mid = math.sqrt(cheap * dear)
        schedules = [plan(m, s, price_mean * mid, price_within3 * mid) for m, s in KINDS]
        spent = sum(polls(ts, m, s) for ts, (m, s) in zip(schedules, KINDS)) / len(KINDS)
        cheap, dear = (mid, dear) if spent <= budget else (cheap, mid)
    schedules = [plan(m, s, price_mean * cheap, price_within3 * cheap) for m, s in KINDS]
    spent = sum(polls(ts, m, s) for ts, (m, s) in zip(schedules, KINDS)) / len(KINDS)
    return spent, lag_quantile(schedules, 0.5), lag_quantile(schedules, 0.99)


if __name__ == "__main__":
    today = todays_times()
    print(f"today's back-off: {sum(polls(today, m, s) for m, s in KINDS) / 2:.2f} polls, "
          f"lag p50 {lag_quantile([today, today], 0.5):.2f} s, p99 {lag_quantile([today, today], 0.99):.2f} s")
    for name, prices in (("mean lag", (1, 0)), ("lags over 3 s", (0, 40))):
        spent, p50, p99 = at_todays_polls(*prices)
        print(f"plan pricing {name}: {spent:.2f} polls, lag p50 {p50:.2f} s, p99 {p99:.2f} s")
