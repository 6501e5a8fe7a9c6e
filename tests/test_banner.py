"""
Tests of survey_report_banner.banner: the one rule deciding who sees the banner, and when.
"""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.test import RequestFactory, override_settings
from openedx.features.survey_report.models import (
    SURVEY_REPORT_ERROR,
    SURVEY_REPORT_GENERATED,
    SURVEY_REPORT_PROCESSING,
    SurveyReport,
    SurveyReportUpload,
)

from survey_report_banner import banner, caching, conf
from survey_report_banner.models import SurveyReportBannerDismissal, SurveyReportRequest

from conftest import make_report, make_user

NOW = datetime(2026, 8, 31, 12, 0, tzinfo=dt_timezone.utc)


def admin_request(user, path="/admin/"):
    """A GET request for ``path`` made by ``user``."""
    request = RequestFactory().get(path)
    request.user = user
    return request


@pytest.mark.django_db
class TestWhoSeesIt:
    """Path and role rules: decided without the database."""

    @pytest.mark.parametrize("flags, expected", [
        ((True, True, True), True),      # active staff superuser
        ((True, False, True), False),    # superuser without staff
        ((True, True, False), False),    # staff without superuser
        ((True, False, False), False),   # plain user
        ((False, True, True), False),    # inactive staff superuser
    ])
    def test_roles(self, flags, expected):
        active, staff, superuser = flags
        user = make_user("someone", is_active=active, is_staff=staff, is_superuser=superuser)
        assert banner.should_show_banner(admin_request(user)) is expected

    def test_anonymous(self):
        from django.contrib.auth.models import AnonymousUser
        assert banner.should_show_banner(admin_request(AnonymousUser())) is False

    @pytest.mark.parametrize("path, expected", [
        ("/admin/", True),
        ("/admin/auth/user/", True),
        ("/admin/survey_report/surveyreport/", True),
        ("/dashboard", False),
        ("/", False),
        ("/administrator/", False),
        ("/survey-report-banner/send/", False),
        ("/admin/auth/user/add/?_popup=1", False),  # the admin's "add another" pop-up window
        ("/admin/auth/user/?_to_field=id&_popup=1", False),  # a raw-id lookup pop-up
    ])
    def test_paths(self, superuser, path, expected):
        assert banner.should_show_banner(admin_request(superuser, path)) is expected

    def test_admin_root_comes_from_reverse(self, superuser, settings):
        settings.ROOT_URLCONF = "host.urls_admin_elsewhere"
        from django.urls import clear_url_caches
        clear_url_caches()
        try:
            assert banner.should_show_banner(admin_request(superuser, "/admin/")) is False
            assert banner.should_show_banner(admin_request(superuser, "/backoffice/")) is True
        finally:
            clear_url_caches()

    def test_switch_off_for_everyone(self, superuser, switch_on):
        assert banner.should_show_banner(admin_request(superuser)) is False

    @override_settings(SURVEY_REPORT_ENABLE=False)
    def test_reports_disabled_on_site(self, superuser):
        assert banner.should_show_banner(admin_request(superuser)) is False

    @pytest.mark.parametrize("setting, value", [
        ("SURVEY_REPORT_BANNER_TASK", "openedx.features.survey_report.tasks.no_such_task"),
        ("SURVEY_REPORT_BANNER_TASK", "no_such_module.generate_survey_report"),
        ("SURVEY_REPORT_BANNER_REPORT_MODEL", "survey_report.NoSuchModel"),
        ("SURVEY_REPORT_BANNER_REPORT_MODEL", "not-a-label"),
    ])
    def test_misconfigured_plugin_stays_off(self, superuser, settings, setting, value, django_assert_num_queries):
        """The system checks warn about it; meanwhile nobody is asked to send what cannot be sent."""
        setattr(settings, setting, value)
        with django_assert_num_queries(0):
            assert banner.should_show_banner(admin_request(superuser)) is False


