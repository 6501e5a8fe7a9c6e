"""
Django system checks: tell the operator at start-up what would stop the banner from working.
"""

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.template import TemplateDoesNotExist, engines
from django.template.base import UNKNOWN_SOURCE

from . import conf
from .settings.common import CONTEXT_PROCESSOR, DJANGO_BACKEND
from .template_loader import LOADER_PATH, PLATFORM_ALIAS

TAG = "survey_report_banner"


@checks.register(TAG)
def check_report_task(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """E001: the task that *Send report* enqueues must be importable."""
    from .api import load_report_task  # pylint: disable=import-outside-toplevel

    try:
        load_report_task()
    except ImportError as exc:
        return [checks.Error(
            f"The survey report task {conf.task_path()!r} cannot be imported: {exc}.",
            hint="Set SURVEY_REPORT_BANNER_TASK to the dotted path of edx-platform's "
                 "openedx.features.survey_report.tasks.generate_survey_report (the default).",
            id="survey_report_banner.E001",
        )]
    return []


@checks.register(TAG, checks.Tags.models)
def check_report_model(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """E002: the survey report model must be installed, with a ``created_at`` field."""
    label = conf.report_model_label()
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return [checks.Error(
            f"The survey report model {label!r} is not installed.",
            hint="Install edx-platform's openedx.features.survey_report app (Palm or later) or set "
                 "SURVEY_REPORT_BANNER_REPORT_MODEL.",
            id="survey_report_banner.E002",
        )]
    if "created_at" not in {field.name for field in model._meta.get_fields()}:  # pylint: disable=protected-access
        return [checks.Error(
            f"The survey report model {label!r} has no created_at field.",
            id="survey_report_banner.E002",
        )]
    return []


@checks.register(TAG, checks.Tags.templates)
def check_context_processor(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """E003: the banner's context processor must run in the Django template engine."""
    for engine in settings.TEMPLATES:
        if engine.get("BACKEND") == DJANGO_BACKEND:
            if CONTEXT_PROCESSOR in engine.get("OPTIONS", {}).get("context_processors", []):
                return []
            break
    return [checks.Error(
        f"{CONTEXT_PROCESSOR} is not in the Django template engine's context_processors.",
        hint="The LMS adds it through the plugin's plugin_settings; check that "
             "survey_report_banner is installed as an lms.djangoapp plugin, or add it by hand.",
        id="survey_report_banner.E003",
    )]


@checks.register(TAG, checks.Tags.templates)
def check_admin_override(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """E004: ``admin/base_site.html`` must come from our loader, and its alias must resolve."""
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
        return [checks.Error(
            f"The survey report banner cannot reach Django admin pages: {problem}.",
            hint=f"{LOADER_PATH} must be the first loader of the Django template engine "
                 "(plugin_settings puts it there); see docs/decisions/0001-admin-template-override.rst.",
            id="survey_report_banner.E004",
        )]
    return []


@checks.register(TAG)
def check_anonymous_report(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """W001: the banner promises anonymized data, so the report should not carry the site name."""
    if not conf.anonymous_report():
        return [checks.Warning(
            "ANONYMOUS_SURVEY_REPORT is False: survey reports will carry this site's LMS_BASE, "
            "while the banner tells superusers the data is anonymized.",
            hint="Set ANONYMOUS_SURVEY_REPORT = True (the Tutor plugin does unless "
                 "SURVEY_REPORT_ANONYMOUS is false), or turn the banner off with the "
                 "survey_report_banner.disable_banner waffle switch.",
            id="survey_report_banner.W001",
        )]
    return []
