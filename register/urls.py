from django.urls import include, path

from register import views

app_name = "register"
urlpatterns = [
    path("", views.search, name="search"),
    path("entries/<str:number>/", views.entry, name="entry"),
    path("apply/", views.apply, name="apply"),
    path("apply/eligibility/", views.apply_eligibility, name="apply_eligibility"),
    path("apply/declarations/", views.apply_declarations, name="apply_declarations"),
    path("apply/endorsement/", views.apply_endorsement, name="apply_endorsement"),
    path("apply/references/", views.apply_references, name="apply_references"),
    path("apply/check/", views.apply_check, name="apply_check"),
    path("apply/submitted/", views.apply_submitted, name="apply_submitted"),
    path("apply/withdraw/", views.apply_withdraw, name="apply_withdraw"),
    path("entries/<str:number>/renew/", views.renew, name="renew"),
    path("endorsements/<int:pk>/", views.endorsement, name="endorsement"),
    path("references/<str:token>/", views.reference, name="reference"),
    path("admin/", views.admin_home, name="admin_home"),
    path("admin/entries/", views.admin_entries, name="admin_entries"),
    path("admin/applications/<int:pk>/", views.admin_application, name="admin_application"),
    path("admin/applications/<int:pk>/approve/", views.admin_approve, name="admin_approve"),
    path("admin/applications/<int:pk>/reject/", views.admin_reject, name="admin_reject"),
    path("credentials/", include("register.credentials.urls")),
]
