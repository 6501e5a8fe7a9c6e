"""
Tests of survey_report_banner.faults: the banner steps aside when the database or the cache fails.

Two faults real sites meet: the package installed and the LMS restarted before ``migrate`` (the
banner's tables do not exist yet), and the shared cache server unreachable. In both, every admin
page still renders (without the banner), the buttons answer with a message, and the log gets one
warning per minute, not a traceback per page.
"""

import logging
from contextlib import contextmanager
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.test import override_settings

from survey_report_banner import faults
from survey_report_banner.models import SurveyReportBannerDismissal, SurveyReportRequest

from conftest import client_for

BANNER = 'id="survey-report-banner"'
SEND = "/survey-report-banner/send/"
DISMISS = "/survey-report-banner/dismiss/"
NOT_READY = "The survey report banner is not ready on this site"
# A Redis cache on a port nothing listens on: every call fails at once with "connection refused".
UNREACHABLE_CACHE = {"default": {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:1/0",
}}


@contextmanager
def tables_not_migrated():
    """
    Point the banner's models at tables that do not exist, as before ``migrate`` has run.

    The database answers with its real error ("no such table" / "doesn't exist"), on every backend
    and without DDL (which MariaDB would commit). Fields memoise their column's table name
    (``cached_col``), so that memo is dropped on the way in and out.
    """
    def forget_columns():
        for model in (SurveyReportBannerDismissal, SurveyReportRequest):
            for field in model._meta.concrete_fields:
                field.__dict__.pop("cached_col", None)

    forget_columns()
    try:
        with mock.patch.object(SurveyReportBannerDismissal._meta, "db_table", "srb_not_migrated_dismissal"), \
                mock.patch.object(SurveyReportRequest._meta, "db_table", "srb_not_migrated_request"):
            yield
    finally:
        forget_columns()


@pytest.fixture(autouse=True)
def _fresh_warning_clock():
    """Each test sees the first warning of its minute."""
    faults._last_warning.clear()  # pylint: disable=protected-access
    yield
    faults._last_warning.clear()  # pylint: disable=protected-access


def warnings_of(caplog):
    return [r for r in caplog.records if r.name == faults.__name__ and r.levelno == logging.WARNING]


@pytest.mark.django_db
class TestNotMigrated:
    """Installed and restarted before ``migrate``: admin works, the banner waits."""

    def test_admin_pages_render_without_banner(self, caplog):
        client = client_for("staff_superuser")
        with tables_not_migrated(), caplog.at_level(logging.WARNING):
            for path in ("/admin/", "/admin/auth/user/", "/admin/"):
                response = client.get(path)
                assert response.status_code == 200
                assert BANNER not in response.content.decode()
        (warning,) = warnings_of(caplog)  # one line for the three pages, no traceback
        assert warning.exc_info is None
        assert "srb_not_migrated" in warning.getMessage()

    def test_banner_back_once_migrated(self):
        client = client_for("staff_superuser")
        with tables_not_migrated():
            assert BANNER not in client.get("/admin/").content.decode()
        assert BANNER in client.get("/admin/").content.decode()

    @pytest.mark.parametrize("url", [SEND, DISMISS])
    def test_buttons_answer_with_a_message(self, url, broker):
        client = client_for("staff_superuser")
        with tables_not_migrated():
            response = client.post(url, {"next": "/admin/auth/user/"})
            assert response.status_code == 302
            assert response["Location"] == "/admin/auth/user/"
            assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
            page = client.get("/admin/auth/user/").content.decode()
        assert NOT_READY in page
        assert broker() == []  # nothing was enqueued

    @pytest.mark.parametrize("url", [SEND, DISMISS])
    def test_buttons_answer_json(self, url):
        client = client_for("staff_superuser")
        with tables_not_migrated():
            response = client.post(url, HTTP_ACCEPT="application/json")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        assert response.json()["message"].startswith(NOT_READY)

    def test_guarded_generate_report_button_answers_with_a_message(self, broker):
        """Upstream's report list button, guarded by our middleware, in the same state."""
        client = client_for("staff_superuser")
        with tables_not_migrated():
            response = client.post("/survey_report/generate_report")
            assert response.status_code == 302
            assert [str(m) for m in get_messages(response.wsgi_request)] == [str(faults.NOT_READY)]
        assert broker() == []

    def test_other_roles_still_get_403(self):
        with tables_not_migrated():
            assert client_for("staff").post(SEND).status_code == 403


@pytest.mark.django_db
class TestCacheDown:
    """The shared cache (Redis or memcached) unreachable."""

    def test_admin_page_renders_without_banner(self, caplog):
        client = client_for("staff_superuser")
        with override_settings(CACHES=UNREACHABLE_CACHE), caplog.at_level(logging.WARNING):
            for _ in range(3):
                response = client.get("/admin/")
                assert response.status_code == 200
                assert BANNER not in response.content.decode()
        assert len(warnings_of(caplog)) == 1

    def test_send_answers_with_a_message(self, broker):
        client = client_for("staff_superuser")
        with override_settings(CACHES=UNREACHABLE_CACHE):
            response = client.post(SEND, {"next": "/admin/"}, follow=True)
        assert response.status_code == 200
        assert NOT_READY in response.content.decode()
        assert broker() == []

    def test_dismiss_with_cache_down_never_500s(self):
        client = client_for("staff_superuser")
        with override_settings(CACHES=UNREACHABLE_CACHE):
            response = client.post(DISMISS, {"next": "/admin/"})
        assert response.status_code == 302


class TestWarn:
    """One warning per process, per fault, per minute."""

    def test_rate(self, caplog):
        error = OSError("connection refused")
        with caplog.at_level(logging.WARNING), mock.patch.object(faults.time, "monotonic") as clock:
            for now in (1000.0, 1001.0, 1059.9):
                clock.return_value = now
                faults.warn("reading", error)
            clock.return_value = 1060.0
            faults.warn("reading", error)
            faults.warn("writing", error)
        assert [r.getMessage().split(" failed")[0] for r in warnings_of(caplog)] == [
            "Survey report banner: reading", "Survey report banner: reading", "Survey report banner: writing",
        ]

    def test_only_database_and_cache_errors_are_faults(self):
        from django.db import OperationalError  # pylint: disable=import-outside-toplevel
        from redis.exceptions import ConnectionError as RedisConnectionError  # pylint: disable=import-outside-toplevel

        assert issubclass(OperationalError, faults.BANNER_FAULTS)
        assert issubclass(RedisConnectionError, faults.BANNER_FAULTS)
        assert not issubclass(TypeError, faults.BANNER_FAULTS)  # a bug stays a bug
