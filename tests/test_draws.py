"""The NumPy engine's Poisson counts by inversion, against the definition computed one number at a time."""

import math

import numpy as np

from simkit.engines.numpy_engine.draws import poisson_inverse


def smallest_count_above(u: float, mean: float, first: float | None = None) -> int:
    """The smallest k with P(N <= k) > u, adding the probabilities e^-m m^k / k! one by one.

    ``first``: P(N = 0) as the engine computes it (numpy's exp over an array, which may differ from
    ``math.exp`` in the last bit; in the far tail that bit can decide a count); ``math.exp`` by default.
    """
    if mean <= 0:
        return 0
    k, probability = 0, math.exp(-mean) if first is None else first
    cumulative = probability
    while u >= cumulative and probability > 0:
        k += 1
        probability = probability * mean / k
        cumulative += probability
    return k


def test_counts_are_the_inverse_of_the_poisson_distribution_function():
    rng = np.random.default_rng(5)
    u = rng.random(3000)
    u[:4] = [0.0, 0.5, 1 - 2 ** -53, 0.999999]          # the far tail: many terms before the count is found
    mean = rng.exponential(4.0, 3000).clip(0, 30)
    mean[4:8] = [0.0, 1e-300, 30.0, 0.5]
    counts = poisson_inverse(u, mean)
    expected = [smallest_count_above(a, b, c) for a, b, c in zip(u.tolist(), mean.tolist(), np.exp(-mean).tolist())]
    assert counts.tolist() == expected
    # a handful (the one-by-one finish) and many (array steps) give the same counts
    assert [poisson_inverse(u[i:i + 1], mean[i:i + 1])[0] for i in range(40)] == expected[:40]
    # and they follow the law: mean and variance equal the Poisson mean, within 4 standard errors (the
    # sample variance's is sqrt((mu4 - sigma^4) / n), with mu4 = m + 3 m^2 and sigma^2 = m for a Poisson)
    m, n = 2.5, 200_000
    draws = poisson_inverse(rng.random(n), np.full(n, m))
    assert abs(draws.mean() - m) < 4 * math.sqrt(m / n)
    assert abs(draws.var() - m) < 4 * math.sqrt((m + 3 * m ** 2 - m ** 2) / n)


def test_the_check_tells_a_count_one_too_high():
    u, mean = np.array([0.3, 0.7, 0.95]), np.array([1.0, 1.0, 1.0])
    wrong = poisson_inverse(u, mean) + 1
    assert wrong.tolist() != [smallest_count_above(a, b) for a, b in zip(u.tolist(), mean.tolist())]


def test_the_earliest_purchase_of_each_chosen_person_is_the_smallest_of_its_own():
    from simkit.engines.numpy_engine.arrays import _smallest_of_each

    rng = np.random.default_rng(11)
    counts = rng.poisson(1.5, 400)
    counts[0], counts[-1] = 0, 3                    # no values first; the last person's values end the array
    owner = np.repeat(np.arange(400), counts)
    values = rng.random(len(owner))
    chosen = np.flatnonzero((counts > 0) & (rng.random(400) < 0.4))
    expected = [min(v for v, o in zip(values.tolist(), owner.tolist()) if o == person) for person in chosen.tolist()]
    assert _smallest_of_each(values, owner, 400, chosen).tolist() == expected
    # the data tells each person's smallest from its first value
    assert [values[np.searchsorted(owner, person)] for person in chosen.tolist()] != expected


def test_counts_of_one_mean_by_lookup_are_the_counts_of_a_sorted_search():
    """A tenure year's counts (one mean for all) come from a grid lookup with a search only in the cells a
    cumulative probability cuts; against counting, number by number, the cumulative probabilities at or
    below u -- at random u, at every cumulative probability, just below each, and at every cell edge."""
    import bisect

    from simkit.engines.numpy_engine.draws import _GRID, _inverse_by_table

    rng = np.random.default_rng(11)
    for mean in (0.3, 1.6, 2.6, 3.2, 12.0, 29.0):
        table, probability, k = [math.exp(-mean)], math.exp(-mean), 0  # as the engine builds it
        while table[-1] <= 1.0 - 2 ** -53 and probability > 0:
            k += 1
            probability *= mean / k
            table.append(table[-1] + probability)
        inside = [c for c in table if c < 1.0]
        u = np.concatenate([rng.random(20_000), inside, np.nextafter(inside, 0.0), np.arange(_GRID) / _GRID,
                            np.nextafter(np.arange(1, _GRID + 1) / _GRID, 0.0), [1 - 2 ** -53]])
        expected = [bisect.bisect_right(table, x) for x in u.tolist()]
        assert _inverse_by_table(u, mean).tolist() == expected
