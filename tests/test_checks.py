"""
System checks: each one passes on the LMS-shaped host and fires, with its id, on a broken configuration.

They are all warnings: a misconfigured plugin must never stop the platform's own commands
(``migrate``, ``waffle_switch``, the scheduler's ``send_survey_report_if_due``), which Django runs
the system checks before. ``TestPlatformCommandsStillRun`` runs them as an operator does.
"""

import copy
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from celery.local import Proxy
from django.conf import settings
from django.core import checks
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from waffle.models import Switch

from survey_report_banner import checks as banner_checks
from survey_report_banner.settings.common import CONTEXT_PROCESSOR, GUARD_MIDDLEWARE, TEMPLATE_LOADER

from conftest import UNUSABLE_IDS, UNUSABLE_SETTINGS

OUR_PREFIX = "survey_report_banner."


def our_issues(**kwargs):
    """Run every registered system check; keep ours."""
    return [issue for issue in checks.run_checks(**kwargs) if issue.id.startswith(OUR_PREFIX)]


def ids(issues):
    """The ids of ``issues``, sorted."""
    return sorted(issue.id for issue in issues)


def middleware_without_guard():
    """A copy of the host's MIDDLEWARE without the endpoint guard that plugin_settings appends."""
    return [path for path in settings.MIDDLEWARE if path != GUARD_MIDDLEWARE]


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
            banner_checks.check_guard_middleware,
        ):
            assert check in registered
            assert banner_checks.TAG in check.tags


class TestW002ReportTask:
    """survey_report_banner.W002 (was E001): the task *Send report* enqueues cannot be imported."""

    @pytest.mark.parametrize("path", [
        "openedx.features.survey_report.tasks.no_such_task",  # module exists, attribute does not
        "lms.no_such_module.generate_survey_report",  # module missing (not an LMS)
        "generate_survey_report",  # not a dotted path
        "json.dumps",  # importable, but not a Celery task
    ])
    def test_fires(self, path):
        with override_settings(SURVEY_REPORT_BANNER_TASK=path):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.W002"]
        (issue,) = issues
        assert isinstance(issue, checks.Warning) and issue.level == checks.WARNING
        assert repr(path) in issue.msg
        assert "SURVEY_REPORT_BANNER_TASK" in issue.hint

    def test_check_command_warns_with_the_id_and_passes(self):
        out, err = StringIO(), StringIO()
        with override_settings(SURVEY_REPORT_BANNER_TASK="openedx.features.survey_report.tasks.no_such_task"):
            call_command("check", stdout=out, stderr=err)
        assert "survey_report_banner.W002" in err.getvalue()
        assert "cannot be imported" in err.getvalue()
        assert "HINT: Set SURVEY_REPORT_BANNER_TASK" in err.getvalue()
        assert "System check identified 1 issue" in err.getvalue()

    def test_a_strict_check_still_fails(self):
        """Operators who gate deployments on ``check --fail-level WARNING`` still stop there."""
        with override_settings(SURVEY_REPORT_BANNER_TASK="openedx.features.survey_report.tasks.no_such_task"):
            with pytest.raises(SystemCheckError, match="survey_report_banner.W002"):
                call_command("check", "--fail-level", "WARNING")


def test_a_shared_task_the_celery_app_cannot_find_is_a_warning(monkeypatch):
    """shared_task's proxy is looked up in the current Celery app when asked: a failure there is W002 too."""
    def lookup():
        raise KeyError("openedx.features.survey_report.tasks.generate_survey_report")

    monkeypatch.setattr("openedx.features.survey_report.tasks.generate_survey_report", Proxy(lookup))
    issues = our_issues()
    assert ids(issues) == ["survey_report_banner.W002"]
    assert "is not in the Celery app: KeyError(" in issues[0].msg


