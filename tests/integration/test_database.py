"""
The app's schema on whichever database the suite runs on: SQLite (``make test-unit``) and MariaDB
through mysqlclient (``make test-mysql``, ``SRB_DB=mysql``). No service of their own beyond that.
"""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

APP = "survey_report_banner"
TABLES = {
    "survey_report_banner_surveyreportbannerdismissal",
    "survey_report_banner_surveyreportrequest",
    "survey_report_banner_surveyreportattempt",
}


def app_tables():
    return TABLES & set(connection.introspection.table_names())


def applied_migrations():
    return {name for app, name in MigrationExecutor(connection).loader.applied_migrations if app == APP}


@pytest.mark.django_db(transaction=True)
def test_migrations_reverse_to_zero_and_apply_again():
    leaves = {name for app, name in MigrationExecutor(connection).loader.graph.leaf_nodes() if app == APP}
    assert app_tables() == TABLES

    call_command("migrate", APP, "zero", verbosity=0)

    assert app_tables() == set()
    assert applied_migrations() == set()

    call_command("migrate", APP, verbosity=0)

    assert app_tables() == TABLES
    assert leaves <= applied_migrations()


@pytest.mark.django_db
def test_models_and_migrations_agree():
    """``makemigrations --check --dry-run``: exits non-zero when a model change has no migration."""
    try:
        call_command("makemigrations", APP, "survey_report", check=True, dry_run=True, verbosity=1)
    except SystemExit as exc:
        pytest.fail(f"makemigrations --check found model changes without a migration (exit {exc.code})")


@pytest.mark.mysql
@pytest.mark.django_db
def test_mariadb_test_database_is_utf8mb4_and_keeps_four_byte_characters():
    if connection.vendor != "mysql":
        pytest.skip("needs SRB_DB=mysql (make test-mysql)")
    from survey_report_banner.models import SurveyReportRequest  # pylint: disable=import-outside-toplevel

    assert connection.settings_dict["NAME"] == settings.DATABASES["default"]["TEST"]["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@character_set_database, @@collation_database, @@character_set_connection")
        charset, collation, connection_charset = cursor.fetchone()
    assert (charset, connection_charset) == ("utf8mb4", "utf8mb4")
    assert collation.startswith("utf8mb4_")
    row = SurveyReportRequest.objects.create(task_id="🚀 Señal ✓")
    assert SurveyReportRequest.objects.get(pk=row.pk).task_id == "🚀 Señal ✓"
