"""
Settings of the host project, shaped like the LMS's ``lms/envs/common.py`` where it matters:

* ``INSTALLED_APPS``: platform apps (admin first), then plugin apps appended by edx-django-utils;
* ``TEMPLATES[0]``: the Django engine, ``APP_DIRS`` False, ``DIRS`` starting with the platform's
  templates (its own ``admin/base_site.html``), edxmako-like loaders that ignore ``skip``;
* ``add_plugins(...)`` at the end, so the plugin's ``plugin_settings`` runs as in the LMS.

Environment variables pick real services for the integration tiers and the demo:
``SRB_DB`` (``sqlite``/``mysql``), ``SRB_CACHE`` (``locmem``/``redis``), ``SRB_BROKER_URL``,
``SRB_CELERY_QUEUE``, ``SRB_ANONYMOUS``, ``SRB_SEND_TIMEOUT``; ``tests/host/processes.py`` sets them
for the processes it starts.
"""

import os
from pathlib import Path

from edx_django_utils.plugins import add_plugins, get_plugin_apps

HOST_DIR = Path(__file__).resolve().parent
BASE_DIR = HOST_DIR.parent
LMS = "lms.djangoapp"

SECRET_KEY = os.environ.get("SRB_SECRET_KEY", "host-project-not-secret")
DEBUG = os.environ.get("SRB_DEBUG", "") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "host.urls"
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("SRB_STATIC_ROOT", str(BASE_DIR.parent / ".static"))
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LMS_BASE = os.environ.get("SRB_LMS_BASE", "127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "waffle",
    "openedx.features.survey_report",
]
# As lms/envs/common.py does: plugin apps come after every platform app, admin included.
INSTALLED_APPS.extend(get_plugin_apps(LMS))

MIDDLEWARE = [
    # As the LMS: edx-toggles memoises switches per request in this cache.
    "edx_django_utils.cache.middleware.RequestCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "waffle.middleware.WaffleMiddleware",
]

# One list object shared by the Django and (in the LMS) Mako engines.
CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.template.context_processors.static",
    "django.template.context_processors.i18n",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "openedx.features.survey_report.context_processors.admin_extra_context",
]
TEMPLATES = [
    {
        "NAME": "django",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HOST_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "loaders": [
                "host.loaders.ThemeTemplateLoader",
                "host.loaders.MakoFilesystemLoader",
                "host.loaders.MakoAppDirectoriesLoader",
            ],
            "context_processors": CONTEXT_PROCESSORS,
        },
    },
]

DB_ENGINE = os.environ.get("SRB_DB", "sqlite")
if DB_ENGINE == "mysql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "NAME": os.environ.get("SRB_MYSQL_NAME", "survey_report_banner"),
            "USER": os.environ.get("SRB_MYSQL_USER", "root"),
            "PASSWORD": os.environ.get("SRB_MYSQL_PASSWORD", ""),
            "HOST": os.environ.get("SRB_MYSQL_HOST", "127.0.0.1"),
            "PORT": os.environ.get("SRB_MYSQL_PORT", "3306"),
            "OPTIONS": {"charset": "utf8mb4"},
            # As Tutor's LMS (config/partials/auth.yml): every view runs in one transaction.
            "ATOMIC_REQUESTS": True,
            # Created by the test runner (the user needs CREATE/DROP), utf8mb4 whatever the server default.
            "TEST": {
                "NAME": os.environ.get("SRB_MYSQL_TEST_NAME", "test_survey_report_banner"),
                "CHARSET": "utf8mb4",
                "COLLATION": "utf8mb4_unicode_ci",
            },
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SRB_SQLITE_PATH", str(BASE_DIR.parent / ".host.sqlite3")),
            "OPTIONS": {"timeout": 20},
            "ATOMIC_REQUESTS": True,
        }
    }

if os.environ.get("SRB_CACHE") == "redis":
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("SRB_CACHE_URL", "redis://127.0.0.1:6379/14"),
        "KEY_PREFIX": os.environ.get("SRB_CACHE_PREFIX", "srb"),
    }}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery, as the LMS configures it (lms.celery reads CELERY_* settings).
CELERY_BROKER_URL = os.environ.get("SRB_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = os.environ.get("SRB_CELERY_EAGER", "") == "1"
CELERY_TASK_IGNORE_RESULT = True
# One queue per integration-test run or demo, so workers of concurrent runs never take each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("SRB_CELERY_QUEUE", "celery")
# Celery's default is 120 s. With AMQP heartbeats on, a RabbitMQ worker takes ~10 s to shut down, so the
# short-lived processes of the integration tests and the demo (tests/host/processes.py) turn them off (0).
CELERY_BROKER_HEARTBEAT = int(os.environ.get("SRB_BROKER_HEARTBEAT", "120"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# edx-platform's survey report settings (openedx/features/survey_report).
SURVEY_REPORT_ENABLE = True
SURVEY_REPORT_CHECK_THRESHOLD = 6
SURVEY_REPORT_ENDPOINT = os.environ.get("SRB_REPORT_ENDPOINT", "http://127.0.0.1:9/survey_report/")
SURVEY_REPORT_EXTRA_DATA = {}
# SRB_ANONYMOUS=0 (the demo's SRB_DEMO_ANONYMOUS=0): the report names the site (LMS_BASE), as
# openedx-platform does by default, so the banner's "What is sent" can be seen saying so.
ANONYMOUS_SURVEY_REPORT = os.environ.get("SRB_ANONYMOUS", "1") != "0"
# The scheduler's send deadline, shortened by the integration tests that run it against a silent endpoint.
if os.environ.get("SRB_SEND_TIMEOUT"):
    SURVEY_REPORT_BANNER_SEND_TIMEOUT = float(os.environ["SRB_SEND_TIMEOUT"])
# With it, how long a Preview may wait in the queue: shortened by the test of a count whose worker dies.
if os.environ.get("SRB_PREVIEW_QUEUE_TIMEOUT"):
    SURVEY_REPORT_BANNER_PREVIEW_QUEUE_TIMEOUT = float(os.environ["SRB_PREVIEW_QUEUE_TIMEOUT"])

LOGIN_URL = "/admin/login/"

# New passwords use Django's default (PBKDF2). MD5 is listed only so that the test suite, which
# hashes its fixture users' passwords with MD5 for speed, can log them in to a served host.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]

# Last, as in lms/envs/common.py: let plugins adjust these settings.
add_plugins(__name__, LMS, "common")
