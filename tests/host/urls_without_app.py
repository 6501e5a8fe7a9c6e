"""URLs of the host without the plugin (``host.settings_without_app``): the same pages, no plugin URLs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.template.response import TemplateResponse
from django.urls import include, path


def dashboard(request):
    """The same non-admin page as ``host.urls.dashboard``."""
    return TemplateResponse(request, "host/dashboard.html", {})


urlpatterns = [
    path("admin/", admin.site.urls),
    # As lms/urls.py: upstream's survey report URLs, no namespace, before any plugin's URLs.
    path("survey_report/", include("openedx.features.survey_report.urls")),
    path("logout", auth_views.LogoutView.as_view(next_page="/admin/"), name="logout"),
    path("dashboard", dashboard, name="dashboard"),
]
