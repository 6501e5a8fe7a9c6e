"""
Annotations: every setting the app reads, its waffle switch and its models are documented.

``make quality`` lints the annotations with code_annotations; these tests add what the linter
cannot know: that nothing the code reads is left without an annotation.
"""

import re
from pathlib import Path

import django.conf.global_settings
from django.apps import apps

import survey_report_banner
from survey_report_banner import toggles

PACKAGE = Path(survey_report_banner.__file__).resolve().parent
SETTING_READ = re.compile(
    # _get("X"), _number("X"), _flag("X")
    r"""(?:_get\(\s*|_number\(\s*|_flag\(\s*|getattr\(\s*settings\s*,\s*)["']([A-Z][A-Z0-9_]+)["']"""
    r"""|\bsettings\.([A-Z][A-Z0-9_]+)\b"""  # settings.X
)
SETTING_ANNOTATION = re.compile(r"#\s*\.\. setting_name:\s*([A-Z][A-Z0-9_]+)")
DJANGO_SETTINGS = {name for name in dir(django.conf.global_settings) if name.isupper()}


def _sources():
    return [path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts]


def _settings_read():
    names = set()
    for path in _sources():
        for match in SETTING_READ.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return names - DJANGO_SETTINGS


def _settings_annotated():
    return {
        name for path in _sources() for name in SETTING_ANNOTATION.findall(path.read_text(encoding="utf-8"))
    }


def test_every_setting_read_is_annotated():
    read = _settings_read()
    assert "SURVEY_REPORT_BANNER_TASK" in read and "ANONYMOUS_SURVEY_REPORT" in read  # the scan works
    assert read - _settings_annotated() == set()


def test_every_annotated_setting_is_read():
    assert _settings_annotated() - _settings_read() == set()


def test_the_switch_is_annotated():
    source = (PACKAGE / "toggles.py").read_text(encoding="utf-8")
    assert f"# .. toggle_name: {toggles.DISABLE_BANNER_SWITCH}\n" in source
    assert "# .. toggle_implementation: WaffleSwitch\n" in source


def test_every_model_says_whether_it_stores_pii():
    for model in apps.get_app_config("survey_report_banner").get_models():
        assert re.search(r"^\s*\.\. (no_)?pii:", model.__doc__, re.M), model
