from django.urls import path

from billing.portal import views

app_name = "billing"
urlpatterns = [
    path("plans/", views.plans, name="plans"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/draft/", views.draft, name="draft"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("units/<slug:slug>/subscription/", views.subscribe, name="subscribe"),
]
