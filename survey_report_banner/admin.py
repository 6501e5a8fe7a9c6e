"""
Django admin for the banner: a read-only record of who dismissed it, and when.
"""

from django.contrib import admin

from .models import SurveyReportBannerDismissal


@admin.register(SurveyReportBannerDismissal)
class SurveyReportBannerDismissalAdmin(admin.ModelAdmin):
    """Read-only: dismissals are facts recorded by the banner, not something to edit."""

    list_display = ("user", "dismissed_at")
    list_filter = ("dismissed_at",)
    search_fields = ("user__username", "user__email")
    date_hierarchy = "dismissed_at"
    list_select_related = ("user",)
    readonly_fields = ("user", "dismissed_at")

    def has_add_permission(self, request):
        """Nobody adds dismissals by hand: only the banner's *Dismiss* button records them."""
        return False

    def has_change_permission(self, request, obj=None):
        """Dismissals are history: never edited."""
        return False

    def has_delete_permission(self, request, obj=None):
        """Deleting a dismissal would silently show the banner again; keep the record."""
        return False
