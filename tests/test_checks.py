"""
System checks: each one passes on the LMS-shaped host and fires, with its id, on a broken configuration.
"""

import copy
from io import StringIO

import pytest
from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from survey_report_banner import checks as banner_checks
from survey_report_banner.settings.common import CONTEXT_PROCESSOR, TEMPLATE_LOADER

OUR_PREFIX = "survey_report_banner."


def our_issues(**kwargs):
    """Run every registered system check; keep ours."""
    return [issue for issue in checks.run_checks(**kwargs) if issue.id.startswith(OUR_PREFIX)]


def ids(issues):
    """The ids of ``issues``, sorted."""
    return sorted(issue.id for issue in issues)


def templates_with(processors=None, loaders=None, drop_processor=False, drop_loader=False):
    """A copy of the host's TEMPLATES with the Django engine's options changed."""
    templates = copy.deepcopy(settings.TEMPLATES)
    options = templates[0]["OPTIONS"]
    if processors is not None:
        options["context_processors"] = processors
    if loaders is not None:
        options["loaders"] = loaders
    if drop_processor:
        options["context_processors"] = [p for p in options["context_processors"] if p != CONTEXT_PROCESSOR]
    if drop_loader:
        options["loaders"] = [
            loader for loader in options["loaders"]
            if (loader if isinstance(loader, str) else loader[0]) != TEMPLATE_LOADER
        ]
    return templates


class TestGoodHost:
    """The host is wired as the LMS is once the plugin is installed: nothing to report."""

    def test_no_issue(self):
        assert our_issues() == []

    def test_only_our_tag(self):
        assert our_issues(tags=[banner_checks.TAG]) == []

    def test_check_command(self):
        out, err = StringIO(), StringIO()
        call_command("check", "--fail-level", "WARNING", stdout=out, stderr=err)
        assert "System check identified no issues" in out.getvalue()
        assert OUR_PREFIX not in err.getvalue()

    def test_registered_under_their_tags(self):
        registered = checks.registry.registry.get_checks()
        for check in (
            banner_checks.check_report_task,
            banner_checks.check_report_model,
            banner_checks.check_context_processor,
            banner_checks.check_admin_override,
            banner_checks.check_anonymous_report,
        ):
            assert check in registered
            assert banner_checks.TAG in check.tags


class TestE001ReportTask:
    """survey_report_banner.E001: the task *Send report* enqueues cannot be imported."""

    @pytest.mark.parametrize("path", [
        "openedx.features.survey_report.tasks.no_such_task",  # module exists, attribute does not
        "lms.no_such_module.generate_survey_report",  # module missing (not an LMS)
        "generate_survey_report",  # not a dotted path
    ])
    def test_fires(self, path):
        with override_settings(SURVEY_REPORT_BANNER_TASK=path):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.E001"]
        (issue,) = issues
        assert isinstance(issue, checks.Error)
        assert repr(path) in issue.msg
        assert "SURVEY_REPORT_BANNER_TASK" in issue.hint

    def test_check_command_stops_with_the_id(self):
        with override_settings(SURVEY_REPORT_BANNER_TASK="openedx.features.survey_report.tasks.no_such_task"):
            with pytest.raises(SystemCheckError) as raised:
                call_command("check")
        message = str(raised.value)
        assert "survey_report_banner.E001" in message
        assert "cannot be imported" in message
        assert "HINT: Set SURVEY_REPORT_BANNER_TASK" in message


class TestE002ReportModel:
    """survey_report_banner.E002: the survey report model is not installed (or is not one)."""

    @pytest.mark.parametrize("label", ["survey_report.NoSuchModel", "no_such_app.SurveyReport", "SurveyReport"])
    def test_missing_model(self, label):
        with override_settings(SURVEY_REPORT_BANNER_REPORT_MODEL=label):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.E002"]
        assert f"{label!r} is not installed" in issues[0].msg
        assert "SURVEY_REPORT_BANNER_REPORT_MODEL" in issues[0].hint

    def test_model_without_created_at(self):
        with override_settings(SURVEY_REPORT_BANNER_REPORT_MODEL="auth.Group"):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.E002"]
        assert "has no created_at field" in issues[0].msg

    def test_runs_with_the_models_tag(self):
        with override_settings(SURVEY_REPORT_BANNER_REPORT_MODEL="survey_report.NoSuchModel"):
            assert ids(our_issues(tags=[checks.Tags.models])) == ["survey_report_banner.E002"]