@pytest.mark.django_db
class TestWhen:
    """The database part: reports, requests and dismissals within their windows."""

    def decide(self, user, at=NOW):
        with time_machine.travel(at, tick=False):
            return banner.compute_decision(user.pk)

    def test_no_report_no_dismissal(self, superuser):
        decision = self.decide(superuser)
        assert (decision.show, decision.reason) == (True, "due")

    def test_report_sent_just_inside_threshold(self, superuser):
        make_report(datetime(2026, 2, 28, 12, 0, tzinfo=dt_timezone.utc))
        decision = self.decide(superuser)
        # 31 August minus 6 months is 28 February (clamped), so the report counts until then.
        assert (decision.show, decision.reason) == (False, "sent")

    def test_report_sent_just_outside_threshold(self, superuser):
        make_report(datetime(2026, 2, 28, 11, 59, 59, tzinfo=dt_timezone.utc))
        assert self.decide(superuser).show is True

    def test_threshold_edge_with_time_travel(self, superuser):
        sent = datetime(2026, 1, 10, 9, 0, tzinfo=dt_timezone.utc)
        make_report(sent)
        assert self.decide(superuser, at=datetime(2026, 7, 10, 8, 59, 59, tzinfo=dt_timezone.utc)).show is False
        assert self.decide(superuser, at=datetime(2026, 7, 10, 9, 0, 0, tzinfo=dt_timezone.utc)).show is False
        assert self.decide(superuser, at=datetime(2026, 7, 10, 9, 0, 1, tzinfo=dt_timezone.utc)).show is True

    @override_settings(SURVEY_REPORT_CHECK_THRESHOLD=1)
    def test_threshold_setting_is_reused(self, superuser):
        make_report(NOW - timedelta(days=40))
        assert self.decide(superuser).show is True

    def test_error_report_does_not_count(self, superuser):
        make_report(NOW - timedelta(days=1), state=SURVEY_REPORT_ERROR)
        decision = self.decide(superuser)
        assert decision.show is True
        assert decision.last_error_at == NOW - timedelta(days=1)

    @pytest.mark.parametrize("status_code, sent", [(200, True), (201, True), (299, True), (500, False), (302, False)])
    def test_report_delivered_later_by_the_admin_action_counts(self, superuser, status_code, sent):
        """Upstream's "Send report to external API" records an upload and leaves the state at error."""
        report = make_report(NOW - timedelta(days=3), state=SURVEY_REPORT_ERROR)
        SurveyReportUpload.objects.create(report=report, status_code=status_code)
        decision = self.decide(superuser)
        assert (decision.show, decision.reason) == ((False, "sent") if sent else (True, "due"))

    def test_a_later_failed_resend_does_not_undo_a_delivery(self, superuser):
        report = make_report(NOW - timedelta(days=3), state=SURVEY_REPORT_ERROR)
        SurveyReportUpload.objects.create(report=report, status_code=200)
        SurveyReportUpload.objects.create(report=report, status_code=503)
        assert self.decide(superuser).reason == "sent"

    def test_last_error_is_the_newest_attempt_even_one_left_on_its_way(self, superuser):
        make_report(NOW - timedelta(days=3), state=SURVEY_REPORT_ERROR)
        make_report(NOW - timedelta(days=2), state=SURVEY_REPORT_PROCESSING)  # stuck, past the pending window
        assert self.decide(superuser).last_error_at == NOW - timedelta(days=2)

    @pytest.mark.parametrize("state", [SURVEY_REPORT_PROCESSING, SURVEY_REPORT_GENERATED])
    def test_a_report_on_its_way_hides_within_the_pending_window(self, superuser, state):
        """Counting (processing) or posting (generated, no upload yet): on its way, not sent."""
        make_report(NOW - timedelta(minutes=59), state=state, uploads=[])
        decision = self.decide(superuser)
        assert (decision.show, decision.reason, decision.cacheable) == (False, "on its way", False)

    @pytest.mark.parametrize("state", [SURVEY_REPORT_PROCESSING, SURVEY_REPORT_GENERATED])
    def test_a_report_left_on_its_way_counts_as_failed_after_the_window(self, superuser, state):
        """
        A worker killed mid-POST (or a Job's deadline) leaves ``generated`` and no upload: nothing
        reached the project, so the banner is back after the window, with the failure notice.
        """
        make_report(NOW - timedelta(minutes=61), state=state, uploads=[])
        decision = self.decide(superuser)
        assert (decision.show, decision.reason) == (True, "due")
        assert decision.last_error_at == NOW - timedelta(minutes=61)

    def test_generated_with_a_failed_upload_is_not_sent(self, superuser):
        make_report(NOW - timedelta(days=1), uploads=[500])
        assert (self.decide(superuser).show, self.decide(superuser).reason) == (True, "due")

    @override_settings(SURVEY_REPORT_BANNER_REPORT_MODEL="survey_report.SurveyReportWithoutUploads")
    def test_report_models_without_uploads_keep_generated_as_sent(self, superuser):
        from openedx.features.survey_report.models import SurveyReportWithoutUploads
        with time_machine.travel(NOW - timedelta(days=1), tick=False):
            SurveyReportWithoutUploads.objects.create(state=SURVEY_REPORT_GENERATED)
        assert self.decide(superuser).reason == "sent"

    @override_settings(SURVEY_REPORT_BANNER_PENDING_MINUTES=20)
    def test_pending_window_setting(self, superuser):
        make_report(NOW - timedelta(minutes=19), state=SURVEY_REPORT_PROCESSING)
        assert self.decide(superuser).show is False
        SurveyReport.objects.all().delete()
        make_report(NOW - timedelta(minutes=21), state=SURVEY_REPORT_PROCESSING)
        assert self.decide(superuser).show is True

    @pytest.mark.parametrize("minutes", [0, -5, "abc", None, float("nan")])
    def test_a_pending_window_of_zero_or_nonsense_keeps_the_default(self, superuser, settings, minutes):
        settings.SURVEY_REPORT_BANNER_PENDING_MINUTES = minutes
        make_report(NOW - timedelta(minutes=59), state=SURVEY_REPORT_PROCESSING)
        assert self.decide(superuser).reason == "on its way"

    def test_claim_holds_until_the_worker_creates_its_report(self, superuser):
        SurveyReportRequest.objects.create(
            pk=1, requested_at=NOW - timedelta(minutes=2), busy_until=NOW + timedelta(minutes=58), after_report_id=0,
        )
        assert self.decide(superuser).reason == "requested"
        # The worker picks it up and the report fails: the banner is back at once.
        make_report(NOW - timedelta(minutes=1), state=SURVEY_REPORT_ERROR)
        assert self.decide(superuser).show is True

    def test_expired_claim_stops_hiding(self, superuser):
        SurveyReportRequest.objects.create(
            pk=1, requested_at=NOW - timedelta(minutes=61), busy_until=NOW - timedelta(minutes=1), after_report_id=0,
        )
        assert self.decide(superuser).show is True

    def test_dismissal_is_per_user(self, superuser, other_superuser):
        SurveyReportBannerDismissal.objects.create(user=superuser, dismissed_at=NOW - timedelta(days=10))
        assert self.decide(superuser).reason == "dismissed"
        assert self.decide(other_superuser).show is True

    def test_dismissal_expires_after_threshold(self, superuser):
        SurveyReportBannerDismissal.objects.create(
            user=superuser, dismissed_at=datetime(2026, 2, 1, tzinfo=dt_timezone.utc)
        )
        assert self.decide(superuser, at=datetime(2026, 7, 31, 23, 59, tzinfo=dt_timezone.utc)).show is False
        assert self.decide(superuser, at=datetime(2026, 8, 1, 0, 0, 1, tzinfo=dt_timezone.utc)).show is True

    def test_one_query(self, superuser, django_assert_num_queries):
        make_report(NOW - timedelta(days=300))
        with django_assert_num_queries(1):
            self.decide(superuser)


