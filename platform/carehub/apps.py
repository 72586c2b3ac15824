from django.apps import AppConfig


class CarehubConfig(AppConfig):
    name = "carehub"
    verbose_name = "Carehub"
