"""The root urlconf: the one module of imhcpd that knows the apps, to mount them."""

from django.contrib import admin
from django.urls import include, path

from competencies.views import home
from imhcpd import views

admin.site.site_header = "IMH CPD administration"
admin.site.site_title = "IMH CPD admin"

# allauth's own limits (logins, account emails) answer with the site's 429 page.
handler429 = "imhcpd.quotas.handler429"

urlpatterns = [
    path("", home, name="home"),
    path("health", views.ready, name="health"),
    path("health/live", views.live, name="health_live"),
    path("health/ready", views.ready, name="health_ready"),
    path("accounts/", include("allauth.urls")),
    path("framework/", include("competencies.urls")),
    path("register/", include("register.urls")),
    path("portfolio/", include("portfolios.urls")),
    path("supervision/", include("portfolios.supervision.urls")),
    path("", include("portfolios.exports.urls")),
    path("admin/", admin.site.urls),
]
