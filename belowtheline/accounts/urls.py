from django.contrib.auth import views as auth_views
from django.urls import path

from belowtheline.accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    # Django's LogoutView answers POST only: a link or an <img> cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