@pytest.mark.django_db
class TestCachedDecision:
    """should_show_banner caches the decision and drops it when anything changes."""

    def test_dismiss_invalidates(self, superuser):
        request = admin_request(superuser)
        assert banner.should_show_banner(request) is True
        SurveyReportBannerDismissal.objects.create(user=superuser)
        assert banner.should_show_banner(request) is False

    def test_report_rows_written_without_signals_are_seen_after_the_task(self, superuser):
        request = admin_request(superuser)
        assert banner.should_show_banner(request) is True  # cached: due
        # Rows written without model signals (upstream moves states with update())...
        with time_machine.travel(NOW - timedelta(days=1), tick=False):
            [report] = SurveyReport.objects.bulk_create([SurveyReport(state=SURVEY_REPORT_GENERATED)])
        SurveyReportUpload.objects.bulk_create([SurveyReportUpload(report_id=report.pk, status_code=200)])
        assert banner.should_show_banner(request) is True  # ...leave the cached answer...
        # ...but the task finishing is a signal the plugin listens to, in the worker's process.
        from celery.signals import task_postrun
        from openedx.features.survey_report.tasks import generate_survey_report
        task_postrun.send(sender=generate_survey_report, task_id="x", task=generate_survey_report)
        assert banner.should_show_banner(request) is False

    def test_cached_decision_expires_within_the_cache_timeout_after_the_threshold(self, superuser):
        make_report(datetime(2026, 1, 10, 9, 0, tzinfo=dt_timezone.utc))
        request = admin_request(superuser)
        with time_machine.travel(datetime(2026, 7, 10, 9, 0, 0, tzinfo=dt_timezone.utc), tick=False):
            assert banner.should_show_banner(request) is False  # the last instant inside: cached
        with time_machine.travel(datetime(2026, 7, 10, 9, 0, 1, tzinfo=dt_timezone.utc), tick=False):
            assert banner.should_show_banner(request) is False  # still the cached answer
        expired = datetime(2026, 7, 10, 9, 0, 1, tzinfo=dt_timezone.utc) + timedelta(seconds=conf.cache_timeout())
        with time_machine.travel(expired, tick=False):
            assert banner.should_show_banner(request) is True

    def test_invalidate_without_generation_key(self, superuser):
        caching.invalidate()
        caching.invalidate()
        assert banner.should_show_banner(admin_request(superuser)) is True
