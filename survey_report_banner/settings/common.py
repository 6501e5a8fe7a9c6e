"""
Settings the LMS applies when it loads this plugin (``add_plugins(..., "common")``).
"""

CONTEXT_PROCESSOR = "survey_report_banner.context_processors.survey_report_banner"
TEMPLATE_LOADER = "survey_report_banner.template_loader.Loader"
# Redwood's own banner; ours replaces it (and saves the query it makes on every admin page).
UPSTREAM_CONTEXT_PROCESSOR = "openedx.features.survey_report.context_processors.admin_extra_context"
DJANGO_BACKEND = "django.template.backends.django.DjangoTemplates"
# Guards upstream's "Generate Report" endpoint (docs/decisions/0004-guard-upstream-generate-endpoint.rst).
GUARD_MIDDLEWARE = "survey_report_banner.middleware.GenerateReportGuardMiddleware"


def plugin_settings(settings):
    """
    Wire the plugin into the LMS: the endpoint guard and the banner's template engine settings.
    """
    _add_guard_middleware(settings)
    _wire_templates(settings)


def _add_guard_middleware(settings):
    """
    Append the guard of upstream's "Generate Report" endpoint to ``MIDDLEWARE``, last.

    Last, so that it runs after the CSRF, authentication and messages middlewares: answering from
    ``process_view`` skips every later middleware's ``process_view``, CSRF's included. It reads
    ``SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT`` on each request, so settings applied after
    plugins (production settings) still decide.
    """
    middleware = getattr(settings, "MIDDLEWARE", None)
    if middleware is None or GUARD_MIDDLEWARE in middleware:
        return
    if isinstance(middleware, list):
        middleware.append(GUARD_MIDDLEWARE)
    else:
        settings.MIDDLEWARE = [*middleware, GUARD_MIDDLEWARE]


def _wire_templates(settings):
    """
    Wire the banner into the Django template engine: our loader first, our context processor last.

    In the LMS the Django engine's ``context_processors`` list is the very list object the Mako
    engine uses too, so it is changed in place and the change reaches both engines. Edx-platform's
    own (Redwood) banner processor is removed: our banner replaces it, and it queries the report
    table on every admin page.
    """
    engine = _django_engine(settings)
    if engine is None:
        return  # No Django template engine: the system check survey_report_banner.W004 says so.
    options = engine.setdefault("OPTIONS", {})

    processors = options.get("context_processors", [])
    wanted = [path for path in processors if path != UPSTREAM_CONTEXT_PROCESSOR]
    if CONTEXT_PROCESSOR not in wanted:
        # Last, so its show_survey_report_banner=False wins should the upstream one come back.
        wanted.append(CONTEXT_PROCESSOR)
    if isinstance(processors, list):
        processors[:] = wanted  # In place: the Mako engine, which shares this list, sees it too.
    else:
        # A tuple cannot change in place: give every engine that shared it the new list.
        for other in getattr(settings, "TEMPLATES", []):
            if other.get("OPTIONS", {}).get("context_processors") is processors:
                other["OPTIONS"]["context_processors"] = wanted
        options["context_processors"] = wanted

    loaders = options.get("loaders")
    if loaders is None:
        # Spell out what APP_DIRS=True meant; Django forbids APP_DIRS together with "loaders".
        loaders = ["django.template.loaders.filesystem.Loader"]
        if engine.get("APP_DIRS", False):
            loaders.append("django.template.loaders.app_directories.Loader")
        engine["APP_DIRS"] = False
    if TEMPLATE_LOADER not in _loader_paths(loaders):
        # A new list (the configured one may be a tuple), ours first so it sees every request.
        loaders = [TEMPLATE_LOADER, *loaders]
    options["loaders"] = loaders


def _django_engine(settings):
    """The first Django template engine (``TEMPLATES[0]`` in the LMS)."""
    for engine in getattr(settings, "TEMPLATES", []):
        if engine.get("BACKEND") == DJANGO_BACKEND:
            return engine
    return None


def _loader_paths(loaders):
    """Dotted paths of ``loaders`` entries, which may be strings or ``(path, args...)`` tuples."""
    for loader in loaders:
        yield loader if isinstance(loader, str) else loader[0]
