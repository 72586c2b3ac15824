"""Account URLs at the base domain: the operators' two-step login in place of the plain one."""

from django.urls import path

from carehub.accounts.urls import urlpatterns as account_urls
from tenants.portal import sign_in as operator_views

urlpatterns = [
    path("login/", operator_views.login_view, name="login"),
    path("two-factor/", operator_views.two_factor_view, name="two_factor"),
    *[pattern for pattern in account_urls if pattern.name != "login"],
]
