"""
Shared fixtures: users of every role, a clean cache, the report task's broker queue, a report endpoint.

The host project (``tests/host``) is the Django project under test; see its settings module.
"""

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client
from edx_django_utils.cache import RequestCache
from openedx.features.survey_report.models import SURVEY_REPORT_GENERATED, SurveyReport, SurveyReportUpload
from waffle.models import Switch

from host.receiver import ReportReceiver
from survey_report_banner.toggles import DISABLE_BANNER_SWITCH

ROLES = {
    # name: (is_active, is_staff, is_superuser)
    "active_user": (True, False, False),
    "staff": (True, True, False),
    "superuser_without_staff": (True, False, True),
    "staff_superuser": (True, True, True),
    "inactive_staff_superuser": (False, True, True),
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness costs ~0.3 s per fixture user; tests need no such protection."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _clear_caches():
    """Each test starts with empty caches (banner decisions, waffle switches, edx-toggles' request cache)."""
    for cache in caches.all():
        cache.clear()
    RequestCache.clear_all_namespaces()
    yield
    for cache in caches.all():
        cache.clear()
    RequestCache.clear_all_namespaces()


def make_user(username, is_active=True, is_staff=False, is_superuser=False):
    """Create a user with the given flags and password ``pw``."""
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password="pw",
        is_staff=is_staff, is_superuser=is_superuser,
    )
    if not is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user


def make_report(created_at, state=SURVEY_REPORT_GENERATED, uploads=None):
    """
    A report row as upstream's task leaves it, created (``save()``) at ``created_at``.

    ``uploads`` are the HTTP statuses of its ``SurveyReportUpload`` rows; by default a
    ``generated`` report was delivered (one 200), as upstream's task leaves a report it sent.
    """
    with time_machine.travel(created_at, tick=False):
        report = SurveyReport.objects.create(state=state)
        if uploads is None:
            uploads = [200] if state == SURVEY_REPORT_GENERATED else []
        for code in uploads:
            SurveyReportUpload.objects.create(report=report, status_code=code)
    return report


def client_for(role):
    """A test client logged in with one of ROLES (or anonymous for "anonymous")."""
    client = Client()
    if role != "anonymous":
        active, staff, superuser_flag = ROLES[role]
        client.force_login(make_user(role, is_active=active, is_staff=staff, is_superuser=superuser_flag))
    return client


@pytest.fixture
def superuser(db):
    """An active staff superuser: the banner's audience."""
    return make_user("admin", is_staff=True, is_superuser=True)


@pytest.fixture
def other_superuser(db):
    """A second active staff superuser."""
    return make_user("admin2", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(superuser):
    """A client logged in as the staff superuser (CSRF not enforced; see csrf_client)."""
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def switch_on(db):
    """Turn the kill switch on, as ``waffle_switch ... on --create`` does."""
    Switch.objects.update_or_create(name=DISABLE_BANNER_SWITCH, defaults={"active": True})


def _drain(app=None):
    """Take every message waiting in the host's in-memory broker queue, in order."""
    from host.celery import APP  # pylint: disable=import-outside-toplevel

    app = app or APP
    messages = []
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue(app.conf.task_default_queue, no_ack=True)
        try:
            while True:
                try:
                    messages.append(queue.get(block=False))
                except queue.Empty:
                    break
        finally:
            queue.close()
    return app, messages


def broker_messages(app=None):
    """Drain and return the task names waiting in the host's in-memory broker queue."""
    return [message.headers.get("task") for message in _drain(app)[1]]


@pytest.fixture
def broker(db):
    """The in-memory broker queue, empty at the start; call it to drain and read task names."""
    broker_messages()
    return broker_messages


def run_queued_tasks(app=None):
    """Act as a worker: take every task waiting in the in-memory broker queue and run it here, in order."""
    app, messages = _drain(app)
    for message in messages:
        args, kwargs, _embed = message.payload
        app.tasks[message.headers["task"]].apply(args=args, kwargs=kwargs, task_id=message.headers["id"])
    return [message.headers["task"] for message in messages]


@pytest.fixture
def worker(db):
    """The in-memory broker queue, empty at the start; call it to run what was queued (as a worker would)."""
    broker_messages()
    return run_queued_tasks


@pytest.fixture
def receiver(settings):
    """A real survey report endpoint on loopback, wired as SURVEY_REPORT_ENDPOINT."""
    with ReportReceiver() as server:
        settings.SURVEY_REPORT_ENDPOINT = server.endpoint
        yield server


@pytest.fixture
def refusing_receiver(receiver):
    """The same endpoint, answering 500 to every report."""
    receiver.status = 500
    return receiver


# Issue 20: values of the report task and model settings that name no usable task or model, each
# alone, with the system check that names it and the words it says (also what the command says).
UNUSABLE_SETTINGS = [
    ("SURVEY_REPORT_BANNER_TASK", None, "W002", "SURVEY_REPORT_BANNER_TASK = None is not a dotted path"),
    ("SURVEY_REPORT_BANNER_TASK", 123, "W002", "SURVEY_REPORT_BANNER_TASK = 123 is not a dotted path"),
    ("SURVEY_REPORT_BANNER_TASK", "", "W002", "SURVEY_REPORT_BANNER_TASK = '' is not a dotted path"),
    ("SURVEY_REPORT_BANNER_TASK", "json.dumps", "W002",
     "The survey report task 'json.dumps' is not a Celery task but a function"),
    ("SURVEY_REPORT_BANNER_TASK", "no_such_module.generate_survey_report", "W002",
     "The survey report task 'no_such_module.generate_survey_report' cannot be imported: "
     "No module named 'no_such_module'"),
    ("SURVEY_REPORT_BANNER_REPORT_MODEL", None, "W003",
     "SURVEY_REPORT_BANNER_REPORT_MODEL = None is not an app_label.ModelName label"),
    ("SURVEY_REPORT_BANNER_REPORT_MODEL", 123, "W003",
     "SURVEY_REPORT_BANNER_REPORT_MODEL = 123 is not an app_label.ModelName label"),
    ("SURVEY_REPORT_BANNER_REPORT_MODEL", "", "W003",
     "SURVEY_REPORT_BANNER_REPORT_MODEL = '' is not an app_label.ModelName label"),
    ("SURVEY_REPORT_BANNER_REPORT_MODEL", "auth.Group", "W003",
     "The survey report model 'auth.Group' has no created_at or state field"),
    ("SURVEY_REPORT_BANNER_REPORT_MODEL", "no_such_app.SurveyReport", "W003",
     "The survey report model 'no_such_app.SurveyReport' is not installed"),
]
UNUSABLE_IDS = [f"{name.rsplit('_', 1)[1].lower()}={value!r}" for name, value, _id, _message in UNUSABLE_SETTINGS]
