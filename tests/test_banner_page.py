"""
The banner's markup on real admin pages: full on the index, compact elsewhere, "What is sent",
the notice of a failed report, and the hooks its script and screen readers rely on.
"""

import re
from datetime import datetime, timezone as dt_timezone

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory, override_settings
from django.utils import translation

BANNER = 'id="survey-report-banner"'
INTRO = "The Open edX Project relies on the collective strength of its community"
SHORT = "Share aggregated usage data with the Open edX project?"


def banner_html(client, path="/admin/", **headers):
    """The banner's section on ``path`` (asserting the page has exactly one)."""
    response = client.get(path, **headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count(BANNER) == 1
    return re.search(r'<section id="survey-report-banner".*?</section>', html, re.S).group(0)


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.mark.django_db
class TestFullAndCompact:
    """The admin index keeps the whole message; other admin pages get one line and the buttons."""

    def test_index_is_full(self, admin_client):
        html = banner_html(admin_client, "/admin/")
        assert 'class="survey-report-banner survey-report-banner--full"' in html
        assert f'<p class="survey-report-banner__intro">{INTRO}' in html
        # The compact structure, with "Read more" open: the whole message without a click (and
        # without a script). The one-line question and the summary are hidden by CSS on wide
        # screens; banner.js closes "Read more" on narrow ones (the browser tests measure both).
        more = re.search(r'<details class="survey-report-banner__more" open data-survey-report-full>.*?</details>',
                         html, re.S).group(0)
        assert INTRO in more and "<summary>Read more</summary>" in more
        assert f'<p class="survey-report-banner__lead">{SHORT}</p>' in html
        assert html.count(INTRO) == 1

    @pytest.mark.parametrize("path", ["/admin/auth/user/", "/admin/auth/user/add/", "/admin/auth/"])
    def test_other_admin_pages_are_compact(self, admin_client, path):
        html = banner_html(admin_client, path)
        assert 'class="survey-report-banner survey-report-banner--compact"' in html
        assert f'<p class="survey-report-banner__lead">{SHORT}</p>' in html
        # The whole message is one click away, in a <details> that needs no script.
        more = re.search(r'<details class="survey-report-banner__more">.*?</details>', html, re.S).group(0)
        assert "<summary>Read more</summary>" in more and INTRO in more
        assert "/admin/survey_report/surveyreport/" in more
        # The line comes first, then the disclosures, then the two buttons, in one bar.
        bar = html[html.index('class="survey-report-banner__bar"'):]
        assert bar.index(SHORT) < bar.index("Read more") < bar.index("What is sent") < bar.index(">Send report<")
        assert bar.index(">Send report<") < bar.index(">Dismiss<")

    @pytest.mark.parametrize("path", ["/admin/", "/admin/auth/user/"])
    def test_the_region_has_a_short_name_and_a_heading(self, admin_client, path):
        """Its name is "Survey report" (a heading, first), not the whole question or slogan."""
        html = banner_html(admin_client, path)
        assert re.match(
            r'<section id="survey-report-banner" [^>]* aria-labelledby="survey-report-banner-title">\s*'
            r'<h2 id="survey-report-banner-title" class="survey-report-banner__title">Survey report</h2>', html
        ), html[:600]
        assert html.count("<h2") == 1 and html.count('id="survey-report-banner-title"') == 1

    def test_script_hooks_and_live_region(self, admin_client):
        html = banner_html(admin_client, "/admin/auth/user/")
        assert 'data-status-url="/survey-report-banner/status/"' in html
        assert '<p class="survey-report-banner__status" role="status" aria-live="polite" aria-atomic="true"' in html
        assert 'data-retry-label="Try again"' in html
        steps = re.search(r"<ol class=\"survey-report-banner__progress\"[^>]*hidden>(.*?)</ol>", html, re.S)
        assert text_of(steps.group(1)) == "Queued Generating Sent"


@pytest.mark.django_db
class TestWhatIsSent:
    """The disclosure lists what the report carries, from settings only."""

    @pytest.mark.parametrize("path", ["/admin/", "/admin/auth/user/"])
    def test_counts_extra_data_and_identifier(self, admin_client, path):
        with override_settings(SURVEY_REPORT_EXTRA_DATA={"release": "Ulmo", "<b>tag</b>": ["a", 1]}):
            html = banner_html(admin_client, path)
        disclosure = re.search(
            r'<details class="survey-report-banner__disclosure" data-survey-report-disclosure>.*?</details>', html, re.S
        ).group(0)
        assert "<details class=\"survey-report-banner__disclosure\" data-survey-report-disclosure>" in disclosure
        text = text_of(disclosure)
        for count in ("courses offered", "recently active learners (last 4 weeks)", "registered learners",
                      "active enrollments", "generated certificates"):
            assert count in text
        # Each value as the report carries it (JSON), escaped.
        assert "Extra data set by your operator (SURVEY_REPORT_EXTRA_DATA): release : &quot;Ulmo&quot;" in text
        assert "<code>&lt;b&gt;tag&lt;/b&gt;</code>: <code>[&quot;a&quot;, 1]</code>" in disclosure
        assert "The identifier: a random ID, not your site's name." in text.replace("&#x27;", "'")

    @pytest.mark.parametrize("path", ["/admin/", "/admin/auth/user/"])
    def test_created_at_when_and_in_which_zone(self, admin_client, path):
        """Upstream sends created_at as MM-DD-YYYY HH:MM:SS of the aware (UTC) time, naming no zone."""
        html = banner_html(admin_client, path)
        line = re.search(r"<p data-survey-report-created-at>(.*?)</p>", html, re.S).group(1)
        assert line == (
            "When the report was counted (<code>created_at</code>): month-day-year and time, as "
            "MM-DD-YYYY HH:MM:SS, in UTC."
        )
        # After the identifier, as in the body (totals, id, extra_data, created_at).
        assert html.index("data-survey-report-identifier") < html.index("data-survey-report-created-at")

    def test_no_extra_data(self, admin_client):
        with override_settings(SURVEY_REPORT_EXTRA_DATA={}):
            text = text_of(banner_html(admin_client))
        assert "Extra data set by your operator (SURVEY_REPORT_EXTRA_DATA): none." in text

    @override_settings(ANONYMOUS_SURVEY_REPORT=False, LMS_BASE="learn.example.org")
    def test_not_anonymous_names_the_domain(self, admin_client):
        html = banner_html(admin_client)
        assert "random ID" not in html
        assert (
            "The identifier: your site's domain, <strong>learn.example.org</strong>. This report is not "
            "anonymous (ANONYMOUS_SURVEY_REPORT is False)."
        ) in html

    def test_missing_setting_is_what_upstream_sends_the_domain(self, admin_client, settings):
        del settings.ANONYMOUS_SURVEY_REPORT
        assert "<strong>127.0.0.1:8000</strong>" in banner_html(admin_client)

    def test_spanish(self, admin_client):
        with override_settings(ANONYMOUS_SURVEY_REPORT=False, LMS_BASE="learn.example.org"):
            text = text_of(banner_html(admin_client, HTTP_ACCEPT_LANGUAGE="es"))
        assert "Qué se envía" in text
        assert "estudiantes activos recientemente (últimas 4 semanas)" in text
        assert "learn.example.org" in text and "no es anónimo" in text


class TestFailureNotice:
    """The date of the last failed attempt within the window, when the rule provides it."""

    def render(self, language="en", **extra):
        request = RequestFactory().get("/admin/")
        context = {
            "survey_report_banner": {
                "send_url": "/s/", "dismiss_url": "/d/", "status_url": "/st/", "next": "/admin/",
                "reports_url": "/admin/survey_report/surveyreport/", "compact": False,
                "extra_data": [], "site_domain": None, **extra,
            },
        }
        with translation.override(language):
            return render_to_string("survey_report_banner/banner.html", context, request=request)

    def test_no_notice_without_a_failure(self):
        html = self.render(last_error_at=None)
        assert "data-survey-report-error" not in html and "could not be sent" not in html
        assert "data-survey-report-error" not in self.render()

    def test_notice_with_its_date_first(self):
        html = self.render(last_error_at=datetime(2026, 11, 2, 9, 30, tzinfo=dt_timezone.utc))
        notice = re.search(r'<p class="survey-report-banner__notice" data-survey-report-error>(.*?)</p>', html, re.S)
        assert text_of(notice.group(1)) == (
            "The last survey report, on Nov. 2, 2026, 9:30 a.m., could not be sent. You can try again."
        )
        assert html.index("data-survey-report-error") < html.index(INTRO) < html.index(">Send report<")

    def test_notice_in_spanish(self):
        html = self.render("es", last_error_at=datetime(2026, 11, 2, 9, 30, tzinfo=dt_timezone.utc))
        assert "El último informe de encuesta, del 2 de noviembre de 2026" in text_of(html)


class TestDisclosureSettings:
    """survey_report_banner.conf's readers behind "What is sent"."""

    @pytest.mark.parametrize("extra, expected", [
        ({}, []),
        (None, []),
        ({"release": "Ulmo", "pods": 3}, [("release", '"Ulmo"'), ("pods", "3")]),
        (["not", "a mapping"], [("", '["not", "a mapping"]')]),
        ({"año": "ñ"}, [("año", '"ñ"')]),
    ])
    def test_extra_data_as_sent(self, settings, extra, expected):
        from survey_report_banner import conf  # pylint: disable=import-outside-toplevel

        settings.SURVEY_REPORT_EXTRA_DATA = extra
        assert conf.report_extra_data() == expected

    @pytest.mark.parametrize("anonymous, lms_base, expected", [
        (True, "learn.example.org", None),
        (1, "learn.example.org", None),  # Upstream tests the setting for truth.
        (False, "learn.example.org", "learn.example.org"),
        (False, None, ""),
    ])
    def test_site_domain(self, settings, anonymous, lms_base, expected):
        from survey_report_banner import conf  # pylint: disable=import-outside-toplevel

        settings.ANONYMOUS_SURVEY_REPORT = anonymous
        settings.LMS_BASE = lms_base
        assert conf.report_site_domain() == expected

    @pytest.mark.django_db
    def test_empty_lms_base_still_says_the_report_is_not_anonymous(self, admin_client, settings):
        settings.ANONYMOUS_SURVEY_REPORT = False
        settings.LMS_BASE = ""
        html = banner_html(admin_client)
        assert "your site's domain, <strong>LMS_BASE</strong>. This report is not anonymous" in html
