# shop/urls.py
from django.urls import include, path

from shop import views

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),  # your sign-in, as before
    path("twostep/", include("twostep.sdk.django.urls")),  # twostep:code, twostep:setup
    path("account/", views.account, name="account"),
    path("help/", views.help_page, name="help"),
    path("", views.home, name="home"),
]
