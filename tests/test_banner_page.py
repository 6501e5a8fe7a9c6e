"""
The banner's markup on real admin pages: full on the index, compact elsewhere, "What is sent",
the notice of a failed report, and the hooks its script and screen readers rely on.
"""

import re
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.test import override_settings
from openedx.features.survey_report.models import (
    SURVEY_REPORT_ERROR,
    SURVEY_REPORT_GENERATED,
    SURVEY_REPORT_PROCESSING,
)

from survey_report_banner.models import SurveyReportAttempt

from conftest import make_report

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


@pytest.mark.django_db
class TestFailureNotice:
    """
    Issue 21: a failed report is said as it is known (the attempt's cause, the row's state), with
    the time in the site's zone and its name; while attempts are exhausted, when the next is possible.
    """

    FAILED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=dt_timezone.utc)

    def failed(self, cause, state=SURVEY_REPORT_ERROR, at=None, uploads=()):
        at = at or self.FAILED_AT
        SurveyReportAttempt.objects.create(attempted_at=at, trigger="banner", cause=cause)
        return make_report(at + timedelta(seconds=5), state=state, uploads=list(uploads))

    def notice(self, client, path="/admin/", **headers):
        html = banner_html(client, path, **headers)
        found = re.search(
            r'<p id="survey-report-banner-notice" class="survey-report-banner__notice" data-survey-report-error>'
            r"(.*?)</p>", html, re.S)
        return html, (found.group(1) if found else None)

    def test_no_notice_without_a_failure(self, admin_client):
        html, notice = self.notice(admin_client)
        assert notice is None and "could not be sent" not in html

    @pytest.mark.parametrize("cause, state, sentence", [
        ("http:503", SURVEY_REPORT_ERROR,
         "The survey report was generated but not sent: the endpoint answered HTTP 503."),
        ("redirect:302", SURVEY_REPORT_ERROR, "The survey report was generated but not sent: the endpoint answered "
                                              "HTTP 302, a redirect, so the report was not accepted there."),
        ("refused", SURVEY_REPORT_ERROR,
         "The survey report was generated but not sent: the endpoint refused the connection."),
        ("unreachable", SURVEY_REPORT_ERROR,
         "The survey report was generated but not sent: the endpoint could not be reached."),
        ("timeout", SURVEY_REPORT_ERROR,
         "The survey report was not sent: generating and sending it took longer than its time limit."),
        ("timeout", SURVEY_REPORT_GENERATED,
         "The survey report was generated but not sent: the endpoint did not answer in time."),
        ("unrecorded", SURVEY_REPORT_ERROR,
         "The survey report was generated and the endpoint accepted it, but openedx-platform could not record "
         "the answer, so it does not count as sent."),
        ("", SURVEY_REPORT_GENERATED, "The survey report was generated but not sent: sending it did not finish."),
        ("", SURVEY_REPORT_PROCESSING, "The survey report was not generated: counting the totals did not finish."),
        ("error:ValueError: bad data", SURVEY_REPORT_ERROR,
         "The survey report could not be generated or sent: ValueError: bad data"),
        ("", SURVEY_REPORT_ERROR, "The survey report could not be generated or sent."),
    ])
    def test_says_what_is_known(self, admin_client, cause, state, sentence):
        self.failed(cause, state)
        with time_machine.travel(self.FAILED_AT + timedelta(hours=2), tick=False):
            html, notice = self.notice(admin_client)
        # Said first, before the invitation and the buttons, with the time in the site's zone, named.
        assert notice == f"{sentence} Last attempt: Nov. 2, 2026, 9:30 a.m. UTC. You can try again."
        assert html.index("data-survey-report-error") < html.index(INTRO) < html.index(">Send report<")
        assert "could not be generated or sent" not in html or "could not be generated or sent" in sentence

    def test_on_compact_pages_too(self, admin_client):
        self.failed("http:503")
        with time_machine.travel(self.FAILED_AT + timedelta(hours=2), tick=False):
            _, notice = self.notice(admin_client, "/admin/auth/user/")
        assert notice.startswith("The survey report was generated but not sent: the endpoint answered HTTP 503.")

    def test_time_in_the_sites_zone_named(self, admin_client):
        self.failed("refused")
        with override_settings(TIME_ZONE="Europe/Madrid"), \
                time_machine.travel(self.FAILED_AT + timedelta(hours=2), tick=False):
            _, notice = self.notice(admin_client)
        assert notice.endswith("Last attempt: Nov. 2, 2026, 10:30 a.m. CET. You can try again.")

    def test_spanish(self, admin_client):
        self.failed("http:503")
        with time_machine.travel(self.FAILED_AT + timedelta(hours=2), tick=False):
            _, notice = self.notice(admin_client, HTTP_ACCEPT_LANGUAGE="es")
        assert notice == (
            "El informe de encuesta se generó, pero no se envió: el servidor de destino respondió HTTP 503. "
            "Último intento: 2 de noviembre de 2026 a las 09:30 UTC. Puede volver a intentarlo."
        )

    def attempts_exhausted(self):
        start = datetime(2026, 11, 25, 14, 0, tzinfo=dt_timezone.utc)
        for minute in (0, 1, 2):
            self.failed("http:503", at=start + timedelta(minutes=minute))
        return start

    def test_attempts_exhausted_say_when_and_disable_send(self, admin_client):
        """Without JavaScript too: the page says when, and its Send button cannot be pressed until then."""
        start = self.attempts_exhausted()
        with time_machine.travel(start + timedelta(minutes=30), tick=False):
            html, notice = self.notice(admin_client)
        assert notice == (
            "The survey report was generated but not sent: the endpoint answered HTTP 503. Last attempt: "
            "Nov. 25, 2026, 2:02 p.m. UTC. After 3 failed attempts within an hour, the next one is possible at "
            "3 p.m. UTC."
        )
        assert "You can try again." not in notice
        assert (
            '<button type="submit" class="button default survey-report-banner__button" data-retry-label="Try again" '
            'data-busy-label="Sending…" disabled data-retry-at="2026-11-25T15:00:00+00:00" '
            'aria-describedby="survey-report-banner-notice">Send report</button>'
        ) in html
        # A click (from an older page) is refused with the same time, in the same zone.
        with time_machine.travel(start + timedelta(minutes=30), tick=False):
            response = admin_client.post("/survey-report-banner/send/", HTTP_ACCEPT="application/json")
        assert response.status_code == 429 and response.json()["message"].endswith("try again after 3 p.m. UTC.")

    def test_attempts_exhausted_in_spanish(self, admin_client):
        start = self.attempts_exhausted()
        with time_machine.travel(start + timedelta(minutes=30), tick=False):
            _, notice = self.notice(admin_client, HTTP_ACCEPT_LANGUAGE="es")
        assert notice.endswith(
            "Tras 3 intentos fallidos en una hora, el próximo será posible a las 15:00 UTC."
        )

    def test_a_cached_page_after_retry_at_offers_to_try_again(self, admin_client):
        """The decision is cached (up to the cache timeout): once retry_at passed, the page says so."""
        start = self.attempts_exhausted()
        with time_machine.travel(start + timedelta(minutes=59), tick=False):
            self.notice(admin_client)  # caches the decision, retry_at included
        with time_machine.travel(start + timedelta(minutes=61), tick=False):
            html, notice = self.notice(admin_client)
        assert notice.endswith("Last attempt: Nov. 25, 2026, 2:02 p.m. UTC. You can try again.")
        assert "data-retry-at" not in html and " disabled" not in html


