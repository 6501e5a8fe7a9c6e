"""
Smoke test of an installed survey-report-banner in the host project: ``python -m host.smoke``.

Run it with ``PYTHONPATH`` pointing only at ``tests/`` (the host and the stand-in ``openedx``), from a
directory outside the source tree, with the interpreter of a virtualenv where the package was
installed from its wheel. It proves that the installed files alone are enough:

* the package is imported from that virtualenv, not from the source tree;
* edx-django-utils finds the app through the ``lms.djangoapp`` entry point and applies its
  ``plugin_settings`` (context processor, template loader);
* ``check`` reports no problem; the migrations create the tables (in-memory SQLite by default);
* a staff superuser gets the banner on ``/admin/``, with its template, static files and compiled
  Spanish catalog; *Dismiss* and *Send report* answer.

Exits non-zero, with the failed assertion, on the first problem.
"""

import os
import sys
import sysconfig
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "host.settings")
os.environ.setdefault("SRB_SQLITE_PATH", ":memory:")


def _inside(path, directory):
    return Path(path).resolve().is_relative_to(Path(directory).resolve())


def main():  # noqa: D103  (the module docstring says what this checks)
    site_packages = sysconfig.get_paths()["purelib"]

    import survey_report_banner  # pylint: disable=import-outside-toplevel

    assert _inside(survey_report_banner.__file__, site_packages), (
        f"survey_report_banner imported from {survey_report_banner.__file__}, not from {site_packages}"
    )

    import django  # pylint: disable=import-outside-toplevel

    django.setup()

    # pylint: disable=import-outside-toplevel
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.staticfiles import finders
    from django.core.management import call_command
    from django.template.utils import get_app_template_dirs
    from django.test import Client
    from django.test.utils import setup_test_environment

    assert "survey_report_banner.apps.SurveyReportBannerConfig" in settings.INSTALLED_APPS, (
        "edx-django-utils did not find the lms.djangoapp entry point"
    )
    engine = settings.TEMPLATES[0]
    assert "survey_report_banner.context_processors.survey_report_banner" in engine["OPTIONS"]["context_processors"]
    assert engine["OPTIONS"]["loaders"][0] == "survey_report_banner.template_loader.Loader"

    call_command("check", fail_level="WARNING")
    call_command("migrate", interactive=False, verbosity=0)

    # The host's loaders compile like edxmako (no origin), so look the template up in the app dirs.
    banner_templates = [
        directory / "survey_report_banner" / "banner.html" for directory in get_app_template_dirs("templates")
    ]
    for found in (
        next((str(path) for path in banner_templates if path.is_file()), None),
        finders.find("survey_report_banner/banner.css"),
        finders.find("survey_report_banner/banner.js"),
    ):
        assert found and _inside(found, site_packages), f"{found} is not an installed file"

    setup_test_environment()
    user = get_user_model().objects.create_user(
        "smoke-admin", "smoke-admin@example.com", "pw", is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(user)

    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="survey-report-banner"' in html, "no banner on /admin/"
    assert ">Send report</button>" in html and ">Dismiss</button>" in html
    assert "survey_report_banner/banner.css" in html

    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert ">Enviar informe</button>" in html and ">Descartar</button>" in html, "the Spanish catalog is not loaded"

    response = client.post("/survey-report-banner/send/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["status"] == "enqueued", response.content
    response = client.post("/survey-report-banner/dismiss/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["status"] == "dismissed", response.content
    assert 'id="survey-report-banner"' not in client.get("/admin/").content.decode()

    print(f"smoke test passed: survey_report_banner {survey_report_banner.__version__} from {site_packages}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
