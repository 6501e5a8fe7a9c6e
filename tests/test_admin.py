"""
Tests of survey_report_banner.admin: read-only dismissals and attempts, and the guarded re-send action.
"""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from openedx.features.survey_report.models import SurveyReportUpload

from survey_report_banner.models import SurveyReportAttempt, SurveyReportBannerDismissal, SurveyReportRequest

from conftest import make_report


@pytest.mark.django_db
class TestDismissalAdmin:
    """The read-only change list of dismissals."""

    URL = "/admin/survey_report_banner/surveyreportbannerdismissal/"

    def test_list_shows_user_and_date(self, admin_client, superuser):
        SurveyReportBannerDismissal.objects.create(user=superuser)
        html = admin_client.get(self.URL).content.decode()
        assert "admin" in html and "Dismissed at" in html
        assert "1 survey report banner dismissal" in html

    def test_read_only(self, admin_client, superuser):
        dismissal = SurveyReportBannerDismissal.objects.create(user=superuser)
        assert admin_client.get(self.URL + "add/").status_code == 403
        detail = admin_client.get(f"{self.URL}{dismissal.pk}/change/")
        assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
        assert admin_client.post(f"{self.URL}{dismissal.pk}/delete/", {"post": "yes"}).status_code == 403
        assert SurveyReportBannerDismissal.objects.count() == 1

    def test_str(self, superuser):
        from datetime import datetime, timezone
        dismissal = SurveyReportBannerDismissal(
            user=superuser, dismissed_at=datetime(2026, 5, 1, 8, 30, tzinfo=timezone.utc)
        )
        assert str(dismissal) == "admin dismissed the survey report banner at 2026-05-01 08:30"


REPORTS = "/admin/survey_report/surveyreport/"
RESEND = "Send report to external API"


def resend(client, *reports):
    """Post the report list's re-send action for ``reports``."""
    return client.post(REPORTS, {"action": "send_report", "_selected_action": [r.pk for r in reports]}, follow=True)


def page_messages(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def viewing_staff(db):
    """A staff user (not a superuser) who may view the report list: upstream lets them re-send."""
    from django.contrib.auth.models import Permission

    from conftest import make_user

    user = make_user("viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_surveyreport"))
    client = Client()
    client.force_login(user)
    return client


RESEND_TASK = "survey_report_banner.tasks.resend_survey_report"


def _resend_and_run(client, worker, report):
    """One re-send click, then a worker runs whatever it queued; the click's message."""
    text = page_messages(resend(client, report))[-1]
    worker()
    return text


QUEUED = "Survey report {id} is being sent again. Its state in this list shows when it arrived."


