"""The draw: uniform over the candidates, never the last N, graceful when the hat is small."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

import pytest

from drills.hat import EmptyHat, draw_scenario

# Chi-square critical value, 11 degrees of freedom, alpha = 0.01 (scipy is not a dependency).
CHI2_CRITICAL_DF11_P01 = 24.725


@dataclass(frozen=True)
class Card:
    pk: int


def chi_square(counts: Counter[int], keys: list[int], total: int) -> float:
    expected = total / len(keys)
    return sum((counts[k] - expected) ** 2 / expected for k in keys)


def test_draw_is_uniform_over_the_enabled_scenarios() -> None:
    # Given 12 scenarios and a seeded generator
    hat = [Card(pk) for pk in range(1, 13)]
    rng = random.Random(20260518)
    # When we draw 6,000 times
    counts = Counter(draw_scenario(hat, [], rng).chosen.pk for _ in range(6000))
    # Then every scenario comes up, and the spread passes a chi-square test of uniformity
    assert set(counts) == {c.pk for c in hat}
    assert chi_square(counts, [c.pk for c in hat], 6000) < CHI2_CRITICAL_DF11_P01


def test_the_uniformity_check_can_fail() -> None:
    # Given a skewed spread (one scenario drawn twice as often), the same statistic rejects it
    counts = Counter({k: 462 for k in range(1, 12)})
    counts[12] = 918
    assert chi_square(counts, list(range(1, 13)), sum(counts.values())) > CHI2_CRITICAL_DF11_P01


def test_draw_never_repeats_the_last_n_drawn() -> None:
    # Given 12 scenarios, where 3, 7 and 11 were drawn by the last three drills
    hat = [Card(pk) for pk in range(1, 13)]
    recent = [3, 7, 11]
    rng = random.Random(1)
    # When drawing many times
    outcomes = [draw_scenario(hat, recent, rng) for _ in range(2000)]
    # Then none of the recent ones comes out, and the others all do (uniformly over 9)
    drawn = Counter(o.chosen.pk for o in outcomes)
    assert not set(drawn) & set(recent)
    assert set(drawn) == set(range(1, 13)) - set(recent)
    assert outcomes[0].candidate_ids == [1, 2, 4, 5, 6, 8, 9, 10, 12]
    assert outcomes[0].excluded_ids == recent
    assert outcomes[0].note == ""


def test_small_hat_falls_back_to_leaving_out_fewer_and_says_so() -> None:
    # Given only 3 scenarios, all drawn by the last three drills (most recent first: 2, 1, 3)
    hat = [Card(1), Card(2), Card(3)]
    # When drawing
    outcome = draw_scenario(hat, [2, 1, 3], random.Random(5))
    # Then only the two most recent stay out, the oldest (3) is drawn, and the note explains
    assert outcome.chosen.pk == 3
    assert outcome.excluded_ids == [2, 1]
    assert "left out the last 2 drawn instead of 3" in outcome.note


def test_single_scenario_is_drawn_even_if_it_was_the_last() -> None:
    outcome = draw_scenario([Card(9)], [9], random.Random(0))
    assert outcome.chosen.pk == 9
    assert outcome.excluded_ids == []
    assert "may repeat" in outcome.note


def test_empty_hat_is_an_error() -> None:
    with pytest.raises(EmptyHat):
        draw_scenario([], [], random.Random(0))


def test_default_randomness_is_the_systems_cryptographic_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the secrets module's generator is spied on
    import secrets

    made: list[object] = []
    real = secrets.SystemRandom

    def spy() -> random.Random:
        rng = real()
        made.append(rng)
        return rng

    monkeypatch.setattr(secrets, "SystemRandom", spy)
    # When drawing without an rng
    outcome = draw_scenario([Card(1), Card(2)], [])
    # Then a SystemRandom was used
    assert outcome.chosen.pk in (1, 2)
    assert len(made) == 1
