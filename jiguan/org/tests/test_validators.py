"""GB 32100-2015 unified social credit code (统一社会信用代码) and GB/T 2260 region code checks."""

import pytest
from django.core.exceptions import ValidationError

from jiguan.org.validators import (
    CREDIT_ALPHABET,
    credit_code_check_char,
    credit_code_error,
    validate_region_code,
)

# The two valid examples of the domain facts.
VALID = ["91350100M000100Y43", "123502001549897397"]


@pytest.mark.parametrize("code", VALID)
def test_valid_examples_pass(code):
    assert credit_code_error(code) is None
    assert credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code", VALID)
def test_input_is_normalised_before_checking(code):
    # People paste codes in lower case and with stray spaces; the check character is still right.
    assert credit_code_error(f"  {code.lower()} ") is None


@pytest.mark.parametrize("code", VALID)
def test_every_single_character_change_is_rejected(code):
    """Property: changing any one of the 18 characters to any other allowed character makes the
    code invalid (31 is prime and no weight is a multiple of it, so the check character catches it)."""
    tried = 0
    for position in range(18):
        for replacement in CREDIT_ALPHABET:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1:]
            reason = credit_code_error(changed)
            assert reason is not None, f"{changed} (position {position + 1} changed) was accepted"
            assert reason.startswith("统一社会信用代码"), reason
            tried += 1
    assert tried == 18 * 30


def test_changed_check_character_names_the_expected_one():
    assert credit_code_error("91350100M000100Y44") == "统一社会信用代码校验位错误：第 18 位应为 3，实际为 4。"
    assert credit_code_error("123502001549897390") == "统一社会信用代码校验位错误：第 18 位应为 7，实际为 0。"


def test_swapped_neighbours_are_rejected():
    code = VALID[0]
    for i in range(17):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            assert credit_code_error(swapped) is not None, swapped


@pytest.mark.parametrize("code, length", [
    ("", 0),
    ("91350100M000100Y4", 17),
    ("91350100M000100Y433", 19),
    ("1235020015498973", 16),
])
def test_wrong_length_names_the_length(code, length):
    assert credit_code_error(code) == f"统一社会信用代码应为 18 位，当前为 {length} 位。"


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_forbidden_letters_are_named(letter):
    code = VALID[0][:8] + letter + VALID[0][9:]  # the letter where the example has "M"
    reason = credit_code_error(code)
    assert reason == f"统一社会信用代码含有不允许的字符：{letter}（不使用 I、O、Z、S、V）。"


def test_several_forbidden_characters_are_all_listed():
    reason = credit_code_error("9135010OM0001-0Y4I")
    assert reason == "统一社会信用代码含有不允许的字符：-、I、O（不使用 I、O、Z、S、V）。"


def test_letter_in_the_region_part_is_rejected_with_the_region_reason():
    reason = credit_code_error("9135A100M000100Y43")
    assert reason == "统一社会信用代码第 3–8 位应为行政区划代码（6 位数字）。"


@pytest.mark.parametrize("value", ["350100", "110000", "650000"])
def test_region_code_accepts_six_digits(value):
    validate_region_code(value)


@pytest.mark.parametrize("value", ["", "35010", "3501000", "35010A", "３５０１００", "350100\n", " 350100"])
def test_region_code_refuses_anything_else(value):
    with pytest.raises(ValidationError) as excinfo:
        validate_region_code(value)
    assert excinfo.value.messages == ["行政区划代码应为 6 位数字（GB/T 2260）。"]
