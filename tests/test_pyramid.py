"""The customer pyramid (textbook §5): the figures its tier table gives, and moves between tiers."""

import numpy as np
import pytest

from simkit.cli import main
from simkit.exact.pyramid import (HEADLINES, TEXTBOOK_MOVE_UP, TEXTBOOK_TIERS, Tier, move_up, move_up_share,
                            pyramid_table)


def test_the_textbook_tier_table():
    table = pyramid_table()
    assert table.total_customers == 2126
    # sum of count x average sales, written out
    assert table.total_sales == 21 * 114_000 + 85 * 31_600 + 319 * 9_100 + 1_701 * 1_160 == 9_956_060
    assert round(table.total_sales, -3) == HEADLINES["sales"]         # the printed figure, rounded
    shares = {name: round(share * 100, 1) for name, share in table.sales_shares().items()}
    assert shares == {"VIP": 24.0, "large": 27.0, "medium": 29.2, "small": 19.8}
    # profit per customer = sales x margin: 45,600, 9,480, 1,820, -522 as printed
    assert [t.profit_per_customer for t in TEXTBOOK_TIERS] == pytest.approx([45_600, 9_480, 1_820, -522])
    assert table.total_profit == pytest.approx(21 * 45_600 + 85 * 9_480 + 319 * 1_820 - 1_701 * 522)
    assert table.total_profit == pytest.approx(1_456_058)
    assert [round(t.roi * 100) for t in TEXTBOOK_TIERS] == [67, 43, 25, -31]   # profit / (sales - profit)


def test_the_textbook_move_up():
    after = move_up(TEXTBOOK_TIERS, TEXTBOOK_MOVE_UP)
    assert [t.customers for t in after] == [29, 95, 337, 1_665]
    assert sum(t.customers for t in after) == 2126                     # nobody appears or vanishes
    before, moved = pyramid_table(), pyramid_table(after)
    assert moved.total_sales == 29 * 114_000 + 95 * 31_600 + 337 * 9_100 + 1_665 * 1_160 == 11_306_100
    assert moved.total_sales - before.total_sales == 1_350_040
    assert round((moved.total_sales / before.total_sales - 1) * 100, 1) == 13.6
    assert moved.total_profit - before.total_profit == pytest.approx(8 * 45_600 + 10 * 9_480 + 18 * 1_820
                                                                     + 36 * 522)
    assert moved.total_profit - before.total_profit == pytest.approx(511_152)


def test_moves_conserve_customers_and_are_checked():
    moves = move_up_share(TEXTBOOK_TIERS, 0.10)
    assert moves == {("large", "VIP"): round(8.5), ("medium", "large"): round(31.9), ("small", "medium"): 170}
    after = move_up(TEXTBOOK_TIERS, moves)
    assert sum(t.customers for t in after) == 2126
    with pytest.raises(ValueError, match="unknown tier 'gold'"):
        move_up(TEXTBOOK_TIERS, {("small", "gold"): 1})
    with pytest.raises(ValueError, match="tier 'VIP' would have -1 customers"):
        move_up(TEXTBOOK_TIERS, {("VIP", "large"): 22})
    with pytest.raises(ValueError, match="share: got 1.5"):
        move_up_share(TEXTBOOK_TIERS, 1.5)
    with pytest.raises(ValueError, match="customers: got -1"):
        Tier("x", "", -1, 10.0, 0.1)


def test_cli_pyramid(capsys):
    assert main(["pyramid"]) == 0
    out = capsys.readouterr().out
    for figure in ("9,956,060", "11,306,100", "+1,350,040 (+13.6%)", "1,456,058", "+511,152 (+35.1%)",
                   "850,000", "+60.9%"):
        assert figure in out
    assert main(["pyramid", "--share", "0.05"]) == 0
    assert "85 small->medium" in capsys.readouterr().out
    assert main(["pyramid", "--share", "2"]) == 2
    assert "share: got 2.0" in capsys.readouterr().err


# ---------------------------------------------------------------- migration
from simkit.exact.pyramid import expected_counts, migration_matrix, simulate_migration  # noqa: E402


def test_migration_matrix_rows_and_rules():
    matrix = migration_matrix(TEXTBOOK_TIERS, up=0.02, down=0.01, drop=0.03)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    assert matrix[0, 0] == pytest.approx(1 - 0.01 - 0.03)        # VIP cannot move up
    assert matrix[3, 2] == 0.02 and matrix[3, 3] == pytest.approx(1 - 0.02 - 0.03)   # small cannot move down
    assert matrix[4, 4] == 1.0
    with pytest.raises(ValueError, match="up: got 1.5"):
        migration_matrix(TEXTBOOK_TIERS, up=1.5)
    with pytest.raises(ValueError, match="up \\+ down \\+ drop = 1.2"):
        migration_matrix(TEXTBOOK_TIERS, up=0.5, down=0.5, drop=0.2)


def test_counts_are_conserved_and_the_simulation_follows_the_matrix():
    matrix = migration_matrix(TEXTBOOK_TIERS, up=0.05, down=0.02, drop=0.04)
    exact = expected_counts(TEXTBOOK_TIERS, matrix, 4)
    np.testing.assert_allclose(exact.sum(axis=1), 2126)
    simulated = simulate_migration(TEXTBOOK_TIERS, matrix, 4, seed=5)
    assert np.all(simulated.sum(axis=1) == 2126)                  # every customer in exactly one tier
    # variance of a count: sum over starting customers of p (1 - p), p from the matrix power
    start = np.array([t.customers for t in TEXTBOOK_TIERS] + [0])
    power = np.linalg.matrix_power(matrix, 4)
    variance = (start[:, None] * power * (1 - power)).sum(axis=0)
    assert np.all(np.abs(simulated[4] - exact[4]) <= 4 * np.sqrt(variance) + 1e-9)
