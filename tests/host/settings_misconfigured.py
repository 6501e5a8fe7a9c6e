"""
The host with survey-report-banner installed but misconfigured, as its system checks know it.

``SRB_MISCONFIGURE`` (comma-separated, default all of them) picks what is broken:

``task``       ``SURVEY_REPORT_BANNER_TASK`` names no task (W002);
``model``      ``SURVEY_REPORT_BANNER_REPORT_MODEL`` names no model (W003);
``processor``  ``TEMPLATES`` rebuilt after plugins: no banner context processor (W004);
``loader``     the same, without the banner's template loader (W005);
``guard``      ``MIDDLEWARE`` rebuilt after plugins: no endpoint guard (W006).

``SRB_SETTINGS``, a JSON object, then sets any settings to any value JSON can say (``null``, a
number, a string): ``{"SURVEY_REPORT_BANNER_TASK": null}``.

Used by ``tests/test_checks.py`` to run management commands in a subprocess, as an operator would:
they must warn and still run.
"""

import json
import os

from host.settings import *  # noqa: F401,F403  pylint: disable=wildcard-import,unused-wildcard-import
from host.settings import MIDDLEWARE, TEMPLATES

PLUGIN_PREFIX = "survey_report_banner."
BROKEN = set(os.environ.get("SRB_MISCONFIGURE", "task,model,processor,loader,guard").split(","))

if "task" in BROKEN:
    SURVEY_REPORT_BANNER_TASK = "openedx.features.survey_report.tasks.no_such_task"
if "model" in BROKEN:
    SURVEY_REPORT_BANNER_REPORT_MODEL = "survey_report.NoSuchReport"
if "guard" in BROKEN:
    MIDDLEWARE = [path for path in MIDDLEWARE if not path.startswith(PLUGIN_PREFIX)]
_OPTIONS = TEMPLATES[0]["OPTIONS"]
if "loader" in BROKEN:
    _OPTIONS["loaders"] = [loader for loader in _OPTIONS["loaders"] if not loader.startswith(PLUGIN_PREFIX)]
if "processor" in BROKEN:
    _OPTIONS["context_processors"] = [p for p in _OPTIONS["context_processors"] if not p.startswith(PLUGIN_PREFIX)]

globals().update(json.loads(os.environ.get("SRB_SETTINGS", "{}")))
