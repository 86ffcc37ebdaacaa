"""The root urlconf: the one module of imhcpd that knows the apps, to mount them."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_safe

from competencies.views import home
from imhcpd import views

admin.site.site_header = "IMH CPD administration"
admin.site.site_title = "IMH CPD admin"
# The admin signs in through allauth's login (its rate limits and two-factor step): Django's own
# form would let a password alone into /admin/, and checks passwords with no rate limit.
admin.site.login = secure_admin_login(require_safe(admin.site.login))

# allauth's own limits (logins, account emails) answer with the site's 429 page.
handler429 = "imhcpd.quotas.handler429"

pages = (
    [
        path("accessibility/", views.page, {"template": "accessibility"}, name="accessibility"),
        path("privacy/", views.page, {"template": "privacy"}, name="privacy"),
        path("contact/", views.page, {"template": "contact"}, name="contact"),
    ],
    "pages",
)

urlpatterns = [
    path("", home, name="home"),
    path("", include(pages)),
    path("health", views.ready, name="health"),
    path("health/live", views.live, name="health_live"),
    path("health/ready", views.ready, name="health_ready"),
    # The last step of the two-factor set-up, over allauth's page of the same name.
    path("accounts/", include("imhcpd.account_views")),
    path("accounts/", include("allauth.urls")),
    path("framework/", include("competencies.urls")),
    path("ims/case/v1p1/", include("competencies.case_urls")),
    path("register/", include("register.urls")),
    path("portfolio/", include("portfolios.urls")),
    path("supervision/", include("portfolios.supervision.urls")),
    path("teams/", include("portfolios.teams.urls")),
    path("", include("portfolios.exports.urls")),
    path("admin/", admin.site.urls),
]
