"""The site's URLs: the admin, accounts, the catalog, a health probe, / -> /catalog/ and
/favicon.ico -> the site's icon."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from catalog.accounts import LoginView, LogoutView, PasswordResetView
from catalog.views import favicon, healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("catalog/", include("catalog.urls")),
    path("", RedirectView.as_view(url="/catalog/", permanent=True)),
    # The site's own login (test cookie, lockout page), logout and password reset (a limit
    # per address) come before Django's own accounts URLs, which give the rest.
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
]
