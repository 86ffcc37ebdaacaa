from django.contrib import admin
from django.urls import include, path

from imhcpd import views
from portfolios import export_views

admin.site.site_header = "IMH CPD administration"
admin.site.site_title = "IMH CPD admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("framework/", include("competencies.urls")),
    path("register/", include("register.urls")),
    path("portfolio/", include("portfolios.urls")),
    path("supervision/", include("portfolios.supervision_urls")),
    # Public: whoever holds a PDF can check it; no account needed.
    path("verify/", export_views.verify, name="verify"),
    path("verify/<str:code>/", export_views.verify_code, name="verify_code"),
    path("admin/", admin.site.urls),
]