@pytest.mark.django_db
class TestGuardedResend:
    """Upstream's "Send report to external API": active staff superusers only, through the send gate, on a worker."""

    def test_staff_who_may_view_are_not_offered_it_and_get_403(self, viewing_staff, receiver, broker):
        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        page = viewing_staff.get(REPORTS)
        assert page.status_code == 200 and RESEND not in page.content.decode()
        response = viewing_staff.post(REPORTS, {"action": "send_report", "_selected_action": [failed.pk]})
        assert response.status_code == 403
        assert receiver.payloads == [] and not SurveyReportUpload.objects.exists() and broker() == []

    def test_the_request_answers_at_once_and_a_worker_sends(self, admin_client, receiver, broker, settings):
        """Nothing is POSTed inside the admin request: the re-send is a task, with a send's limits."""
        settings.SURVEY_REPORT_BANNER_SEND_TIMEOUT = 120
        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        with time_machine.travel(datetime(2026, 11, 25, 14, 0, tzinfo=dt_timezone.utc), tick=False):
            response = resend(admin_client, failed)
        assert page_messages(response) == [QUEUED.format(id=failed.pk)]
        assert receiver.payloads == []
        from host.celery import APP

        with APP.connection_for_read() as conn:
            queue = conn.SimpleQueue(APP.conf.task_default_queue, no_ack=True)
            try:
                message = queue.get(block=False)
            finally:
                queue.close()
        assert message.headers["task"] == "survey_report_banner.tasks.resend_survey_report"
        assert message.headers["expires"] == "2026-11-25T15:00:00+00:00"
        assert message.headers["timelimit"] == [150.0, 120.0]
        attempt = SurveyReportAttempt.objects.get()
        assert (attempt.trigger, attempt.task_id) == ("resend", message.headers["id"])
        # The claim holds for the longest the task can last: its queue wait, its hard limit, the slack.
        assert SurveyReportRequest.objects.get().busy_until == datetime(
            2026, 11, 25, 15, 3, 30, tzinfo=dt_timezone.utc)

    def test_a_superuser_resends_a_failed_report(self, admin_client, receiver, worker):
        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        assert RESEND in admin_client.get(REPORTS).content.decode()
        response = resend(admin_client, failed)
        assert worker() == [RESEND_TASK]
        assert response.status_code == 200
        assert page_messages(response) == [QUEUED.format(id=failed.pk)]
        assert len(receiver.wait_for(1, timeout=5)) == 1
        assert receiver.payloads[0]["created_at"] == failed.created_at.strftime("%m-%d-%Y %H:%M:%S")
        assert SurveyReportUpload.objects.get().status_code == 200
        assert SurveyReportAttempt.objects.get().trigger == "resend"
        assert SurveyReportRequest.objects.get().busy_until is None  # released
        assert 'id="survey-report-banner"' not in admin_client.get("/admin/").content.decode()

    def test_one_report_per_window(self, admin_client, receiver, worker):
        make_report(timezone.now() - timedelta(days=20))  # delivered
        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        response = resend(admin_client, failed)
        assert worker() == []
        assert page_messages(response) == ["A survey report was already sent recently: nothing was sent now."]
        assert receiver.payloads == []

    def test_one_at_a_time_the_newest_selected(self, admin_client, receiver, worker):
        older = make_report(timezone.now() - timedelta(days=3), state="error")
        newer = make_report(timezone.now() - timedelta(days=2), state="error")
        response = resend(admin_client, older, newer)
        assert worker() == [RESEND_TASK]
        assert page_messages(response) == [
            QUEUED.format(id=newer.pk) + " Only one report is sent at a time: the newest of those selected."
        ]
        assert len(receiver.wait_for(1, timeout=5)) == 1
        assert list(SurveyReportUpload.objects.values_list("report_id", flat=True)) == [newer.pk]

    def test_a_refused_post_records_its_cause_and_frees_the_claim(self, admin_client, refusing_receiver, worker):
        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        response = resend(admin_client, failed)
        assert worker() == [RESEND_TASK]
        assert response.status_code == 200
        assert not SurveyReportUpload.objects.exists()
        assert SurveyReportAttempt.objects.get().cause == "http:500"
        # The claim was released: the banner is back, and trying again is possible.
        assert 'id="survey-report-banner"' in admin_client.get("/admin/").content.decode()

    def test_bounded_while_the_endpoint_fails(self, admin_client, refusing_receiver, worker):
        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        answers = [_resend_and_run(admin_client, worker, failed) for _ in range(5)]
        assert len(refusing_receiver.payloads) == 3
        assert answers[3].startswith("Sending the survey report failed several times within the last hour")
        assert answers[3] == answers[4]

    def test_a_redirect_is_not_a_delivery(self, admin_client, receiver, worker):
        """Upstream's requests would follow a 302 as a GET and record the landing page's 200."""
        receiver.status, receiver.location = 302, receiver.url
        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        resend(admin_client, failed)
        assert worker() == [RESEND_TASK]
        assert len(receiver.payloads) == 1
        assert not SurveyReportUpload.objects.exists()
        assert SurveyReportAttempt.objects.get().cause == "redirect:302"
        assert 'id="survey-report-banner"' in admin_client.get("/admin/").content.decode()

    def test_a_long_answer_is_recorded_as_delivered(self, admin_client, receiver, worker):
        """A 2xx body over the 255-character column: upstream raises DataError on strict MySQL."""
        receiver.answer = ("{\"received\": true, \"note\": \"" + "x" * 400 + "\"}").encode()
        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        resend(admin_client, failed)
        assert worker() == [RESEND_TASK]
        upload = SurveyReportUpload.objects.get()
        assert upload.status_code == 200 and upload.request_details == receiver.answer.decode()[:255]
        assert SurveyReportAttempt.objects.get().cause == ""
        assert 'id="survey-report-banner"' not in admin_client.get("/admin/").content.decode()

    def test_the_broker_down_is_a_message_and_records_nothing(self, admin_client, monkeypatch):
        from host.celery import APP

        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        # Producers use the write URL (the broker URL unless set apart); port 1 refuses connections.
        monkeypatch.setattr(APP.conf, "broker_write_url", "redis://127.0.0.1:1/0")
        response = resend(admin_client, failed)
        assert response.status_code == 200
        assert "the task queue is unreachable" in page_messages(response)[0]
        assert not SurveyReportAttempt.objects.exists()


@pytest.mark.django_db
class TestAttemptAdmin:
    """The read-only list of attempts."""

    URL = "/admin/survey_report_banner/surveyreportattempt/"

    def test_list_and_read_only(self, admin_client, superuser):
        attempt = SurveyReportAttempt.objects.create(trigger="scheduler")
        html = admin_client.get(self.URL).content.decode()
        assert "Scheduled run" in html and "1 survey report attempt" in html
        assert admin_client.get(self.URL + "add/").status_code == 403
        assert admin_client.post(f"{self.URL}{attempt.pk}/delete/", {"post": "yes"}).status_code == 403
