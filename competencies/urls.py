from django.urls import path

import imhcpd.converters  # noqa: F401 - registers <code:…>
from competencies import views
from competencies.catalogue import views as catalogue_views

app_name = "competencies"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("search/", views.search, name="search"),
    path("domains/<int:number>/", views.domain_detail, name="domain"),
    path("domains/<int:number>/level/<int:level>/", views.domain_detail, name="domain_level"),
    path("competencies/<code:code>/", views.competency_detail, name="competency"),
    path("training/", catalogue_views.course_list, name="training"),
    path("training/<slug:code>/", catalogue_views.course_detail, name="course"),
]
