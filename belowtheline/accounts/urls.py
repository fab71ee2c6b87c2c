from django.contrib.auth import views as auth_views
from django.urls import path

from belowtheline.accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    # Django's LogoutView answers POST only: a link or an <img> cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
