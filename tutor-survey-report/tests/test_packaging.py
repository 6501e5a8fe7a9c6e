"""The plugin is its own small distribution that installs into plain Tutor."""

import importlib.metadata
import importlib.util
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from tutorsurveyreport.plugin import BANNER_REQUIREMENT

PROJECT = Path(__file__).resolve().parent.parent
PATCHES = sorted(p.name for p in (PROJECT / "tutorsurveyreport" / "patches").iterdir())


@pytest.mark.parametrize("module", ["django", "celery"])
def test_tutor_environment_has_no_django_nor_celery(module):
    """This venv holds Tutor and the plugin only: neither may pull these in."""
    assert importlib.util.find_spec(module) is None


def test_distribution_requires_only_tutor():
    requires = importlib.metadata.requires("tutor-survey-report") or []
    assert [r.split(">")[0].split("<")[0].split("=")[0].strip() for r in requires] == [
        "tutor"
    ]


def test_version_comes_from_about():
    from tutorsurveyreport.__about__ import __version__

    assert importlib.metadata.version("tutor-survey-report") == __version__


def test_entry_point():
    (entry_point,) = [
        ep
        for ep in importlib.metadata.entry_points(group="tutor.plugin.v1")
        if ep.name == "survey_report"
    ]
    assert entry_point.value == "tutorsurveyreport.plugin"


def test_patches_are_the_expected_ones():
    assert PATCHES == [
        "k8s-jobs",
        "local-docker-compose-prod-services",
        "openedx-dockerfile-post-python-requirements",
        "openedx-lms-common-settings",
        "openedx-lms-production-settings",
    ]


def test_wheel_carries_the_patches(tmp_path):
    # Build from a copy: setuptools writes build/ and *.egg-info in the tree.
    source = tmp_path / "source"
    shutil.copytree(
        PROJECT,
        source,
        ignore=shutil.ignore_patterns(
            "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache"
        ),
    )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("tutor_survey_report-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(
            n for n in names if n.endswith(".dist-info/entry_points.txt")
        )
        assert (
            "survey_report = tutorsurveyreport.plugin"
            in archive.read(entry_points).decode()
        )
    for patch in PATCHES:
        assert f"tutorsurveyreport/patches/{patch}" in names
    assert "tutorsurveyreport/plugin.py" in names


def _listed_status(tutor):
    listing = tutor.run("plugins", "list").check().output
    (row,) = [
        line.split()
        for line in listing.splitlines()
        if line.startswith("survey_report")
    ]
    return row


def test_plugins_list_and_enable(tutor):
    tutor.run("plugins", "disable", "survey_report").check()
    row = _listed_status(tutor)
    assert "installed" in row and "enabled" not in row
    assert "survey_report" not in tutor.user_config.get("PLUGINS", [])

    output = tutor.run("plugins", "enable", "survey_report").check().output
    assert "Plugin survey_report enabled" in output
    row = _listed_status(tutor)
    assert "enabled" in row
    assert row[-1] == importlib.metadata.version("tutor-survey-report")
    assert "survey_report" in tutor.user_config["PLUGINS"]


def test_defaults(tutor):
    expected = {
        "SURVEY_REPORT_AUTO_SEND": "false",
        "SURVEY_REPORT_CRON_SCHEDULE": "17 3 * * *",
        "SURVEY_REPORT_BANNER_PIP_REQUIREMENT": "survey-report-banner>=0.1.0,<0.2",
        "SURVEY_REPORT_ANONYMOUS": "true",
        "SURVEY_REPORT_BANNER": "null",
        "SURVEY_REPORT_EXTRA_DATA": "{}",
        "SURVEY_REPORT_SEND_RELEASE": "false",
        "SURVEY_REPORT_CHECK_THRESHOLD": "null",
        "SURVEY_REPORT_SCHEDULED_LEAD_HOURS": "null",
    }
    for key, value in expected.items():
        assert tutor.printvalue(key) == value, key
    # Defaults stay out of config.yml: it only holds what the operator chose.
    assert not [key for key in tutor.user_config if key.startswith("SURVEY_REPORT_")]


def test_banner_requirement_admits_this_repository_s_banner_app():
    """
    The pinned range holds the survey-report-banner version released with this plugin.

    Bumping the app's version past the range fails here: the plugin's pin
    (and its rendered settings and command options) must be reviewed with it.
    """
    init = (PROJECT.parent / "survey_report_banner" / "__init__.py").read_text()
    (version,) = re.findall(r'^__version__ = "([^"]+)"$', init, flags=re.MULTILINE)
    requirement = Requirement(BANNER_REQUIREMENT)
    assert requirement.name == "survey-report-banner"
    assert requirement.specifier.contains(version)
    # A range, not one version, and closed above: a future incompatible
    # release is never installed into an image built with this plugin.
    assert not requirement.specifier.contains("1.0.0")
    assert not any(spec.operator == "==" for spec in requirement.specifier)


def test_released_together_with_the_banner_app():
    """
    One tag releases both distributions (.github/workflows/release.yml), so they carry one version.

    ``scripts/check_versions.py`` checks the same, and the CHANGELOG, on every release.
    """
    from tutorsurveyreport.__about__ import __version__

    init = (PROJECT.parent / "survey_report_banner" / "__init__.py").read_text()
    (banner_version,) = re.findall(r'^__version__ = "([^"]+)"$', init, flags=re.MULTILINE)
    assert __version__ == banner_version