class TestW003ReportModel:
    """survey_report_banner.W003 (was E002): the survey report model is not installed (or is not one)."""

    @pytest.mark.parametrize("label", ["survey_report.NoSuchModel", "no_such_app.SurveyReport"])
    def test_missing_model(self, label):
        with override_settings(SURVEY_REPORT_BANNER_REPORT_MODEL=label):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.W003"]
        assert f"{label!r} is not installed" in issues[0].msg
        assert "SURVEY_REPORT_BANNER_REPORT_MODEL" in issues[0].hint

    def test_model_without_created_at(self):
        with override_settings(SURVEY_REPORT_BANNER_REPORT_MODEL="auth.Group"):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.W003"]
        assert "has no created_at or state field" in issues[0].msg

    @pytest.mark.parametrize("label", ["SurveyReport", "survey_report.Survey.Report", "survey_report."])
    def test_not_a_label(self, label):
        with override_settings(SURVEY_REPORT_BANNER_REPORT_MODEL=label):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.W003"]
        assert f"SURVEY_REPORT_BANNER_REPORT_MODEL = {label!r} is not an app_label.ModelName label" in issues[0].msg

    def test_runs_with_the_models_tag(self):
        with override_settings(SURVEY_REPORT_BANNER_REPORT_MODEL="survey_report.NoSuchModel"):
            assert ids(our_issues(tags=[checks.Tags.models])) == ["survey_report_banner.W003"]


class TestW004ContextProcessor:
    """survey_report_banner.W004 (was E003): the context processor is not in the Django template engine."""

    def test_processor_missing(self):
        with override_settings(TEMPLATES=templates_with(drop_processor=True)):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.W004"]
        assert CONTEXT_PROCESSOR in issues[0].msg
        assert "plugin_settings" in issues[0].hint

    def test_no_django_engine(self):
        mako_only = [{"BACKEND": "host.mako_backend.Mako", "NAME": "mako", "DIRS": [], "OPTIONS": {}}]
        with override_settings(TEMPLATES=mako_only):
            assert ids(our_issues()) == ["survey_report_banner.W004", "survey_report_banner.W005"]


class TestW005AdminOverride:
    """survey_report_banner.W005 (was E004): admin/base_site.html is not our loader's, or its alias is lost."""

    def test_loader_missing(self):
        with override_settings(TEMPLATES=templates_with(drop_loader=True)):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.W005"]
        # edxmako-like loaders compile with from_string: the origin is lost, the message says so.
        assert "admin/base_site.html is served by another loader, not by " + TEMPLATE_LOADER in issues[0].msg
        assert TEMPLATE_LOADER in issues[0].hint
        assert "first loader" in issues[0].hint

    def test_loader_missing_names_the_winning_template(self):
        """With Django's own loaders the message names the file that wins instead."""
        loaders = ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"]
        with override_settings(TEMPLATES=templates_with(loaders=loaders)):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.W005"]
        assert "host/templates/admin/base_site.html, not by " + TEMPLATE_LOADER in issues[0].msg

    def test_loader_not_first(self):
        """Behind the platform's loaders our loader is never asked for admin/base_site.html."""
        loaders = templates_with(drop_loader=True)[0]["OPTIONS"]["loaders"] + [TEMPLATE_LOADER]
        with override_settings(TEMPLATES=templates_with(loaders=loaders)):
            assert ids(our_issues()) == ["survey_report_banner.W005"]

    def test_alias_unresolvable(self):
        """Our loader alone: the wrapper exists but no loader can serve the platform's page behind it."""
        with override_settings(TEMPLATES=templates_with(loaders=[TEMPLATE_LOADER])):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.W005"]
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


class TestW006GuardMiddleware:
    """survey_report_banner.W006: the guard of upstream's generate endpoint is missing or placed too early."""

    def test_missing(self):
        with override_settings(MIDDLEWARE=middleware_without_guard()):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.W006"]
        (issue,) = issues
        assert isinstance(issue, checks.Warning)
        assert f"{GUARD_MIDDLEWARE} is not in MIDDLEWARE" in issue.msg
        assert "any logged-in user can make the site generate and send a survey report" in issue.msg
        assert "SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT = False" in issue.hint

    @pytest.mark.parametrize("before", [
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ])
    def test_placed_before(self, before):
        middleware = middleware_without_guard()
        middleware.insert(middleware.index(before), GUARD_MIDDLEWARE)
        with override_settings(MIDDLEWARE=middleware):
            issues = our_issues()
        assert ids(issues) == ["survey_report_banner.W006"]
        assert f"{GUARD_MIDDLEWARE} comes before {before}" in issues[0].msg

    def test_anywhere_after_them_is_fine(self):
        middleware = middleware_without_guard()
        after_messages = middleware.index("django.contrib.messages.middleware.MessageMiddleware") + 1
        middleware.insert(after_messages, GUARD_MIDDLEWARE)
        with override_settings(MIDDLEWARE=middleware):
            assert our_issues() == []

    def test_silent_when_the_guard_is_off(self):
        with override_settings(
            MIDDLEWARE=middleware_without_guard(),
            SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT=False,
        ):
            assert our_issues() == []


