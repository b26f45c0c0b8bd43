from django.urls import path

from . import views

app_name = "governance"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<id:pk>/revoke/", views.delegation_revoke, name="delegation-revoke"),
]
