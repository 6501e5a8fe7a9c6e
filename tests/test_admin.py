"""
Tests of survey_report_banner.admin: read-only dismissals and attempts, and the guarded re-send action.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openedx.features.survey_report.models import SurveyReportUpload

from survey_report_banner.models import SurveyReportAttempt, SurveyReportBannerDismissal

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


@pytest.mark.django_db
class TestGuardedResend:
    """Upstream's "Send report to external API": active staff superusers only, through the send gate."""

    def test_staff_who_may_view_are_not_offered_it_and_get_403(self, viewing_staff, receiver):
        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        page = viewing_staff.get(REPORTS)
        assert page.status_code == 200 and RESEND not in page.content.decode()
        response = viewing_staff.post(REPORTS, {"action": "send_report", "_selected_action": [failed.pk]})
        assert response.status_code == 403
        assert receiver.payloads == [] and not SurveyReportUpload.objects.exists()

    def test_a_superuser_resends_a_failed_report(self, admin_client, receiver):
        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        assert RESEND in admin_client.get(REPORTS).content.decode()
        response = resend(admin_client, failed)
        assert response.status_code == 200
        assert page_messages(response) == [f"Survey report {failed.pk} was sent."]
        assert len(receiver.wait_for(1, timeout=5)) == 1
        assert SurveyReportUpload.objects.get().status_code == 200
        assert SurveyReportAttempt.objects.get().trigger == "resend"
        assert 'id="survey-report-banner"' not in admin_client.get("/admin/").content.decode()

    def test_one_report_per_window(self, admin_client, receiver):
        make_report(timezone.now() - timedelta(days=20))  # delivered
        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        response = resend(admin_client, failed)
        assert page_messages(response) == ["A survey report was already sent recently: nothing was sent now."]
        assert receiver.payloads == []

    def test_one_at_a_time_the_newest_selected(self, admin_client, receiver):
        older = make_report(timezone.now() - timedelta(days=3), state="error")
        newer = make_report(timezone.now() - timedelta(days=2), state="error")
        response = resend(admin_client, older, newer)
        assert page_messages(response) == [
            f"Survey report {newer.pk} was sent. Only one report is sent at a time: the newest of those selected."
        ]
        assert len(receiver.wait_for(1, timeout=5)) == 1
        assert list(SurveyReportUpload.objects.values_list("report_id", flat=True)) == [newer.pk]

    def test_a_refused_post_is_a_message_not_a_server_error(self, admin_client, refusing_receiver):
        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        response = resend(admin_client, failed)
        assert response.status_code == 200
        assert page_messages(response) == [
            f"Survey report {failed.pk} could not be sent: the endpoint answered HTTP 500."
        ]
        assert not SurveyReportUpload.objects.exists()
        # The claim was released: the banner is back, and trying again is possible.
        assert 'id="survey-report-banner"' in admin_client.get("/admin/").content.decode()

    def test_bounded_while_the_endpoint_fails(self, admin_client, refusing_receiver):
        failed = make_report(timezone.now() - timedelta(days=2), state="error")
        answers = [page_messages(resend(admin_client, failed))[-1] for _ in range(5)]
        assert len(refusing_receiver.payloads) == 3
        assert answers[3].startswith("Sending the survey report failed several times within the last hour")
        assert answers[3] == answers[4]


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