class TestRetiredW001:
    """W001 (ANONYMOUS_SURVEY_REPORT is False) fired on every command of a stock LMS; the banner now says it."""

    @pytest.mark.parametrize("value", [False, True])
    def test_stock_lms_default_is_silent(self, value):
        with override_settings(ANONYMOUS_SURVEY_REPORT=value):
            assert our_issues() == []
            call_command("check", "--fail-level", "WARNING", stdout=StringIO(), stderr=StringIO())


def test_every_broken_setting_at_once():
    """Several problems are reported together, so the operator fixes them in one go."""
    with override_settings(
        SURVEY_REPORT_BANNER_TASK="nowhere.generate_survey_report",
        SURVEY_REPORT_BANNER_REPORT_MODEL="survey_report.NoSuchModel",
        TEMPLATES=templates_with(drop_processor=True, drop_loader=True),
        MIDDLEWARE=middleware_without_guard(),
        ANONYMOUS_SURVEY_REPORT=False,
    ):
        issues = our_issues()
    assert ids(issues) == [
        "survey_report_banner.W002",
        "survey_report_banner.W003",
        "survey_report_banner.W004",
        "survey_report_banner.W005",
        "survey_report_banner.W006",
    ]
    assert all(issue.level == checks.WARNING for issue in issues)


# Each misconfiguration the checks know, as override_settings arguments (TEMPLATES built lazily).
MISCONFIGURATIONS = {
    "task": lambda: {"SURVEY_REPORT_BANNER_TASK": "openedx.features.survey_report.tasks.no_such_task"},
    "model": lambda: {"SURVEY_REPORT_BANNER_REPORT_MODEL": "survey_report.NoSuchReport"},
    "processor": lambda: {"TEMPLATES": templates_with(drop_processor=True)},
    "loader": lambda: {"TEMPLATES": templates_with(drop_loader=True)},
    "guard": lambda: {"MIDDLEWARE": middleware_without_guard()},
}
WARNING_OF = {"task": "W002", "model": "W003", "processor": "W004", "loader": "W005", "guard": "W006"}


@pytest.mark.django_db
class TestPlatformCommandsStillRun:
    """
    Django runs the system checks before every command (``skip_checks=False`` is what
    ``manage.py`` does); a misconfigured plugin warns and the platform's commands run anyway.
    """

    @pytest.mark.parametrize("kind", sorted(MISCONFIGURATIONS))
    @pytest.mark.parametrize("command", [
        ("migrate", "--verbosity", "0"),
        ("waffle_switch", "survey_report_banner.disable_banner", "on", "--create"),
    ])
    def test_platform_command_runs(self, kind, command):
        err = StringIO()
        with override_settings(**MISCONFIGURATIONS[kind]()):
            call_command(*command, skip_checks=False, stdout=StringIO(), stderr=err)
        assert f"survey_report_banner.{WARNING_OF[kind]}" in err.getvalue()

    def test_off_switch_takes_effect(self):
        with override_settings(**MISCONFIGURATIONS["task"]()):
            call_command("waffle_switch", "survey_report_banner.disable_banner", "on", "--create",
                         skip_checks=False, stdout=StringIO(), stderr=StringIO())
        assert Switch.objects.get(name="survey_report_banner.disable_banner").active

    @pytest.mark.parametrize("kind", ["processor", "loader", "guard"])
    def test_scheduler_still_sends_when_only_the_banner_is_broken(self, kind, receiver):
        out = StringIO()
        with override_settings(**MISCONFIGURATIONS[kind]()):
            call_command("send_survey_report_if_due", skip_checks=False, stdout=out, stderr=StringIO())
        assert "generated and sent." in out.getvalue()
        assert len(receiver.wait_for(1, timeout=5)) == 1

    @pytest.mark.parametrize("kind, message", [
        ("task", "The survey report task 'openedx.features.survey_report.tasks.no_such_task' cannot be imported"),
        ("model", "The survey report model 'survey_report.NoSuchReport' is not installed"),
    ])
    def test_scheduler_fails_with_its_own_message(self, kind, message, receiver):
        """Not a SystemCheckError: the command ran, and says why it could not send."""
        with override_settings(**MISCONFIGURATIONS[kind]()):
            with pytest.raises(CommandError) as raised:
                call_command("send_survey_report_if_due", skip_checks=False, stdout=StringIO(), stderr=StringIO())
        assert not isinstance(raised.value, SystemCheckError)
        assert str(raised.value).startswith(message)
        assert receiver.payloads == []


