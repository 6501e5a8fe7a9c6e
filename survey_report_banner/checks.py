"""
Django system checks: tell the operator what would stop the banner (or its endpoint guard) working.

Django runs system checks before ``migrate`` and every other management command, so an ``Error``
here would stop the very commands that fix the problem (``migrate``), switch the banner off
(``waffle_switch``) or send reports on schedule (``send_survey_report_if_due``). A plugin must never
block the platform: every check is a ``Warning``, and while one fires the banner simply stays off.
Ids: ``W002``-``W005`` were ``E001``-``E004`` (same meaning); ``W001`` (``ANONYMOUS_SURVEY_REPORT``
is False) was retired, see README "Deploying"; ``W006`` and ``W007`` are new. Retired ids are never
reused.
"""

from django.conf import settings
from django.core import checks
from django.template import TemplateDoesNotExist, engines
from django.template.base import UNKNOWN_SOURCE

from . import conf, reports
from .settings.common import CONTEXT_PROCESSOR, DJANGO_BACKEND, GUARD_MIDDLEWARE
from .template_loader import LOADER_PATH, PLATFORM_ALIAS

TAG = "survey_report_banner"


@checks.register(TAG)
def check_report_task(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """W002: the task that *Send report* enqueues must be an importable Celery task."""
    from .api import ReportTaskUnusable, load_report_task  # pylint: disable=import-outside-toplevel

    try:
        load_report_task()
    except ReportTaskUnusable as exc:
        return [checks.Warning(
            f"{exc}. The survey report banner stays off and nothing can be sent.",
            hint="Set SURVEY_REPORT_BANNER_TASK to the dotted path of a Celery task, or remove it to use "
                 "edx-platform's openedx.features.survey_report.tasks.generate_survey_report (the default).",
            id="survey_report_banner.W002",
        )]
    return []


@checks.register(TAG, checks.Tags.models)
def check_report_model(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """W003: the survey report model must be installed, with the fields the banner reads."""
    try:
        reports.report_model()
    except reports.ReportModelUnusable as exc:
        return [checks.Warning(
            f"{exc}. The survey report banner stays off and nothing can be sent.",
            hint="Install edx-platform's openedx.features.survey_report app (Palm or later) and remove "
                 "SURVEY_REPORT_BANNER_REPORT_MODEL, or set it to the app_label.ModelName of a model with "
                 f"{' and '.join(reports.REQUIRED_FIELDS)} fields.",
            id="survey_report_banner.W003",
        )]
    return []


@checks.register(TAG, checks.Tags.templates)
def check_context_processor(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """W004: the banner's context processor must run in the Django template engine."""
    for engine in settings.TEMPLATES:
        if engine.get("BACKEND") == DJANGO_BACKEND:
            if CONTEXT_PROCESSOR in engine.get("OPTIONS", {}).get("context_processors", []):
                return []
            break
    return [checks.Warning(
        f"{CONTEXT_PROCESSOR} is not in the Django template engine's context_processors.",
        hint="The LMS adds it through the plugin's plugin_settings; check that "
             "survey_report_banner is installed as an lms.djangoapp plugin, or add it by hand.",
        id="survey_report_banner.W004",
    )]


@checks.register(TAG, checks.Tags.templates)
def check_admin_override(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """W005: ``admin/base_site.html`` must come from our loader, and its alias must resolve."""
    try:
        engine = engines["django"] if "django" in engines else next(
            e for e in engines.all() if e.__class__.__module__.startswith("django.template.backends.django")
        )
    except StopIteration:
        engine = None
    problem = None
    if engine is None:
        problem = "there is no Django template engine"
    else:
        try:
            template = engine.get_template("admin/base_site.html")
            origin = getattr(getattr(template, "template", template), "origin", None)
            origin_name = str(getattr(origin, "name", "") or "")
            if not origin_name.startswith(LOADER_PATH):
                if not origin_name or origin_name == UNKNOWN_SOURCE:
                    # edxmako's loaders compile with from_string, which loses the origin.
                    origin_name = "another loader"
                problem = f"admin/base_site.html is served by {origin_name}, not by {LOADER_PATH}"
            else:
                engine.get_template(PLATFORM_ALIAS)
        except TemplateDoesNotExist as exc:
            problem = f"{exc} cannot be found"
    if problem:
        return [checks.Warning(
            f"The survey report banner cannot reach Django admin pages: {problem}.",
            hint=f"{LOADER_PATH} must be the first loader of the Django template engine "
                 "(plugin_settings puts it there); see docs/decisions/0001-admin-template-override.rst.",
            id="survey_report_banner.W005",
        )]
    return []


@checks.register(TAG)
def check_guard_middleware(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """W006: with the guard on, its middleware must be installed after CSRF, authentication and messages."""
    if not conf.guard_generate_endpoint():
        return []
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if GUARD_MIDDLEWARE not in middleware:
        problem = (f"{GUARD_MIDDLEWARE} is not in MIDDLEWARE, so any logged-in user can make the site "
                   "generate and send a survey report")
    else:
        later = [path for path in middleware[middleware.index(GUARD_MIDDLEWARE) + 1:] if path in _GUARD_MUST_FOLLOW]
        if not later:
            return []
        problem = (f"{GUARD_MIDDLEWARE} comes before {', '.join(later)}, so it answers without a CSRF "
                   "check, a user or a message store")
    return [checks.Warning(
        f"edx-platform's survey report endpoint (openedx.generate_survey_report) is not guarded as it "
        f"should be: {problem}.",
        hint=f"plugin_settings appends {GUARD_MIDDLEWARE} to MIDDLEWARE: keep it after those "
             "middlewares (last is safest). SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT = False leaves "
             "the endpoint as edx-platform has it, open to every logged-in user.",
        id="survey_report_banner.W006",
    )]


# Before these, the guard would answer without a CSRF check, a user, or a message store.
_GUARD_MUST_FOLLOW = (
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
)


@checks.register(TAG)
def check_settings(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """W007: each setting with a value the banner cannot use as it is, and what it does instead."""
    return [
        checks.Warning(
            f"{problem.name} = {problem.value!r} {problem.why}: {problem.outcome}.",
            hint=f"Set {problem.name} to a value in its documented range, or remove it to use the default "
                 "(see the README's Configuration).",
            id="survey_report_banner.W007",
        )
        for problem in conf.setting_problems()
    ]
