"""Simplified Chinese input formats: a date typed as 2024-01-15, 2024/1/15, 2024.1.15 or 2024年1月15日
is read everywhere a form, a filter or an import takes a date. Django's zh_Hans module writes the
Chinese format as "%Y年%n月%j日" (%j is the day of the year), which reads no date at all; the first
format stays "%Y/%m/%d", so dates shown in text inputs look as before. Display formats: one date format, below."""

DATE_INPUT_FORMATS = [
    "%Y/%m/%d",  # 2024/01/15, 2024/1/15
    "%Y-%m-%d",  # 2024-01-15, 2024-1-15
    "%Y年%m月%d日",  # 2024年1月15日, 2024年01月15日
    "%Y.%m.%d",  # 2024.1.15
]

DATETIME_INPUT_FORMATS = [
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y/%m/%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y年%m月%d日 %H:%M:%S.%f",
]

# One date format on every page (issue 19): 2024-01-15, as the exports, the PDFs and the date inputs
# write it; Django's zh_Hans would write 2024年1月15日 in some places and 2024-01-15 in others.
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "n月j日"
YEAR_MONTH_FORMAT = "Y年n月"
