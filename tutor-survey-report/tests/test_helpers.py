"""The plugin's helpers on their own (no Tutor run needed)."""

import ast
import datetime

import pytest
from tutor.exceptions import TutorError
from tutorsurveyreport.plugin import (
    is_production,
    survey_report_extra_data,
    survey_report_lead_hours,
    survey_report_months,
)


@pytest.mark.parametrize(
    "host, expected",
    [
        ("learn.example.org", True),
        ("openedx.example.com", True),
        ("local.openedx.io", False),
        ("LOCAL.OPENEDX.IO", False),
        ("local.edly.io", False),
        ("local.overhang.io", False),
        ("courses.local.openedx.io", False),
        ("openedx.localhost", False),
        ("localhost", False),
        ("", False),
        (None, False),
        # Only the real suffix counts.
        ("notlocal.openedx.io.example.org", True),
    ],
)
def test_is_production_outside_tutor_commands(host, expected):
    assert is_production({"LMS_HOST": host}) is expected


def test_extra_data_renders_python_literals():
    rendered = survey_report_extra_data(
        {"on": True, "off": False, "none": None, "q": "it's"}
    )
    assert ast.literal_eval(rendered) == {
        "on": True,
        "off": False,
        "none": None,
        "q": "it's",
    }
    assert "true" not in rendered and "null" not in rendered


def test_extra_data_turns_yaml_dates_into_strings():
    rendered = survey_report_extra_data({"since": datetime.date(2024, 1, 31)})
    assert ast.literal_eval(rendered) == {"since": "2024-01-31"}


def test_extra_data_release_does_not_override_operator_value():
    assert ast.literal_eval(survey_report_extra_data({}, "release/verawood.1")) == {
        "openedx_release": "release/verawood.1"
    }
    assert ast.literal_eval(
        survey_report_extra_data({"openedx_release": "mine"}, "release/x")
    ) == {"openedx_release": "mine"}
    assert ast.literal_eval(survey_report_extra_data(None)) == {}


@pytest.mark.parametrize("bad", [["a"], "text", 3])
def test_extra_data_must_be_a_mapping(bad):
    with pytest.raises(TutorError, match="SURVEY_REPORT_EXTRA_DATA must be a mapping"):
        survey_report_extra_data(bad)


@pytest.mark.parametrize("value, months", [(6, 6), ("12", 12), (1, 1)])
def test_months(value, months):
    assert survey_report_months(value) == months


@pytest.mark.parametrize("bad", [0, -1, "six", True, 2.5, None])
def test_months_rejects(bad):
    with pytest.raises(TutorError, match="SURVEY_REPORT_CHECK_THRESHOLD"):
        survey_report_months(bad)


@pytest.mark.parametrize("value, hours", [(0, 0), (30, 30), ("192", 192), (336, 336)])
def test_lead_hours(value, hours):
    assert survey_report_lead_hours(value) == hours


@pytest.mark.parametrize("bad", [-1, 337, "a day", True, 1.5, None])
def test_lead_hours_rejects(bad):
    with pytest.raises(TutorError, match="SURVEY_REPORT_SCHEDULED_LEAD_HOURS"):
        survey_report_lead_hours(bad)
