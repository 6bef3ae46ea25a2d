"""Questions asked with each student's own numbers: different numbers per student, each checked against its own."""

import pytest

from simkit import Stage
from simkit.teaching import checks
from simkit.teaching.personal import (EXERCISE_SETS, SAMPLE_STUDENT, expected_answer, personal_questions, student_key,
                             your_numbers)
from test_exercises import PERSONAL, _by_hand

STUDENTS = ("2026001", "2026002", "li.wei", 20260017)


@pytest.mark.parametrize("question", PERSONAL)
def test_each_student_is_right_with_their_own_numbers_and_wrong_with_a_neighbours(question, capsys):
    exercise_set = question.split(".")[0]
    answers = {}
    for student in STUDENTS:
        numbers = your_numbers(exercise_set, student)
        right = _by_hand(question, numbers)
        answers[student] = right
        assert expected_answer(question, student) == pytest.approx(right, rel=1e-12)
        assert checks.verdict(question, right, student_id=student) == (True, f"{question}: ✓ right")
        checks.check(question, right * 1.03 + 1, student_id=student)
        out = capsys.readouterr().out
        assert "✗ not yet" in out and f"{right:.2f}" not in out    # a hint, never the answer
    mine, neighbour = "2026001", "2026002"
    assert round(answers[mine], 1) != round(answers[neighbour], 1)   # the two have different numbers
    assert not checks.verdict(question, answers[neighbour], student_id=mine)[0]   # copying earns nothing


def test_a_personal_question_needs_the_student_id_and_refuses_a_bad_one():
    with pytest.raises(TypeError, match="student_id=STUDENT_ID"):
        checks.verdict("churn.your_firm_left", 100)
    for bad in ("", "   ", True, 3.5, "x" * 65, ["2026001"], "a\nb"):
        with pytest.raises(ValueError, match="student_id: got .* expected your student number"):
            checks.verdict("churn.your_firm_left", 100, student_id=bad)
    # a blank STUDENT_ID (still ...) gives the sample student's numbers and says so
    sample = your_numbers("churn", ...)
    assert sample == your_numbers("churn", SAMPLE_STUDENT) and "set STUDENT_ID" in str(sample)
    assert checks.verdict("churn.your_firm_left", _by_hand("churn.your_firm_left", sample), student_id=...)[0]


def test_the_same_id_always_gives_the_same_numbers_and_ids_spread_widely():
    assert student_key(" 2026001 ") == "2026001" and student_key(2026001) == "2026001"
    assert your_numbers("clv", "2026001") == your_numbers("clv", " 2026001")
    ids = [f"2026{i:04d}" for i in range(300)]
    for exercise_set in EXERCISE_SETS:
        distinct = {repr(your_numbers(exercise_set, student).values) for student in ids}
        assert len(distinct) > 150, exercise_set            # copying a neighbour's numbers rarely fits
    assert set(personal_questions().values()) == set(EXERCISE_SETS)


def test_numbers_stay_in_their_stated_ranges():
    for i in range(200):
        student = f"s{i}"
        churn = your_numbers("churn", student)
        assert 200 <= churn.customers <= 2000 and 0 < churn.lost_per_year < churn.customers and 3 <= churn.years <= 8
        clv = your_numbers("clv", student)
        assert 20 <= clv.profit_per_purchase <= 200 and 0.03 <= clv.interest_rate <= 0.12
        ltv = your_numbers("ltv", student)
        assert ltv.scenario.tenure.retention_rate == tuple(ltv.retention_rate)
        assert all(0.45 <= r <= 0.95 for r in ltv.retention_rate)
        life = your_numbers("life", student)
        assert 0.2 <= life.conversion_share <= 0.6 and life.scenario.stages[Stage.LOYAL].mean_duration_years == \
            life.loyal_mean_years
        value = your_numbers("value", student)
        assert 10 <= value.vip_customers <= 40 and 1000 <= value.small_customers <= 3000


def test_unknown_sets_and_fields_are_named():
    with pytest.raises(ValueError, match="exercise_set: got 'nope'"):
        your_numbers("nope", "2026001")
    with pytest.raises(AttributeError, match="your numbers for 'churn' are customers"):
        your_numbers("churn", "2026001").revenue
    with pytest.raises(AttributeError, match="has no scenario"):
        your_numbers("churn", "2026001").scenario
    with pytest.raises(KeyError, match="question: got 'churn.lifetime'"):
        expected_answer("churn.lifetime", "2026001")


def test_an_id_typed_with_full_width_digits_is_the_same_student():
    """A Chinese input method types "２０２６００１"; the student is 2026001 and gets 2026001's numbers (NFKC)."""
    from simkit.teaching.personal import student_key, your_numbers

    assert student_key("２０２６００１") == student_key("\u30002026001 ") == "2026001"
    assert your_numbers("ltv", "２０２６００１") == your_numbers("ltv", 2026001)
    assert your_numbers("ltv", "2026001") != your_numbers("ltv", "2026002")


@pytest.mark.parametrize("bad", ["", "\u3000", "a\nb", 10 ** 500, -1, 3.5, None, b"2026001"], ids=repr)
def test_what_cannot_be_an_id_is_one_clear_error(bad):
    from simkit.teaching.personal import student_key

    with pytest.raises(ValueError, match="student_id: got .*, expected your student number"):
        student_key(bad)
