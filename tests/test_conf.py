"""
Tests of survey_report_banner.conf: every setting is read through a validating reader, so no value
an operator can type turns an admin page or a click into a server error; W007 names the bad ones.
"""

import inspect
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import checks

from survey_report_banner import conf
from survey_report_banner.checks import TAG

CIRCULAR = {}
CIRCULAR["self"] = CIRCULAR

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
    # Issue 20: settings that are not numbers.
    ("SURVEY_REPORT_ENABLE", "no"),  # read by its truth, as edx-platform reads it
    ("SURVEY_REPORT_AUTO_SEND", "false"),
    ("SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT", "off"),
    ("ANONYMOUS_SURVEY_REPORT", "no"),
    ("SURVEY_REPORT_BANNER_CACHE_ALIAS", ["default"]),
    ("SURVEY_REPORT_EXTRA_DATA", {"pods": {1, 2}}),
    ("SURVEY_REPORT_EXTRA_DATA", CIRCULAR),
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


def w007(name):
    """The W007 messages about ``name``."""
    return [issue.msg for issue in checks.run_checks(tags=[TAG])
            if issue.id == "survey_report_banner.W007" and issue.msg.startswith(f"{name} = ")]


@pytest.mark.parametrize("name, value, read, used, outcome", [
    ("SURVEY_REPORT_ENABLE", "no", conf.survey_report_enabled, True,
     "edx-platform reads it as True, and so does the survey report banner"),
    ("SURVEY_REPORT_ENABLE", None, conf.survey_report_enabled, False,
     "edx-platform reads it as False, and so does the survey report banner"),
    ("ANONYMOUS_SURVEY_REPORT", "False", lambda: conf.report_site_domain() is None, True,
     "edx-platform reads it as True, and so does the survey report banner"),
    # A scheduled job must not send what the operator may have refused.
    ("SURVEY_REPORT_AUTO_SEND", "false", conf.auto_send_enabled, False,
     "the survey report banner uses False instead"),
    ("SURVEY_REPORT_AUTO_SEND", "yes", conf.auto_send_enabled, False,
     "the survey report banner uses False instead"),
    # The guarded side: learners stay off upstream's endpoint.
    ("SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT", "off", conf.guard_generate_endpoint, True,
     "the survey report banner uses True instead"),
    ("SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT", None, conf.guard_generate_endpoint, True,
     "the survey report banner uses True instead"),
])
def test_true_false_settings(settings, name, value, read, used, outcome):
    setattr(settings, name, value)
    assert read() is used
    assert w007(name) == [f"{name} = {value!r} is not True or False: {outcome}."]


@pytest.mark.parametrize("name", sorted(conf.FLAGS))
@pytest.mark.parametrize("value", [True, False, 0, 1])
def test_true_false_and_0_1_are_silent(settings, name, value):
    setattr(settings, name, value)
    assert w007(name) == []


@pytest.mark.parametrize("value, message", [
    ({"pods": {1, 2}}, "SURVEY_REPORT_EXTRA_DATA = {'pods': {1, 2}} cannot be encoded as JSON: edx-platform cannot "
                       "store it, so every report fails; the banner shows it as text."),
    (CIRCULAR, "SURVEY_REPORT_EXTRA_DATA = {'self': {...}} cannot be encoded as JSON: edx-platform cannot store "
               "it, so every report fails; the banner shows it as text."),
    (["not", "a mapping"], "SURVEY_REPORT_EXTRA_DATA = ['not', 'a mapping'] is not a dict: reports carry it as one "
                           "value, not as keys and values, and the banner shows it so."),
])
def test_extra_data_that_is_not_a_dict_of_json(settings, value, message):
    settings.SURVEY_REPORT_EXTRA_DATA = value
    assert w007("SURVEY_REPORT_EXTRA_DATA") == [message]
    assert conf.report_extra_data()  # shown, whatever it is


@pytest.mark.parametrize("value", [{}, None, {"release": "Ulmo", "pods": [1, 2]}])
def test_extra_data_silent(settings, value):
    settings.SURVEY_REPORT_EXTRA_DATA = value
    assert w007("SURVEY_REPORT_EXTRA_DATA") == []


@pytest.mark.parametrize("anonymous, lms_base, domain, messages", [
    (False, 123, "", ["LMS_BASE = 123 is not a domain name: the survey report banner says \"your site's domain\" "
                      "instead of naming it."]),
    (False, "learn.example.org", "learn.example.org", []),
    (True, 123, None, []),  # not read: the report is anonymous
])
def test_lms_base(settings, anonymous, lms_base, domain, messages):
    settings.ANONYMOUS_SURVEY_REPORT = anonymous
    settings.LMS_BASE = lms_base
    assert conf.report_site_domain() == domain
    assert w007("LMS_BASE") == messages


@pytest.mark.parametrize("name, value, label", [
    ("SURVEY_REPORT_BANNER_TASK", None, None),
    ("SURVEY_REPORT_BANNER_TASK", 123, None),
    ("SURVEY_REPORT_BANNER_TASK", "", None),
    ("SURVEY_REPORT_BANNER_TASK", "generate_survey_report", None),
    ("SURVEY_REPORT_BANNER_TASK", "a..b", None),
    ("SURVEY_REPORT_BANNER_TASK", "json.dumps", "json.dumps"),  # a name; whether it is a task is W002's
    ("SURVEY_REPORT_BANNER_REPORT_MODEL", None, None),
    ("SURVEY_REPORT_BANNER_REPORT_MODEL", 123, None),
    ("SURVEY_REPORT_BANNER_REPORT_MODEL", "survey_report.models.SurveyReport", None),
    ("SURVEY_REPORT_BANNER_REPORT_MODEL", "auth.Group", "auth.Group"),  # a label; whether it fits is W003's
])
def test_task_and_model_are_names_or_none(settings, name, value, label):
    setattr(settings, name, value)
    read = conf.task_path if name == "SURVEY_REPORT_BANNER_TASK" else conf.report_model_label
    assert read() == label


# Every setting conf.py annotates (the ones the banner reads), and values of every kind.
ANNOTATED = sorted(set(re.findall(r"#\s*\.\. setting_name:\s*([A-Z][A-Z0-9_]+)",
                                  Path(conf.__file__).read_text(encoding="utf-8"))))
ODD_VALUES = [None, True, 0, -1.5, float("nan"), "", "abc", "a.b", ["default"], {"a": {1}}, CIRCULAR, object()]
READERS = [
    function for name, function in inspect.getmembers(conf, inspect.isfunction)
    if not name.startswith("_") and function.__module__ == conf.__name__
    and not inspect.signature(function).parameters
]


@pytest.mark.parametrize("name", ANNOTATED)
@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_no_value_makes_a_reader_or_a_check_raise(settings, name, value):
    """Whatever an operator types, reading it never raises, nor does any of our system checks."""
    setattr(settings, name, value)
    for read in READERS:
        read()
    checks.run_checks(tags=[TAG])


def test_every_setting_is_fuzzed():
    others = {"SURVEY_REPORT_BANNER_CACHE_ALIAS", "SURVEY_REPORT_EXTRA_DATA", "LMS_BASE",
              "SURVEY_REPORT_BANNER_TASK", "SURVEY_REPORT_BANNER_REPORT_MODEL", "SURVEY_REPORT_SCHEDULER",
              "SURVEY_REPORT_ENDPOINT"}
    assert set(ANNOTATED) == {*conf.NUMBERS, *conf.FLAGS, *others}
    assert conf.setting_problems in READERS and conf.report_site_domain in READERS
