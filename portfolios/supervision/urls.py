from django.urls import path

from portfolios.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.home, name="home"),
    path("supervisors/", views.supervisors, name="supervisors"),
    path("supervisors/<int:pk>/resend/", views.supervision_resend, name="resend"),
    path("supervisors/<int:pk>/cancel/", views.supervision_cancel, name="cancel"),
    path("supervisors/<int:pk>/end/", views.supervision_end, name="end"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("supervisees/<int:pk>/", views.supervisee, name="supervisee"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("reviews/bulk/", views.bulk_sign_off, name="bulk"),
    path("evidence/<int:pk>/", views.reviewer_evidence, name="evidence"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("evidence/<int:pk>/submit/", views.evidence_submit, name="submit"),
    path("evidence/<int:pk>/comments/", views.comment, name="comment"),
    path("notifications/", views.notifications, name="notifications"),
    path("preferences/", views.preferences, name="preferences"),
]
