"""
Tests of survey_report_banner.settings.common.plugin_settings, as the LMS calls it.
"""

from types import SimpleNamespace

from django.conf import settings as django_settings

from survey_report_banner.settings.common import (
    CONTEXT_PROCESSOR,
    GUARD_MIDDLEWARE,
    TEMPLATE_LOADER,
    UPSTREAM_CONTEXT_PROCESSOR,
    plugin_settings,
)

LMS_LOADERS = [
    "openedx.core.djangoapps.theming.template_loaders.ThemeTemplateLoader",
    "common.djangoapps.edxmako.makoloader.MakoFilesystemLoader",
    "common.djangoapps.edxmako.makoloader.MakoAppDirectoriesLoader",
]


def lms_like_settings():
    """TEMPLATES shaped like lms/envs/common.py: Django engine first, processors shared with Mako."""
    processors = ["django.template.context_processors.request", UPSTREAM_CONTEXT_PROCESSOR]
    return SimpleNamespace(TEMPLATES=[
        {"NAME": "django", "BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": False,
         "DIRS": ["lms/templates"], "OPTIONS": {"loaders": list(LMS_LOADERS), "context_processors": processors}},
        {"NAME": "mako", "BACKEND": "common.djangoapps.edxmako.backend.Mako", "APP_DIRS": False,
         "DIRS": ["lms/templates"], "OPTIONS": {"context_processors": processors}},
    ])


def test_lms_settings():
    settings = lms_like_settings()
    plugin_settings(settings)
    django, mako = settings.TEMPLATES
    assert django["OPTIONS"]["loaders"] == [TEMPLATE_LOADER] + LMS_LOADERS
    assert django["OPTIONS"]["context_processors"] == ["django.template.context_processors.request", CONTEXT_PROCESSOR]
    # The list is shared with the Mako engine and changed in place.
    assert mako["OPTIONS"]["context_processors"] is django["OPTIONS"]["context_processors"]
    assert "loaders" not in mako["OPTIONS"]


def test_idempotent():
    settings = lms_like_settings()
    plugin_settings(settings)
    plugin_settings(settings)
    options = settings.TEMPLATES[0]["OPTIONS"]
    assert options["loaders"].count(TEMPLATE_LOADER) == 1
    assert options["context_processors"].count(CONTEXT_PROCESSOR) == 1


def test_app_dirs_engine_gets_explicit_loaders():
    settings = SimpleNamespace(TEMPLATES=[{
        "BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {},
    }])
    plugin_settings(settings)
    engine = settings.TEMPLATES[0]
    assert engine["APP_DIRS"] is False
    assert engine["OPTIONS"]["loaders"] == [
        TEMPLATE_LOADER,
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]


def test_tuple_loaders_are_recognised():
    settings = SimpleNamespace(TEMPLATES=[{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {"loaders": [(TEMPLATE_LOADER,), "django.template.loaders.filesystem.Loader"]},
    }])
    plugin_settings(settings)
    assert len(settings.TEMPLATES[0]["OPTIONS"]["loaders"]) == 2


def test_no_django_engine_is_left_alone():
    settings = SimpleNamespace(TEMPLATES=[{"BACKEND": "common.djangoapps.edxmako.backend.Mako", "OPTIONS": {}}])
    plugin_settings(settings)
    assert settings.TEMPLATES == [{"BACKEND": "common.djangoapps.edxmako.backend.Mako", "OPTIONS": {}}]


def test_tuples_are_replaced_by_lists_everywhere_they_were_shared():
    processors = ("django.template.context_processors.request", UPSTREAM_CONTEXT_PROCESSOR)
    settings = SimpleNamespace(TEMPLATES=[
        {"BACKEND": "django.template.backends.django.DjangoTemplates",
         "OPTIONS": {"loaders": tuple(LMS_LOADERS), "context_processors": processors}},
        {"BACKEND": "common.djangoapps.edxmako.backend.Mako", "OPTIONS": {"context_processors": processors}},
    ])
    plugin_settings(settings)
    django, mako = settings.TEMPLATES
    assert django["OPTIONS"]["loaders"] == [TEMPLATE_LOADER, *LMS_LOADERS]
    assert django["OPTIONS"]["context_processors"] == ["django.template.context_processors.request", CONTEXT_PROCESSOR]
    assert mako["OPTIONS"]["context_processors"] is django["OPTIONS"]["context_processors"]


LMS_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]


def test_guard_middleware_appended_last_in_place_once():
    middleware = list(LMS_MIDDLEWARE)
    settings = SimpleNamespace(TEMPLATES=[], MIDDLEWARE=middleware)
    plugin_settings(settings)
    plugin_settings(settings)
    assert settings.MIDDLEWARE is middleware
    assert middleware == [*LMS_MIDDLEWARE, GUARD_MIDDLEWARE]


def test_guard_middleware_tuple_becomes_a_list():
    settings = SimpleNamespace(TEMPLATES=[], MIDDLEWARE=tuple(LMS_MIDDLEWARE))
    plugin_settings(settings)
    assert settings.MIDDLEWARE == [*LMS_MIDDLEWARE, GUARD_MIDDLEWARE]


def test_no_middleware_setting_is_left_alone():
    settings = SimpleNamespace(TEMPLATES=[])
    plugin_settings(settings)
    assert not hasattr(settings, "MIDDLEWARE")


def test_host_guard_runs_after_csrf_auth_and_messages():
    assert django_settings.MIDDLEWARE[-1] == GUARD_MIDDLEWARE