@pytest.mark.django_db
class TestBannerStaysOff:
    """While a check fires, superusers' admin pages still work, without the banner."""

    @pytest.mark.parametrize("kind", [
        "task",
        "model",
        "processor",
        "loader",
    ])
    def test_admin_page_without_banner(self, kind, admin_client):
        with override_settings(**MISCONFIGURATIONS[kind]()):
            response = admin_client.get("/admin/")
        assert response.status_code == 200
        assert 'id="survey-report-banner"' not in response.content.decode()


TESTS_DIR = Path(__file__).resolve().parent


def manage(tmp_path, broken, *args, settings_module="host.settings_misconfigured", env=None):
    """Run ``python -m django <args>`` on ``host.settings_misconfigured`` with a fresh SQLite file (and ``env``)."""
    env = {
        **os.environ,
        **(env or {}),
        "SRB_DB": "sqlite",  # its own throwaway database, whichever the suite runs on
        "DJANGO_SETTINGS_MODULE": settings_module,
        "SRB_MISCONFIGURE": broken,
        "SRB_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        # This checkout first: the virtualenv may have the package installed from another one.
        "PYTHONPATH": os.pathsep.join([str(TESTS_DIR.parent), str(TESTS_DIR)]),
    }
    return subprocess.run(
        [sys.executable, "-m", "django", *args], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )


# Everything at once except the model: see test_model_missing_in_a_real_process.
BROKEN_BUT_MODEL = "task,processor,loader,guard"


class TestManagePy:
    """The same, as an operator's shell runs it: a process of its own, the exit code."""

    def test_check_migrate_off_switch_and_scheduler(self, tmp_path):
        check = manage(tmp_path, BROKEN_BUT_MODEL, "check")
        assert check.returncode == 0, check.stderr
        assert [line.split(")")[0] for line in check.stderr.splitlines() if "(survey_report_banner." in line] == [
            "?: (survey_report_banner.W002",
            "?: (survey_report_banner.W004",
            "?: (survey_report_banner.W005",
            "?: (survey_report_banner.W006",
        ]
        migrate = manage(tmp_path, BROKEN_BUT_MODEL, "migrate", "--verbosity", "0")
        assert migrate.returncode == 0, migrate.stderr
        switch = manage(tmp_path, BROKEN_BUT_MODEL, "waffle_switch", "survey_report_banner.disable_banner", "on",
                        "--create")
        assert switch.returncode == 0, switch.stderr
        scheduler = manage(tmp_path, BROKEN_BUT_MODEL, "send_survey_report_if_due", "--scheduled")
        assert scheduler.returncode == 1
        assert "SystemCheckError" not in scheduler.stderr
        assert scheduler.stderr.strip().endswith(
            "CommandError: The survey report task 'openedx.features.survey_report.tasks.no_such_task' cannot be "
            'imported: Module "openedx.features.survey_report.tasks" does not define a "no_such_task" '
            "attribute/class"
        )

    def test_the_host_without_the_plugin_is_a_stock_lms(self, tmp_path):
        """The bench's baseline (``host.settings_without_app``) keeps nothing of the plugin, guard included."""
        check = manage(tmp_path, "", "check", "--fail-level", "WARNING", settings_module="host.settings_without_app")
        assert check.returncode == 0, check.stderr
        assert "System check identified no issues" in check.stdout

    def test_model_missing_in_a_real_process(self, tmp_path):
        migrate = manage(tmp_path, "model", "migrate", "--verbosity", "0")
        assert migrate.returncode == 0, migrate.stderr
        assert "survey_report_banner.W003" in migrate.stderr


