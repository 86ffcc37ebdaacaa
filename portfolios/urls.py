from django.urls import path

import imhcpd.converters  # noqa: F401 - registers <code:…>
from portfolios import data_views, evidence_views, plan_views, training_views, views
from portfolios.portable import views as portable_views

app_name = "portfolios"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("setup/", views.setup, name="setup"),
    path("profile/", views.profile, name="profile"),
    path("matrix/", views.matrix, name="matrix"),
    path("competencies/<code:code>/", views.competency, name="competency"),
    path("assess/<int:number>/", views.assess_domain, name="assess_domain"),
    path("evidence/", evidence_views.evidence_list, name="evidence_list"),
    path("evidence/new/", evidence_views.evidence_new, name="evidence_new"),
    path("evidence/new/<slug:kind>/", evidence_views.evidence_create, name="evidence_create"),
    path("evidence/<int:pk>/", evidence_views.evidence_detail, name="evidence_detail"),
    path("evidence/<int:pk>/edit/", evidence_views.evidence_edit, name="evidence_edit"),
    path("evidence/<int:pk>/delete/", evidence_views.evidence_delete, name="evidence_delete"),
    path("evidence/<int:pk>/archive/", evidence_views.evidence_archive, name="evidence_archive"),
    path("evidence/<int:pk>/restore/", evidence_views.evidence_restore, name="evidence_restore"),
    path(
        "evidence/<int:pk>/attachments/", evidence_views.attachment_upload, name="attachment_upload"
    ),
    path("attachments/<int:pk>/", evidence_views.attachment_download, name="attachment_download"),
    path(
        "attachments/<int:pk>/remove/", evidence_views.attachment_remove, name="attachment_remove"
    ),
    path("plan/", plan_views.plan, name="plan"),
    path("plan/new/", plan_views.goal_create, name="goal_create"),
    path("plan/<int:pk>/", plan_views.goal_edit, name="goal_edit"),
    path("plan/<int:pk>/delete/", plan_views.goal_delete, name="goal_delete"),
    path("plan/from-gap/<code:code>/", plan_views.goal_from_gap, name="goal_from_gap"),
    path("training/", training_views.training_for_gaps, name="training"),
    path(
        "training/<slug:code>/completed/",
        training_views.course_completed,
        name="training_completed",
    ),
    path("my-data/", data_views.my_data, name="my_data"),
    path("my-data/download.json", data_views.my_data_json, name="my_data_json"),
    path("my-data/download.zip", data_views.my_data_zip, name="my_data_zip"),
    path("my-data/portfolio.zip", portable_views.portfolio_zip, name="portfolio_zip"),
    path("format/v1.schema.json", portable_views.schema_v1, name="portfolio_schema_v1"),
    path("import/", portable_views.import_portfolio, name="import"),
    path("import/done/", portable_views.import_done, name="import_done"),
    path("delete-account/", data_views.delete_account, name="delete_account"),
]
