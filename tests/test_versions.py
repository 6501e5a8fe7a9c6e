"""
The versions agree: both ``__version__``s, the Tutor plugin's ``BANNER_REQUIREMENT`` range and the
CHANGELOG (``scripts/check_versions.py``, which the release workflow also runs on the tag).
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import survey_report_banner

REPO = Path(__file__).resolve().parent.parent


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_versions", REPO / "scripts" / "check_versions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_versions = _load_checker()


def test_the_repository_s_versions_agree():
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "check_versions.py")],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"{survey_report_banner.__version__} everywhere" in result.stdout


def test_the_tutor_plugin_is_versioned_with_the_app():
    about = (REPO / "tutor-survey-report" / "tutorsurveyreport" / "__about__.py").read_text()
    assert f'__version__ = "{survey_report_banner.__version__}"' in about


RELEASED = """
Unreleased
**********

{version} - 2027-01-15
**********************

Added
=====
"""


@pytest.mark.parametrize("changelog, expected", [
    # Before the first release: only Unreleased, and the version is the first one.
    ("Unreleased\n**********\n", []),
    # The newest section is this version.
    (RELEASED.format(version=survey_report_banner.__version__), []),
    # A version bumped without its section, or a section for a version never set.
    (RELEASED.format(version="0.0.9"), ["the newest CHANGELOG.rst section is 0.0.9"]),
    (RELEASED.format(version="9.9.9"), ["the newest CHANGELOG.rst section is 9.9.9"]),
])
def test_the_changelog_names_the_version(changelog, expected):
    found = check_versions.problems(changelog=changelog)
    assert [problem.split(", but")[0] for problem in found] == expected


def test_a_release_tag_needs_its_version_and_its_changelog_section():
    version = survey_report_banner.__version__
    assert check_versions.problems(tag=f"v{version}", changelog=RELEASED.format(version=version)) == []
    unreleased = check_versions.problems(tag=f"v{version}", changelog="Unreleased\n**********\n")
    assert unreleased == [f"CHANGELOG.rst has no section for {version}: move the Unreleased entries into one"]
    wrong_tag = check_versions.problems(tag="v9.9.9", changelog=RELEASED.format(version=version))
    assert wrong_tag == [f"the tag v9.9.9 is not v{version}"]


@pytest.mark.parametrize("heading", ["0.2.0 - 2027-01-15", "[0.2.0] - 2027-01-15", "v0.2.0"])
def test_changelog_sections_are_recognised(heading):
    text = f"Unreleased\n**********\n\n{heading}\n{'*' * len(heading)}\n\n0.1.0\n*****\n"
    assert check_versions.changelog_versions(text) == ["0.2.0", "0.1.0"]