class TestE003ContextProcessor:
    """survey_report_banner.E003: the context processor is not in the Django template engine."""

    def test_processor_missing(self):
        with override_settings(TEMPLATES=templates_with(drop_processor=True)):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.E003"]
        assert CONTEXT_PROCESSOR in issues[0].msg
        assert "plugin_settings" in issues[0].hint

    def test_no_django_engine(self):
        mako_only = [{"BACKEND": "host.mako_backend.Mako", "NAME": "mako", "DIRS": [], "OPTIONS": {}}]
        with override_settings(TEMPLATES=mako_only):
            assert ids(our_issues()) == ["survey_report_banner.E003", "survey_report_banner.E004"]


class TestE004AdminOverride:
    """survey_report_banner.E004: admin/base_site.html does not come from our loader, or its alias is lost."""

    def test_loader_missing(self):
        with override_settings(TEMPLATES=templates_with(drop_loader=True)):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.E004"]
        # edxmako-like loaders compile with from_string: the origin is lost, the message says so.
        assert "admin/base_site.html is served by another loader, not by " + TEMPLATE_LOADER in issues[0].msg
        assert TEMPLATE_LOADER in issues[0].hint
        assert "first loader" in issues[0].hint

    def test_loader_missing_names_the_winning_template(self):
        """With Django's own loaders the message names the file that wins instead."""
        loaders = ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"]
        with override_settings(TEMPLATES=templates_with(loaders=loaders)):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.E004"]
        assert "host/templates/admin/base_site.html, not by " + TEMPLATE_LOADER in issues[0].msg

    def test_loader_not_first(self):
        """Behind the platform's loaders our loader is never asked for admin/base_site.html."""
        loaders = templates_with(drop_loader=True)[0]["OPTIONS"]["loaders"] + [TEMPLATE_LOADER]
        with override_settings(TEMPLATES=templates_with(loaders=loaders)):
            assert ids(our_issues()) == ["survey_report_banner.E004"]

    def test_alias_unresolvable(self):
        """Our loader alone: the wrapper exists but no loader can serve the platform's page behind it."""
        with override_settings(TEMPLATES=templates_with(loaders=[TEMPLATE_LOADER])):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.E004"]
        assert "cannot be found" in issues[0].msg

    def test_django_default_loaders_with_ours_first(self):
        """Outside the LMS, Django's own loaders behind ours are fine too."""
        loaders = [
            TEMPLATE_LOADER,
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ]
        with override_settings(TEMPLATES=templates_with(loaders=loaders)):
            assert our_issues() == []

    def test_cached_loader_wrapping_ours(self):
        """Django's cached loader (DEBUG=False default) around ours is still ours."""
        loaders = [("django.template.loaders.cached.Loader", [
            TEMPLATE_LOADER, "django.template.loaders.app_directories.Loader",
        ])]
        with override_settings(TEMPLATES=templates_with(loaders=loaders)):
            assert our_issues() == []


class TestW001AnonymousReport:
    """survey_report_banner.W001: the report would carry LMS_BASE while the banner promises anonymized data."""

    def test_fires_when_false(self):
        with override_settings(ANONYMOUS_SURVEY_REPORT=False):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.W001"]
        (issue,) = issues
        assert isinstance(issue, checks.Warning)
        assert "LMS_BASE" in issue.msg
        assert "survey_report_banner.disable_banner" in issue.hint

    @pytest.mark.parametrize("value", [True, None])
    def test_silent_otherwise(self, value):
        with override_settings(ANONYMOUS_SURVEY_REPORT=value):
            assert our_issues() == []

    def test_silent_when_unset(self):
        """edx-platform's default is True; a settings module without it is anonymous too."""
        with override_settings():
            del settings.ANONYMOUS_SURVEY_REPORT
            assert our_issues() == []

    def test_check_command_warns_without_failing(self):
        out, err = StringIO(), StringIO()
        with override_settings(ANONYMOUS_SURVEY_REPORT=False):
            call_command("check", stdout=out, stderr=err)
        assert "survey_report_banner.W001" in err.getvalue()
        assert "System check identified 1 issue" in err.getvalue()

    def test_fails_a_strict_deploy_check(self):
        with override_settings(ANONYMOUS_SURVEY_REPORT=False):
            with pytest.raises(SystemCheckError, match="survey_report_banner.W001"):
                call_command("check", "--fail-level", "WARNING")


def test_every_broken_setting_at_once():
    """Several problems are reported together, so the operator fixes them in one go."""
    with override_settings(
        SURVEY_REPORT_BANNER_TASK="nowhere.generate_survey_report",
        SURVEY_REPORT_BANNER_REPORT_MODEL="survey_report.NoSuchModel",
        TEMPLATES=templates_with(drop_processor=True, drop_loader=True),
        ANONYMOUS_SURVEY_REPORT=False,
    ):
        assert ids(our_issues()) == [
            "survey_report_banner.E001",
            "survey_report_banner.E002",
            "survey_report_banner.E003",
            "survey_report_banner.E004",
            "survey_report_banner.W001",
        ]
