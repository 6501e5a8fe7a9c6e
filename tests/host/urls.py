"""URLs of the host: admin, a non-admin page, LMS-style logout, and the plugin URLs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import include, path
from edx_django_utils.plugins import get_plugin_url_patterns


def dashboard(request):
    """A non-admin page rendered with the Django engine (context processors run here too)."""
    return TemplateResponse(request, "host/dashboard.html", {})


def health(request):  # pylint: disable=unused-argument
    """Liveness probe for the demo and browser tests."""
    return HttpResponse("ok")


urlpatterns = [
    path("admin/", admin.site.urls),
    # As lms/urls.py: upstream's survey report URLs, no namespace, before any plugin's URLs.
    path("survey_report/", include("openedx.features.survey_report.urls")),
    path("logout", auth_views.LogoutView.as_view(next_page="/admin/"), name="logout"),
    path("dashboard", dashboard, name="dashboard"),
    path("health", health),
] + get_plugin_url_patterns("lms.djangoapp")
