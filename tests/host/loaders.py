"""
Template loaders that behave like edxmako's: they ignore ``skip`` and lose the origin.

edxmako's ``MakoLoader.get_template`` finds the source itself and compiles Django templates with
``Engine.get_default().from_string(source)``. A template extending its own name therefore finds
itself again and recurses. These reproduce that so tests catch any design that relies on ``skip``.
"""

from django.template import Engine, TemplateDoesNotExist
from django.template.loaders import app_directories, filesystem


class _SkipIgnoringMixin:
    """Compile like edxmako: first source found, no ``skip``, ``from_string`` (origin lost)."""

    def get_template(self, template_name, skip=None):  # pylint: disable=unused-argument
        tried = []
        for origin in self.get_template_sources(template_name):
            try:
                source = self.get_contents(origin)
            except TemplateDoesNotExist:
                tried.append((origin, "Source does not exist"))
                continue
            return Engine.get_default().from_string(source)
        raise TemplateDoesNotExist(template_name, tried=tried)


class MakoFilesystemLoader(_SkipIgnoringMixin, filesystem.Loader):
    """Like ``common.djangoapps.edxmako.makoloader.MakoFilesystemLoader``."""


class MakoAppDirectoriesLoader(_SkipIgnoringMixin, app_directories.Loader):
    """Like ``common.djangoapps.edxmako.makoloader.MakoAppDirectoriesLoader``."""


class ThemeTemplateLoader(MakoFilesystemLoader):
    """Like ``openedx.core.djangoapps.theming.template_loaders.ThemeTemplateLoader``: no theme here."""

    def get_template_sources(self, template_name):
        return iter(())
