"""
Tests of survey_report_banner.admin: operators see who dismissed, and nobody edits it.
"""

import pytest

from survey_report_banner.models import SurveyReportBannerDismissal


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
