from django.urls import path

from register import views

app_name = "register"
urlpatterns = [
    path("admin/", views.admin_home, name="admin_home"),
]
