from django.urls import path

from register.credentials import views

# Included under /register/credentials/ in the register's namespace.
urlpatterns = [
    path("issuer", views.issuer, name="credential_issuer"),
    path("jwks.json", views.jwks, name="credential_jwks"),
    path(
        "achievements/<uuid:document>/level-<int:level>",
        views.achievement,
        name="credential_achievement",
    ),
    path("status/<int:number>", views.status_list, name="credential_status"),
    path("badges/level-<int:level>.png", views.badge_image, name="credential_badge"),
    path("verify/", views.verify, name="credential_verify"),
    path("<uuid:jti>/credential.<str:fmt>", views.download, name="credential_download"),
]
