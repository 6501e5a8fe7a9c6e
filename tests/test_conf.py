"""
Tests of survey_report_banner.conf: every setting is read through a validating reader, so no value
an operator can type turns an admin page or a click into a server error; W007 names the bad ones.
"""

from datetime import timedelta

import pytest
from django.core import checks

from survey_report_banner import conf

# The values that, each alone, made every superuser admin page or *Send report* a 500 (issue 15).
BAD_VALUES = [
    ("SURVEY_REPORT_BANNER_PENDING_MINUTES", "abc"),
    ("SURVEY_REPORT_BANNER_PENDING_MINUTES", None),
    ("SURVEY_REPORT_BANNER_PENDING_MINUTES", float("nan")),
    ("SURVEY_REPORT_BANNER_PENDING_MINUTES", 1e12),
    ("SURVEY_REPORT_CHECK_THRESHOLD", 30000),
    ("SURVEY_REPORT_BANNER_CACHE_ALIAS", "no-such-cache"),
    ("SURVEY_REPORT_BANNER_CACHE_TIMEOUT", "abc"),
    ("SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT", "abc"),
    ("SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT", -1),
    ("SURVEY_REPORT_BANNER_SEND_TIMEOUT", "abc"),
]


@pytest.mark.parametrize("name, value, expected", [
    ("SURVEY_REPORT_CHECK_THRESHOLD", None, 6),
    ("SURVEY_REPORT_CHECK_THRESHOLD", "3", 3),
    ("SURVEY_REPORT_CHECK_THRESHOLD", 0, 6),
    ("SURVEY_REPORT_CHECK_THRESHOLD", 30000, 120),
    ("SURVEY_REPORT_CHECK_THRESHOLD", True, 6),
    ("SURVEY_REPORT_BANNER_PENDING_MINUTES", 0, 60),
    ("SURVEY_REPORT_BANNER_PENDING_MINUTES", -5, 60),
    ("SURVEY_REPORT_BANNER_PENDING_MINUTES", 14, 60),
    ("SURVEY_REPORT_BANNER_PENDING_MINUTES", 90, 90),
    ("SURVEY_REPORT_BANNER_PENDING_MINUTES", 1e12, 1440),
    ("SURVEY_REPORT_BANNER_PENDING_MINUTES", float("inf"), 60),
    ("SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT", "2.5", 2.5),
    ("SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT", -1, 3.0),
    ("SURVEY_REPORT_BANNER_CACHE_TIMEOUT", 0, 0),
    ("SURVEY_REPORT_BANNER_CACHE_TIMEOUT", "abc", 300),
    ("SURVEY_REPORT_BANNER_SEND_TIMEOUT", 10_000, 600),
])
def test_numbers_have_a_floor_a_ceiling_and_the_default(settings, name, value, expected):
    if value is None:
        if hasattr(settings, name):
            delattr(settings, name)
    else:
        setattr(settings, name, value)
    assert conf._number(name) == expected  # pylint: disable=protected-access


def test_the_readers_return_what_callers_need(settings):
    settings.SURVEY_REPORT_BANNER_PENDING_MINUTES = "abc"
    assert conf.pending_window() == timedelta(minutes=60)
    settings.SURVEY_REPORT_BANNER_CACHE_ALIAS = "nope"
    assert conf.cache_alias() == "default"


def test_w007_names_each_bad_setting_and_its_value(settings):
    settings.SURVEY_REPORT_BANNER_PENDING_MINUTES = "abc"
    settings.SURVEY_REPORT_CHECK_THRESHOLD = 30000
    settings.SURVEY_REPORT_BANNER_CACHE_ALIAS = "no-such-cache"
    issues = [issue for issue in checks.run_checks() if issue.id == "survey_report_banner.W007"]
    assert [issue.msg for issue in issues] == [
        "SURVEY_REPORT_CHECK_THRESHOLD = 30000 is above 120: the survey report banner uses 120 instead.",
        "SURVEY_REPORT_BANNER_PENDING_MINUTES = 'abc' is not a number: the survey report banner uses 60 instead.",
        "SURVEY_REPORT_BANNER_CACHE_ALIAS = 'no-such-cache' is not one of CACHES: the survey report banner uses "
        "'default' instead.",
    ]
    assert all(issue.level == checks.WARNING for issue in issues)


def test_w007_is_silent_by_default():
    assert [issue for issue in checks.run_checks() if issue.id == "survey_report_banner.W007"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("name, value", BAD_VALUES)
def test_no_setting_turns_admin_pages_or_clicks_into_errors(settings, admin_client, broker, name, value):
    setattr(settings, name, value)
    for path in ("/admin/", "/admin/auth/user/"):
        page = admin_client.get(path)
        assert page.status_code == 200 and 'id="survey-report-banner"' in page.content.decode()
    response = admin_client.post("/survey-report-banner/send/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["status"] == "enqueued"
    assert broker() == ["openedx.features.survey_report.tasks.generate_survey_report"]
    assert admin_client.get("/admin/").status_code == 200
    assert admin_client.post("/survey-report-banner/dismiss/").status_code == 302
