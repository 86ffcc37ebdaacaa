from django.urls import path

from portfolios.exports import views
from portfolios.exports.revalidation import urls as revalidation_urls

# Mounted at the site root: the practitioner's pages sit under /portfolio/ beside the rest
# of the portfolio, and verification is public at /verify/.
app_name = "exports"
urlpatterns = [
    path("portfolio/exports/", views.export_list, name="list"),
    path("portfolio/exports/<int:pk>/", views.export_detail, name="detail"),
    path("portfolio/exports/<int:pk>/download/", views.export_download, name="download"),
    path("portfolio/exports/<int:pk>/retry/", views.export_retry, name="retry"),
    # Public: whoever holds a PDF can check it; no account needed.
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
    *revalidation_urls.urlpatterns,
]
