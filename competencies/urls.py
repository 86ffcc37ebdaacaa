from django.urls import path

import imhcpd.converters  # noqa: F401 - registers <code:…>
from competencies import views

app_name = "competencies"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("search/", views.search, name="search"),
    path("domains/<int:number>/", views.domain_detail, name="domain"),
    path("domains/<int:number>/level/<int:level>/", views.domain_detail, name="domain_level"),
    path("competencies/<code:code>/", views.competency_detail, name="competency"),
]
