"""
Settings the LMS applies through the plugin system (see ``apps.SurveyReportBannerConfig.plugin_app``).
"""
