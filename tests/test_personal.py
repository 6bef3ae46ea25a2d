"""Questions asked with each student's own numbers: different numbers per student, each checked against its own."""

import pytest

from simkit import Stage
from simkit.teaching import checks
from simkit.teaching.personal import EXERCISE_SETS, SAMPLE_STUDENT, personal_questions, student_key, your_numbers
from simkit.teaching.personal import _answer as expected_answer
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
        assert 200_000 <= churn.customers <= 5_000_000 and 0 < churn.lost_per_year < churn.customers
        assert 3 <= churn.years <= 8
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


def test_no_public_function_returns_an_own_numbers_answer():
    import simkit.teaching.personal as personal

    assert not [name for name in personal.__all__ if "answer" in name]
    assert not hasattr(personal, "expected_answer")


def _shared_pairs(question: str, students: list, course: str = "") -> int:
    """Pairs of ``students`` whose right answers to ``question`` are within the grading tolerance of each other
    (one unit in the last of the key's decimals): a copied answer would be graded right for both."""
    decimals = checks.load_key()[question]["decimals"]
    answers = sorted(round(expected_answer(question, student, course), decimals) for student in students)
    unit, pairs, low = 10.0 ** -decimals * (1 + 1e-9), 0, 0
    for high, value in enumerate(answers):
        while value - answers[low] > unit:
            low += 1
        pairs += high - low
    return pairs


#: the own-numbers question whose answer space is smaller than a class needs: a cohort's average LTV in yuan to the
#: fen lies between about ¥25 and ¥120, some 9,000 values, so in a class of 200 a few pairs coincide by chance
SMALL_ANSWER_SPACE = {"ltv.your_cohort"}


@pytest.mark.parametrize("question", PERSONAL)
def test_in_a_class_of_200_no_two_students_share_an_answer(question):
    """A class of 200 consecutive student numbers, and a second class under another course key: no two students'
    right answers fall within the grading tolerance of each other (except the question whose space is smaller).
    The chance of a shared pair is kept low by the numbers' grids and decimals, measured over 4,000 ids
    (docs: INSTRUCTORS.md, expected pairs per class below 0.1)."""
    ids = [str(2026001 + i) for i in range(200)]
    shared = _shared_pairs(question, ids) + _shared_pairs(question, ids, course="2027-spring")
    if question in SMALL_ANSWER_SPACE:
        assert shared > 0        # the stated exception is real: the test would notice if it went away
    else:
        assert shared == 0, question


@pytest.mark.parametrize("question", sorted(set(PERSONAL) - SMALL_ANSWER_SPACE))
def test_the_chance_of_a_shared_answer_in_a_class_of_200_is_small(question):
    """Expected shared pairs in a class of 200 = 19,900 pairs x P(two random students share), P estimated over
    2,000 random ids (1,999,000 pairs): below 0.1, so at least 9 classes in 10 have no shared answer at all."""
    ids = [f"random-{i}" for i in range(2000)]
    probability = _shared_pairs(question, ids) / (2000 * 1999 / 2)
    assert 19_900 * probability < 0.1, question


def test_a_course_key_gives_other_numbers_and_answers():
    for exercise_set, question in ((s, q) for q, s in personal_questions().items()):
        assert your_numbers(exercise_set, "2026001") != your_numbers(exercise_set, "2026001", course="2026-autumn")
        assert your_numbers(exercise_set, "2026001", course="2026-autumn") == \
            your_numbers(exercise_set, "2026001", course="2026-autumn")
    with pytest.raises(ValueError, match="course: got"):
        your_numbers("churn", "2026001", course=2026)


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
