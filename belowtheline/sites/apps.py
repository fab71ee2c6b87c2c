from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "belowtheline.sites"
    label = "btl_sites"  # "sites" belongs to django.contrib.sites
    verbose_name = "Publications"