@pytest.mark.django_db
class TestUnusableTaskOrModel:
    """
    Issue 20: a report task or model setting that names nothing usable (None, a number, "", a
    plain function, a model without the report's fields) is a warning naming it, never an error:
    ``check`` and ``migrate`` succeed, and superusers' admin pages work without the banner.
    """

    @pytest.mark.parametrize("name, value, check_id, message", UNUSABLE_SETTINGS, ids=UNUSABLE_IDS)
    def test_one_warning_names_it(self, name, value, check_id, message):
        with override_settings(**{name: value}):
            issues = our_issues()
        assert ids(issues) == [f"survey_report_banner.{check_id}"]
        assert issues[0].msg == f"{message}. The survey report banner stays off and nothing can be sent."
        assert name in issues[0].hint

    @pytest.mark.parametrize("name, value, check_id, message", UNUSABLE_SETTINGS, ids=UNUSABLE_IDS)
    def test_check_and_migrate_succeed_and_say_so(self, name, value, check_id, message):
        for command, options in ((("check",), {}), (("migrate", "--verbosity", "0"), {"skip_checks": False})):
            err = StringIO()
            with override_settings(**{name: value}):
                call_command(*command, **options, stdout=StringIO(), stderr=err)
            assert f"(survey_report_banner.{check_id}) {message}." in err.getvalue()

    @pytest.mark.parametrize("name, value, check_id, message", UNUSABLE_SETTINGS, ids=UNUSABLE_IDS)
    def test_admin_index_without_banner(self, name, value, check_id, message, admin_client):
        with override_settings(**{name: value}):
            response = admin_client.get("/admin/")
        assert response.status_code == 200
        assert 'id="survey-report-banner"' not in response.content.decode()


class TestUnusableSettingsInARealProcess:
    """
    The same from an operator's shell (``manage.py`` in a process of its own, the settings as a
    settings module sets them): ``check``, ``migrate`` and the off switch exit 0 with the warning;
    the scheduler's command exits 1 saying why (that it records no attempt: ``test_command.py``).
    """

    @pytest.mark.parametrize("overrides, warnings, failure", [
        (
            {"SURVEY_REPORT_BANNER_TASK": None, "SURVEY_REPORT_BANNER_REPORT_MODEL": "auth.Group"},
            ["W002", "W003"],
            "The survey report model 'auth.Group' has no created_at or state field",
        ),
        (
            {"SURVEY_REPORT_BANNER_TASK": "json.dumps", "SURVEY_REPORT_BANNER_REPORT_MODEL": 123,
             "SURVEY_REPORT_AUTO_SEND": "yes", "SURVEY_REPORT_BANNER_CACHE_ALIAS": 123},
            ["W002", "W003", "W007", "W007"],
            "SURVEY_REPORT_BANNER_REPORT_MODEL = 123 is not an app_label.ModelName label",
        ),
    ], ids=["none-and-a-model-without-fields", "a-function-a-number-and-more"])
    def test_commands(self, tmp_path, overrides, warnings, failure):
        env = {"SRB_SETTINGS": json.dumps(overrides)}
        check = manage(tmp_path, "", "check", env=env)
        assert check.returncode == 0, check.stderr
        lines = [line for line in check.stderr.splitlines() if "(survey_report_banner." in line]
        assert [line.split(")")[0].split(".")[-1] for line in lines] == warnings, check.stderr
        for args in (("migrate", "--verbosity", "0"),
                     ("waffle_switch", "survey_report_banner.disable_banner", "off", "--create")):
            result = manage(tmp_path, "", *args, env=env)
            assert result.returncode == 0, result.stderr
            assert "survey_report_banner.W002" in result.stderr or "survey_report_banner.W003" in result.stderr
        scheduler = manage(tmp_path, "", "send_survey_report_if_due", env=env)
        assert scheduler.returncode == 1, scheduler.stderr
        assert "Traceback" not in scheduler.stderr
        assert scheduler.stderr.strip().endswith(f"CommandError: {failure}")
