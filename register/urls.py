from django.urls import path

from register import views

app_name = "register"
urlpatterns = [
    path("", views.search, name="search"),
    path("entries/<str:number>/", views.entry, name="entry"),
    path("apply/", views.apply, name="apply"),
    path("entries/<str:number>/renew/", views.renew, name="renew"),
    path("endorsements/<int:pk>/", views.endorsement, name="endorsement"),
    path("references/<str:token>/", views.reference, name="reference"),
    path("admin/", views.admin_home, name="admin_home"),
    path("admin/entries/", views.admin_entries, name="admin_entries"),
    path("admin/applications/<int:pk>/", views.admin_application, name="admin_application"),
]
