"""
A template loader that adds the banner to Django admin without replacing the platform's page.

Why a loader and not a template override: the LMS keeps its own ``admin/base_site.html`` (custom
``userlinks``; Redwood's own banner) in ``lms/templates``, which wins over any app template, and
its edxmako loaders ignore Django's ``skip`` argument, so a template that extends its own name
recurses until ``RecursionError``. This loader, placed first by ``plugin_settings``, serves
``admin/base_site.html`` as a two-block wrapper that extends a private alias; asking for the alias
returns whatever ``admin/base_site.html`` the remaining loaders find (the platform's, a theme's,
or Django's). No template extends its own name, so nothing depends on ``skip``.
See docs/decisions/0001-admin-template-override.rst.

The LMS lists its loaders explicitly, so Django does not wrap them in its cached loader and every
render compiles its templates again. This loader keeps the templates it owns (the wrapper and our
``survey_report_banner/...`` templates, found through the other loaders so that themes still win)
compiled, as Django's cached loader would; the platform's own page is left to the platform.
"""

from django.template import Origin, Template, TemplateDoesNotExist
from django.template.loaders.base import Loader as BaseLoader

ADMIN_BASE_SITE = "admin/base_site.html"
PLATFORM_ALIAS = "survey_report_banner/platform/admin/base_site.html"
LOADER_PATH = "survey_report_banner.template_loader.Loader"

WRAPPER_SOURCE = (
    '{% extends "' + PLATFORM_ALIAS + '" %}{% load survey_report_banner %}'
    "{% block extrastyle %}{{ block.super }}"
    "{% if survey_report_banner.css_url %}"
    '<link rel="stylesheet" href="{{ survey_report_banner.css_url }}">'
    "{% endif %}{% endblock %}"
    "{% block extrahead %}{{ block.super }}"
    "{% if survey_report_banner.js_url %}"
    '<script src="{{ survey_report_banner.js_url }}" defer></script>'
    "{% endif %}{% endblock %}"
    "{% block messages %}{{ block.super }}"
    # Not {% include %}: the tag renders the banner once per state and language (rendering.py).
    "{% if survey_report_banner %}{% srb_banner %}{% endif %}"
    "{% endblock %}"
)
OWN_TEMPLATES_PREFIX = "survey_report_banner/"


class Loader(BaseLoader):
    """Serve ``admin/base_site.html`` as the banner wrapper, and its alias as the platform's page."""

    def __init__(self, engine):
        """Start with no compiled templates; they are compiled on first use."""
        super().__init__(engine)
        self._compiled = {}

    def reset(self):
        """Forget compiled templates (Django's autoreloader calls this when a template changes)."""
        self._compiled.clear()

    def get_template_sources(self, template_name):
        """Yield an origin only for the two names this loader owns."""
        if template_name in (ADMIN_BASE_SITE, PLATFORM_ALIAS):
            yield Origin(name=f"{LOADER_PATH}:{template_name}", template_name=template_name, loader=self)

    def get_contents(self, origin):
        """
        Return the wrapper's source, or for the alias the source of the next ``admin/base_site.html``.

        Reading the alias as text only happens when Django's cached loader wraps this one (it calls
        ``get_contents`` itself); otherwise ``get_template`` hands over the other loader's template.
        """
        if origin.template_name == ADMIN_BASE_SITE:
            return WRAPPER_SOURCE
        if origin.template_name == PLATFORM_ALIAS:
            for loader in self._other_loaders():
                for source in loader.get_template_sources(ADMIN_BASE_SITE):
                    try:
                        return loader.get_contents(source)
                    except TemplateDoesNotExist:
                        continue
        raise TemplateDoesNotExist(origin)

    def get_template(self, template_name, skip=None):
        """
        Return the wrapper for ``admin/base_site.html``; resolve the alias through the other loaders.

        The alias is looked up as ``admin/base_site.html`` in every loader of the engine except
        this one, in order, so themes and the platform's ``lms/templates`` keep their precedence.
        """
        if template_name == PLATFORM_ALIAS:
            return self._from_other_loaders(ADMIN_BASE_SITE, skip)
        if template_name == ADMIN_BASE_SITE:
            origin = next(self.get_template_sources(template_name))
            if skip and origin in skip:
                raise TemplateDoesNotExist(template_name, tried=[(origin, "Skipped to avoid recursion")])
            if template_name not in self._compiled:
                self._compiled[template_name] = Template(self.get_contents(origin), origin, template_name, self.engine)
            return self._compiled[template_name]
        if template_name.startswith(OWN_TEMPLATES_PREFIX) and not skip:
            if template_name not in self._compiled:
                self._compiled[template_name] = self._from_other_loaders(template_name)
            return self._compiled[template_name]
        raise TemplateDoesNotExist(template_name)

    def _from_other_loaders(self, template_name, skip=None):
        """The first of the other loaders' ``template_name``, as Django's engine would find it."""
        tried = []
        for loader in self._other_loaders():
            try:
                return loader.get_template(template_name, skip=skip)
            except TemplateDoesNotExist as exc:
                tried.extend(getattr(exc, "tried", []))
        raise TemplateDoesNotExist(template_name, tried=tried)

    def _other_loaders(self):
        """The engine's loaders without this one (looking inside Django's cached loader too)."""
        for loader in self.engine.template_loaders:
            if loader is self:
                continue
            children = getattr(loader, "loaders", None)
            if children is not None and any(child is self for child in children):
                yield from (child for child in children if child is not self)
            else:
                yield loader