@pytest.mark.django_db
class TestNotAnonymous:
    """Issue 21: when the report names the site, a line next to the buttons says so, with the value sent."""

    LINE = ('<p class="survey-report-banner__identity" data-survey-report-identity>This report names your site: '
            "<strong>lms.example.com</strong>.</p>")

    @pytest.mark.parametrize("path", ["/admin/", "/admin/auth/user/"])
    def test_said_next_to_the_buttons_without_opening_anything(self, admin_client, settings, path):
        settings.ANONYMOUS_SURVEY_REPORT = False
        settings.LMS_BASE = "lms.example.com"
        html = banner_html(admin_client, path)
        assert self.LINE in html
        line_at = html.index(self.LINE)
        # Not inside a disclosure: after the last </details>, right before the buttons.
        assert html.rindex("</details>", 0, line_at) > html.rindex("<details", 0, line_at)
        assert line_at < html.index('class="survey-report-banner__actions"') < html.index(">Send report<")
        assert html.count("lms.example.com") == 2  # Here, and in "What is sent".

    def test_not_said_when_anonymous(self, admin_client, settings):
        settings.ANONYMOUS_SURVEY_REPORT = True
        assert "data-survey-report-identity" not in banner_html(admin_client)

    def test_spanish(self, admin_client, settings):
        settings.ANONYMOUS_SURVEY_REPORT = False
        settings.LMS_BASE = "lms.example.com"
        html = banner_html(admin_client, "/admin/auth/user/", HTTP_ACCEPT_LANGUAGE="es")
        assert ('<p class="survey-report-banner__identity" data-survey-report-identity>Este informe identifica '
                "su sitio: <strong>lms.example.com</strong>.</p>") in html

    def test_empty_lms_base(self, admin_client, settings):
        settings.ANONYMOUS_SURVEY_REPORT = False
        settings.LMS_BASE = ""
        assert ("This report names your site by its LMS_BASE setting, which is empty on this site."
                in banner_html(admin_client))


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
