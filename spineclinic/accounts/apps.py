from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "spineclinic.accounts"
    verbose_name = "Accounts"
