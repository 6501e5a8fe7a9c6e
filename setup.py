"""
Package metadata for survey-report-banner.
"""

import os
import re

from setuptools import find_namespace_packages, setup

HERE = os.path.abspath(os.path.dirname(__file__))


def get_version(*file_paths):
    """Read ``__version__`` from the package without importing it (Django is not installed yet)."""
    with open(os.path.join(HERE, *file_paths), encoding="utf-8") as handle:
        match = re.search(r'^__version__ = ["\']([^"\']*)["\']', handle.read(), re.M)
    if not match:
        raise RuntimeError("Unable to find version string.")
    return match.group(1)


def load_requirements(*requirements_paths):
    """Read loose requirements from ``requirements/*.in`` files, skipping comments and -c/-r lines."""
    requirements = []
    for path in requirements_paths:
        with open(os.path.join(HERE, path), encoding="utf-8") as handle:
            for line in handle:
                line = line.split("#", 1)[0].strip()
                if line and not line.startswith(("-c", "-r")):
                    requirements.append(line)
    return requirements


with open(os.path.join(HERE, "README.rst"), encoding="utf-8") as readme, \
        open(os.path.join(HERE, "CHANGELOG.rst"), encoding="utf-8") as changelog:
    LONG_DESCRIPTION = readme.read() + "\n\n" + changelog.read()

setup(
    name="survey-report-banner",
    version=get_version("survey_report_banner", "__init__.py"),
    description="Invite Open edX superusers to send the anonymized survey report, from Django admin.",
    long_description=LONG_DESCRIPTION,
    long_description_content_type="text/x-rst",
    author="survey-report-banner contributors",
    license_expression="AGPL-3.0-or-later",
    license_files=["LICENSE.txt"],
    # Namespace discovery: the data directories (templates, static, conf/locale) are then known to
    # setuptools as part of the package instead of "importable but ignored" directories.
    packages=find_namespace_packages(
        include=["survey_report_banner", "survey_report_banner.*"], exclude=["*.__pycache__"]
    ),
    include_package_data=True,
    # The constraints file caps Django below 6 for our CI; installed sites need the same range.
    install_requires=[
        "Django>=4.2,<6.0" if req == "Django" else req for req in load_requirements("requirements/base.in")
    ],
    python_requires=">=3.11",
    zip_safe=False,
    keywords="Python edx openedx survey report",
    entry_points={
        "lms.djangoapp": [
            "survey_report_banner = survey_report_banner.apps:SurveyReportBannerConfig",
        ],
    },
    classifiers=[
        "Development Status :: 4 - Beta",
        "Framework :: Django",
        "Framework :: Django :: 4.2",
        "Framework :: Django :: 5.2",
        "Intended Audience :: Developers",
        "Natural Language :: English",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
    ],
)
