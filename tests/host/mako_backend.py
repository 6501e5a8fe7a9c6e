"""
A stand-in for edxmako's template backend: a second, non-Django engine, as the LMS has.

It finds nothing: it exists so that settings and checks can be tested against an engine list
whose only entry is not Django's, as with ``TEMPLATES = [{"BACKEND": "...edxmako.backend.Mako"}]``.
"""

from django.template import TemplateDoesNotExist
from django.template.backends.base import BaseEngine


class Mako(BaseEngine):
    """An engine that has no templates."""

    app_dirname = "templates"

    def __init__(self, params):
        params = params.copy()
        params.pop("OPTIONS", None)
        super().__init__(params)

    def from_string(self, template_code):
        """Mako sources are not compiled here."""
        raise TemplateDoesNotExist("host.mako_backend.Mako compiles no templates")

    def get_template(self, template_name):
        """No template is ever found."""
        raise TemplateDoesNotExist(template_name, backend=self)
