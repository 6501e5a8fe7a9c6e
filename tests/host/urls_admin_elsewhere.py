"""A URL conf whose admin site lives at /backoffice/: the banner must follow reverse()."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("backoffice/", admin.site.urls)]
