"""Revalidation pages, mounted inside the exports URLconf (names `exports:revalidation…`)."""

from django.urls import path

from portfolios.exports.revalidation import calendar_views, document_views, record_views, views

urlpatterns = [
    path("portfolio/revalidation/", views.tracker, name="revalidation"),
    path("portfolio/revalidation/settings/", views.settings_edit, name="revalidation_settings"),
    *record_views.urlpatterns,
    *document_views.urlpatterns,
    *calendar_views.urlpatterns,
]
