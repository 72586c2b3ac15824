from django.urls import path

from tenants.portal import support as portal_views

app_name = "support"
urlpatterns = [
    path("", portal_views.support_page, name="page"),
    path("grant/", portal_views.grant, name="grant"),
    path("revoke/", portal_views.revoke, name="revoke"),
    path("exports/<int:pk>/", portal_views.download, name="download"),
    path("enter/<str:token>/", portal_views.enter, name="enter"),
]
