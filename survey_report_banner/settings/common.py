"""
Settings the LMS applies when it loads this plugin (``add_plugins(..., "common")``).
"""

CONTEXT_PROCESSOR = "survey_report_banner.context_processors.survey_report_banner"
TEMPLATE_LOADER = "survey_report_banner.template_loader.Loader"
# Redwood's own banner; ours replaces it (and saves the query it makes on every admin page).
UPSTREAM_CONTEXT_PROCESSOR = "openedx.features.survey_report.context_processors.admin_extra_context"
DJANGO_BACKEND = "django.template.backends.django.DjangoTemplates"


def plugin_settings(settings):
    """
    Wire the banner into the Django template engine: our loader first, our context processor last.

    In the LMS the Django engine's ``context_processors`` list is the very list object the Mako
    engine uses too, so changes are made in place and reach both engines.
    """
    engine = _django_engine(settings)
    if engine is None:
        return  # No Django template engine: the system check survey_report_banner.E003 says so.
    options = engine.setdefault("OPTIONS", {})

    processors = options.setdefault("context_processors", [])
    while UPSTREAM_CONTEXT_PROCESSOR in processors:
        processors.remove(UPSTREAM_CONTEXT_PROCESSOR)
    if CONTEXT_PROCESSOR not in processors:
        # Last, so its show_survey_report_banner=False wins should the upstream one come back.
        processors.append(CONTEXT_PROCESSOR)

    loaders = options.get("loaders")
    if loaders is None:
        # Spell out what APP_DIRS=True meant; Django forbids APP_DIRS together with "loaders".
        engine["APP_DIRS"], had_app_dirs = False, engine.get("APP_DIRS", False)
        loaders = ["django.template.loaders.filesystem.Loader"]
        if had_app_dirs:
            loaders.append("django.template.loaders.app_directories.Loader")
        options["loaders"] = loaders
    if TEMPLATE_LOADER not in _loader_paths(loaders):
        loaders.insert(0, TEMPLATE_LOADER)


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
