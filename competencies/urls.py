from django.urls import path, register_converter

from competencies import views


class CodeConverter:
    regex = r"[0-9]+\.[0-9]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CodeConverter, "code")

app_name = "competencies"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("search/", views.search, name="search"),
    path("domains/<int:number>/", views.domain_detail, name="domain"),
    path("domains/<int:number>/level/<int:level>/", views.domain_detail, name="domain_level"),
    path("competencies/<code:code>/", views.competency_detail, name="competency"),
]
