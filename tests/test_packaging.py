"""
Packaging: the sdist and wheel carry everything the app needs, and the wheel works on its own.

The last test installs the built wheel into a brand-new virtualenv (no access to this source tree
or to the development virtualenv) and runs the host project's smoke test (``tests/host/smoke.py``)
with it. Building needs ``build`` and ``twine`` (requirements/dev.txt); installing needs the
package index that requirements/base.txt resolves from.

``make test`` builds the distributions once (``make dist``) and points ``SRB_DIST_DIR`` at them, so
these tests check the very files the tox tiers install; without it they build their own.
"""

import email
import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

import survey_report_banner

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
VERSION = survey_report_banner.__version__
PACKAGE_FILES = [
    "survey_report_banner/__init__.py",
    "survey_report_banner/apps.py",
    "survey_report_banner/settings/common.py",
    "survey_report_banner/templates/survey_report_banner/banner.html",
    "survey_report_banner/static/survey_report_banner/banner.css",
    "survey_report_banner/static/survey_report_banner/banner.js",
    "survey_report_banner/migrations/__init__.py",
    "survey_report_banner/migrations/0001_initial.py",
    "survey_report_banner/management/commands/send_survey_report_if_due.py",
    "survey_report_banner/management/commands/survey_report_status.py",
    "survey_report_banner/conf/locale/config.yaml",
    "survey_report_banner/conf/locale/en/LC_MESSAGES/django.po",
    "survey_report_banner/conf/locale/es/LC_MESSAGES/django.po",
    "survey_report_banner/conf/locale/es/LC_MESSAGES/django.mo",
    # Django loads an app's catalogs from <app>/locale (a symlink to conf/locale in the source tree).
    "survey_report_banner/locale/es/LC_MESSAGES/django.mo",
]

pytestmark = pytest.mark.packaging


def _run(args, timeout=120, **kwargs):
    """Run ``args``; fail the test with its output if it exits non-zero."""
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)
    assert result.returncode == 0, f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """
    The sdist and the wheel built from it (as ``python -m build`` does): ``make dist``'s, named by
    ``SRB_DIST_DIR``, or built here into a temporary directory.
    """
    if os.environ.get("SRB_DIST_DIR"):
        outdir = Path(os.environ["SRB_DIST_DIR"]).resolve()
    else:
        # Checked here, not at import: a run that deselects the packaging marker must not report a skip.
        pytest.importorskip("build", reason="building needs requirements/dev.txt")
        outdir = tmp_path_factory.mktemp("dist")
        # --no-isolation: use this virtualenv's setuptools (pinned in requirements/dev.txt) instead of
        # downloading one; pyproject.toml's [build-system] still checks it is recent enough.
        _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(outdir), str(REPO)], cwd=REPO)
    wheels = list(outdir.glob("*.whl"))
    sdists = list(outdir.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, list(outdir.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


def test_file_names_carry_the_version(dist):
    assert dist["wheel"].name == f"survey_report_banner-{VERSION}-py3-none-any.whl"
    assert dist["sdist"].name == f"survey_report_banner-{VERSION}.tar.gz"


def test_wheel_contents(dist):
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
        info = f"survey_report_banner-{VERSION}.dist-info"
        metadata = email.message_from_string(wheel.read(f"{info}/METADATA").decode())
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    missing = [name for name in PACKAGE_FILES if name not in names]
    assert not missing, f"missing from the wheel: {missing}"
    assert f"{info}/licenses/LICENSE.txt" in names
    assert not [name for name in names if name.startswith(("tests/", "tutor", "host/", "openedx/"))]
    assert not [name for name in names if "/eo/" in name], "dummy translations must not ship"
    assert metadata["Version"] == VERSION
    assert metadata["License-Expression"] == "AGPL-3.0-or-later"
    assert any(req.startswith("Django") for req in metadata.get_all("Requires-Dist"))
    assert "[lms.djangoapp]" in entry_points
    assert "survey_report_banner = survey_report_banner.apps:SurveyReportBannerConfig" in entry_points


def test_sdist_contents(dist):
    root = f"survey_report_banner-{VERSION}"
    with tarfile.open(dist["sdist"]) as sdist:
        names = {name.removeprefix(f"{root}/") for name in sdist.getnames()}
    # setup.py reads these when the wheel is built from the sdist.
    expected = PACKAGE_FILES + [
        "setup.py", "pyproject.toml", "README.rst", "CHANGELOG.rst", "LICENSE.txt", "MANIFEST.in",
        "requirements/base.in", "requirements/constraints.txt",
    ]
    missing = [name for name in expected if name not in names]
    assert not missing, f"missing from the sdist: {missing}"
    assert not [name for name in names if name.startswith(("tests/", "tutor-survey-report/"))]


def test_twine_check(dist):
    pytest.importorskip("twine", reason="twine is in requirements/dev.txt")
    result = _run([sys.executable, "-m", "twine", "check", "--strict", str(dist["wheel"]), str(dist["sdist"])])
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_wheel_installs_and_runs_in_a_fresh_virtualenv(dist, tmp_path):
    """
    Install requirements/base.txt and the wheel into a new virtualenv; run the host's smoke test with it.

    The virtualenv has no system site-packages; the smoke test runs from a directory outside the
    source tree with ``PYTHONPATH`` limited to ``tests/`` (host project, stand-in ``openedx``), so
    the only ``survey_report_banner`` it can import is the installed wheel (the smoke test asserts so).
    """
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, system_site_packages=False, symlinks=True)
    python = env_dir / "bin" / "python"
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", str(REPO / "requirements" / "base.txt"), str(dist["wheel"])],
        timeout=300,
    )

    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV", "DJANGO_", "SRB_", "PYTEST", "COV_"))
    }
    env.update({
        "PYTHONPATH": str(TESTS),
        "SRB_SQLITE_PATH": ":memory:",
        "SRB_STATIC_ROOT": str(tmp_path / "static"),
        "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    })
    result = _run([str(python), "-m", "host.smoke"], cwd=workdir, env=env)
    site_packages = next((env_dir / "lib").glob("python3*/site-packages"))
    assert f"survey_report_banner {VERSION} from {site_packages}" in result.stdout

    # django-admin from the new virtualenv agrees: the installed app passes every system check.
    result = _run(["django-admin", "check", "--settings", "host.settings", "--fail-level", "WARNING"],
                  cwd=workdir, env=env)
    assert "System check identified no issues" in result.stdout
