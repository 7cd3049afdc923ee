"""Dates as people type them (issue 19): 2024年1月15日, 2024-01-15 and 2024/1/15 are one day, in every
form, filter and import; anything else is refused in Chinese, saying which formats are taken."""

from datetime import date

import pytest
from django import forms

from jiguan.core.forms import DateField

DAY = date(2024, 1, 15)
TYPED = ["2024年1月15日", "2024年01月15日", "2024-01-15", "2024-1-15", "2024/1/15", "2024/01/15", "2024.1.15",
         " 2024年1月15日 ", "２０２４年１月１５日", "2024 年 1 月 15 日"]


@pytest.mark.parametrize("typed", TYPED)
def test_the_kernel_date_field_reads_the_ways_a_date_is_typed(typed):
    assert DateField().clean(typed) == DAY


@pytest.mark.parametrize("typed", ["2024年1月15日", "2024-01-15", "2024/1/15"])
def test_every_django_date_field_reads_them_too(typed):
    """settings.FORMAT_MODULE_PATH (jiguan/core/formats): model forms, filters and imports alike."""
    assert forms.DateField().clean(typed) == DAY


@pytest.mark.parametrize("typed", ["2024年13月1日", "15/01/2024", "明天", "2024-02-30"])
def test_anything_else_is_refused_in_chinese_with_the_formats_taken(typed):
    with pytest.raises(forms.ValidationError) as refused:
        DateField().clean(typed)
    assert refused.value.messages == ["日期格式不对：请按 2024-01-15、2024/1/15 或 2024年1月15日 填写。"]


def test_a_date_is_shown_in_a_text_box_as_before():
    assert forms.DateInput().format_value(DAY) == "2024/01/15"
    assert DateField(required=False).clean("") is None
