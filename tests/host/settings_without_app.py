"""
The same host as ``host.settings``, as the LMS is *without* survey-report-banner installed.

Used by ``scripts/bench.py`` as the baseline: every platform app, middleware and template engine
stays; the plugin's app, template loader, context processor, middleware and URLs are gone, and
Redwood's own context processor (which the plugin's ``plugin_settings`` removes) is back, as in a
stock LMS.
"""

from host.settings import *  # noqa: F401,F403  pylint: disable=wildcard-import,unused-wildcard-import
from host.settings import INSTALLED_APPS, MIDDLEWARE, TEMPLATES

PLUGIN_APP = "survey_report_banner"
PLUGIN_LOADER = "survey_report_banner.template_loader.Loader"
PLUGIN_PROCESSOR = "survey_report_banner.context_processors.survey_report_banner"
UPSTREAM_PROCESSOR = "openedx.features.survey_report.context_processors.admin_extra_context"

INSTALLED_APPS = [app for app in INSTALLED_APPS if not app.startswith(PLUGIN_APP)]
MIDDLEWARE = [path for path in MIDDLEWARE if not path.startswith(PLUGIN_APP)]
ROOT_URLCONF = "host.urls_without_app"

_OPTIONS = TEMPLATES[0]["OPTIONS"]
_OPTIONS["loaders"] = [loader for loader in _OPTIONS["loaders"] if loader != PLUGIN_LOADER]
CONTEXT_PROCESSORS = [p for p in _OPTIONS["context_processors"] if p != PLUGIN_PROCESSOR]
if UPSTREAM_PROCESSOR not in CONTEXT_PROCESSORS:
    CONTEXT_PROCESSORS.append(UPSTREAM_PROCESSOR)
_OPTIONS["context_processors"] = CONTEXT_PROCESSORS
