"""/teams/: membership (membership_views: services, invitations, consent, leaving) and the
team's picture (report_views: the team page, heat map, CSV and PDF)."""

from django.urls import path

from portfolios.teams import membership_views as m
from portfolios.teams import report_views as r

app_name = "teams"
urlpatterns = [
    # Membership
    path("", m.home, name="home"),
    path("new/", m.service_create, name="service_create"),
    path("<int:pk>/members/", m.members, name="members"),
    path("<int:pk>/members/invite/", m.invite, name="invite"),
    path("<int:pk>/invitations/<int:invitation>/withdraw/", m.withdraw, name="withdraw"),
    path("<int:pk>/invitations/<int:invitation>/resend/", m.resend, name="resend"),
    path("<int:pk>/members/<int:membership>/remove/", m.remove, name="remove"),
    path("<int:pk>/members/<int:membership>/lead/", m.make_lead, name="make_lead"),
    path("invitations/<str:token>/", m.accept, name="accept"),
    path("memberships/<int:membership>/", m.sharing, name="sharing"),
    path("memberships/<int:membership>/leave/", m.leave, name="leave"),
    # The team's picture (leads only)
    path("<int:pk>/", r.team, name="team"),
    path("<int:pk>/report.csv", r.report_csv, name="report_csv"),
    path("<int:pk>/report.pdf", r.report_pdf, name="report_pdf"),
]
