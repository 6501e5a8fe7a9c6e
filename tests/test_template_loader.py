"""
Tests of survey_report_banner.template_loader under LMS-like, skip-ignoring loaders.
"""

import pytest
from django.template import TemplateDoesNotExist, engines
from django.template.backends.django import DjangoTemplates
from django.test import RequestFactory

from survey_report_banner.template_loader import ADMIN_BASE_SITE, PLATFORM_ALIAS, WRAPPER_SOURCE, Loader


def render_base_site(engine, context=None):
    """Render admin/base_site.html with a minimal admin context."""
    request = RequestFactory().get("/admin/")
    from django.contrib.auth.models import AnonymousUser
    request.user = AnonymousUser()
    return engine.get_template(ADMIN_BASE_SITE).render(context or {}, request)


class TestWithHostEngine:
    """The host's engine: our loader first, then edxmako-like loaders that ignore ``skip``."""

    def test_loader_is_first(self):
        loaders = engines["django"].engine.template_loaders
        assert isinstance(loaders[0], Loader)
        assert [type(loader).__name__ for loader in loaders[1:]] == [
            "ThemeTemplateLoader", "MakoFilesystemLoader", "MakoAppDirectoriesLoader",
        ]

    def test_admin_base_site_is_the_wrapper(self):
        template = engines["django"].get_template(ADMIN_BASE_SITE)
        assert template.origin.name == f"survey_report_banner.template_loader.Loader:{ADMIN_BASE_SITE}"

    def test_alias_is_the_platform_template(self):
        template = engines["django"].engine.get_template(PLATFORM_ALIAS)
        # edxmako-style loaders compile from a string: the platform's source is what we got.
        assert "platform-userlinks-logout" in template.source

    @pytest.mark.django_db
    def test_renders_without_recursion_and_keeps_platform_blocks(self):
        html = render_base_site(engines["django"])
        assert 'id="platform-userlinks-logout"' not in html  # userlinks show only for logged-in users
        assert '<h1 id="site-name">' in html  # the platform's branding block
        assert 'id="content"' in html  # Django's admin/base.html at the bottom of the chain

    def test_self_extension_would_recurse_here(self, tmp_path, settings):
        """Proves the host is faithful: a naive self-extending override recurses under its loaders."""
        naive = tmp_path / "admin" / "base_site.html"
        naive.parent.mkdir()
        naive.write_text('{% extends "admin/base_site.html" %}{% block messages %}x{% endblock %}')
        host_engine = dict(settings.TEMPLATES[0])
        host_engine["DIRS"] = [tmp_path] + list(host_engine["DIRS"])
        host_engine["OPTIONS"] = dict(host_engine["OPTIONS"], loaders=host_engine["OPTIONS"]["loaders"][1:])
        settings.TEMPLATES = [host_engine]
        with pytest.raises(RecursionError):
            engines["django"].get_template(ADMIN_BASE_SITE).render({})


class TestInOtherEngines:
    """Stock Django set-ups: the cached loader, APP_DIRS-style loaders, no platform override."""

    def make_engine(self, loaders):
        return DjangoTemplates({
            "NAME": "other", "DIRS": [], "APP_DIRS": False, "OPTIONS": {"loaders": loaders},
        }).engine

    def test_inside_cached_loader_without_platform_template(self):
        engine = self.make_engine([("django.template.loaders.cached.Loader", [
            "survey_report_banner.template_loader.Loader",
            "django.template.loaders.app_directories.Loader",
        ])])
        template = engine.get_template(ADMIN_BASE_SITE)
        assert template.source == WRAPPER_SOURCE
        # The alias falls through to django.contrib.admin's own base_site.html.
        alias = engine.get_template(PLATFORM_ALIAS)
        assert '{% extends "admin/base.html" %}' in alias.source and "site_header" in alias.source

    def test_alias_missing_everywhere(self):
        engine = self.make_engine(["survey_report_banner.template_loader.Loader"])
        with pytest.raises(TemplateDoesNotExist):
            engine.get_template(PLATFORM_ALIAS)

    def test_other_names_are_not_served(self):
        engine = self.make_engine(["survey_report_banner.template_loader.Loader"])
        with pytest.raises(TemplateDoesNotExist):
            engine.get_template("admin/base.html")


@pytest.mark.django_db
def test_quince_platform_without_the_upstream_banner(tmp_path, settings, admin_client):
    """Releases before Redwood: no upstream include in base_site.html, no upstream processor."""
    platform = tmp_path / "admin" / "base_site.html"
    platform.parent.mkdir()
    platform.write_text(
        '{% extends "admin/base.html" %}'
        '{% block userlinks %}<a id="quince-userlinks" href="/logout">Log out</a>{% endblock %}'
    )
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [tmp_path]
    engine["OPTIONS"] = dict(engine["OPTIONS"], context_processors=[
        p for p in engine["OPTIONS"]["context_processors"] if not p.startswith("openedx.")
    ])
    settings.TEMPLATES = [engine]
    html = admin_client.get("/admin/").content.decode()
    assert 'id="quince-userlinks"' in html
    assert html.count('id="survey-report-banner"') == 1
