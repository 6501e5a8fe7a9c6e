#!/usr/bin/env python3
"""
Check that the versions of this repository agree; exit 1 with one line per disagreement.

Both distributions are released together, from one ``vX.Y.Z`` tag (.github/workflows/release.yml):

* ``survey_report_banner.__version__`` and ``tutorsurveyreport.__about__.__version__`` are equal;
* the Tutor plugin's ``BANNER_REQUIREMENT`` admits that version (the image gets the app released
  with the plugin) and stops before the next minor release (pre-1.0, a minor may break it);
* the newest version section of CHANGELOG.rst is that version; before the first release the
  CHANGELOG has only *Unreleased*, and the version is the first one, 0.1.0;
* with ``--tag vX.Y.Z`` (the release workflow): the tag is that version and CHANGELOG.rst has its
  section, so nothing is published that the CHANGELOG does not describe.

The files are read as text: this runs where neither Django nor Tutor is installed. It needs only
``packaging`` (which pip, build and pytest all bring).
"""

import argparse
import re
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent
BANNER_INIT = REPO / "survey_report_banner" / "__init__.py"
TUTOR_ABOUT = REPO / "tutor-survey-report" / "tutorsurveyreport" / "__about__.py"
TUTOR_PLUGIN = REPO / "tutor-survey-report" / "tutorsurveyreport" / "plugin.py"
CHANGELOG = REPO / "CHANGELOG.rst"
FIRST_VERSION = "0.1.0"
# A version section: "0.2.0 - 2027-01-15", "[0.2.0] - 2027-01-15" or "v0.2.0", underlined.
SECTION = re.compile(r"^\[?v?(\d+\.\d+\.\d+)\]?(?:\s+[-–].*)?\n[*=~^-]{3,}$", re.MULTILINE)


def _assignment(path, name):
    """The string literal assigned to ``name`` at the top level of ``path``."""
    match = re.search(rf'^{name} = ["\']([^"\']+)["\']', path.read_text(encoding="utf-8"), re.MULTILINE)
    if not match:
        raise SystemExit(f"{path.relative_to(REPO)}: no {name} = \"...\" line")
    return match.group(1)


def changelog_versions(text):
    """The version sections of a CHANGELOG, newest (first) first."""
    return SECTION.findall(text)


def problems(tag=None, changelog=None):
    """Every disagreement between the versions, as sentences; empty when they agree."""
    found = []
    banner = _assignment(BANNER_INIT, "__version__")
    tutor = _assignment(TUTOR_ABOUT, "__version__")
    if banner != tutor:
        found.append(f"survey_report_banner is {banner} but tutor-survey-report is {tutor}: release them together")

    requirement = Requirement(_assignment(TUTOR_PLUGIN, "BANNER_REQUIREMENT"))
    version = Version(banner)
    next_minor = f"{version.major}.{version.minor + 1}.0" if version.major == 0 else f"{version.major + 1}.0.0"
    if requirement.name != "survey-report-banner":
        found.append(f"BANNER_REQUIREMENT names {requirement.name}, not survey-report-banner")
    if not requirement.specifier.contains(banner):
        found.append(f"BANNER_REQUIREMENT ({requirement}) does not admit survey-report-banner {banner}")
    if requirement.specifier.contains(next_minor):
        found.append(f"BANNER_REQUIREMENT ({requirement}) admits {next_minor}, which this plugin was not tested with")

    text = CHANGELOG.read_text(encoding="utf-8") if changelog is None else changelog
    sections = changelog_versions(text)
    if sections and sections[0] != banner:
        found.append(f"the newest CHANGELOG.rst section is {sections[0]}, but the version is {banner}")
    if not sections and banner != FIRST_VERSION:
        found.append(f"CHANGELOG.rst has no section for {banner} (only Unreleased)")

    if tag is not None:
        if tag.removeprefix("v") != banner:
            found.append(f"the tag {tag} is not v{banner}")
        if banner not in sections:
            found.append(f"CHANGELOG.rst has no section for {banner}: move the Unreleased entries into one")
    return found


def main(argv=None):
    """Print the disagreements; exit 1 if there is any."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--tag", help="the release tag, vX.Y.Z, that must match the versions")
    args = parser.parse_args(argv)
    found = problems(tag=args.tag)
    for problem in found:
        print(f"check_versions: {problem}", file=sys.stderr)
    if not found:
        print(f"check_versions: {_assignment(BANNER_INIT, '__version__')} everywhere")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
