"""The site's URLs: the admin, accounts, the catalog, a health probe, / -> /catalog/."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from catalog.accounts import LoginView
from catalog.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("catalog/", include("catalog.urls")),
    path("", RedirectView.as_view(url="/catalog/", permanent=True)),
    # The login with the test-cookie check comes before Django's own accounts URLs.
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", healthz, name="healthz"),
]
