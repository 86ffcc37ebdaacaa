"""The CASE 1.1 REST paths, mounted at /ims/case/v1p1/ as the standard names them."""

from django.urls import path

from competencies import case_views

app_name = "case"
urlpatterns = [
    path("CFDocuments", case_views.documents, name="documents"),
    path("CFDocuments/<str:identifier>", case_views.document, name="document"),
    path("CFPackages/<str:identifier>", case_views.package, name="package"),
    path("CFItems/<str:identifier>", case_views.item, name="item"),
    path("CFRubrics/<str:identifier>", case_views.rubric, name="rubric"),
    path("CFAssociations/<str:identifier>", case_views.association, name="association"),
]
