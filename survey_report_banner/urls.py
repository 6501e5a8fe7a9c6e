"""
URLs of the banner's buttons (Send report, Dismiss, Preview) and of the states its script polls.

The LMS mounts them through ``get_plugin_url_patterns``.
"""

from django.urls import path

from . import views

app_name = "survey_report_banner"

urlpatterns = [
    path("send/", views.send_report, name="send"),
    path("dismiss/", views.dismiss_banner, name="dismiss"),
    path("status/", views.report_status, name="status"),
    path("preview/", views.preview_report, name="preview"),
    path("preview/result/", views.preview_result, name="preview_result"),
]
