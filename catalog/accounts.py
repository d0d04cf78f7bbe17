"""Logging in with the test-cookie check, and what a browser that blocks cookies is told.

The session framework's test cookie (tutorial part 7) tells a refused login apart from a
wrong password; a browser that blocks every cookie fails the CSRF check before the login
view runs, so the CSRF failure view tells it the same thing, on the same login page.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .views import safe_next_url

COOKIES_REFUSED = "Your browser does not accept cookies. Please enable cookies and try again."


class LoginForm(AuthenticationForm):
    """Django's login form, refused as a whole when the browser sent no cookie back."""

    def __init__(self, request=None, *args, cookies_refused=False, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.cookies_refused = cookies_refused
        if cookies_refused:
            # Without cookies nobody can stay logged in: no field is checked, not even the
            # password, and the refusal is the form's only error.
            for field in self.fields.values():
                field.required = False

    @classmethod
    def refused(cls, request):
        """The form as this browser sent it, its user name kept, refused for want of cookies."""
        user_model = get_user_model()
        max_length = user_model._meta.get_field(user_model.USERNAME_FIELD).max_length
        username = request.POST.get("username", "")[:max_length]
        return cls(request, data={"username": username}, cookies_refused=True)

    def clean(self):
        if self.cookies_refused:
            raise ValidationError(COOKIES_REFUSED, code="cookies_refused")
        return super().clean()


class LoginView(auth_views.LoginView):
    """Django's login, plus the session framework's test-cookie check (tutorial part 7)."""

    form_class = LoginForm

    def get_form(self, form_class=None):
        if self.request.method == "POST" and not self.request.session.test_cookie_worked():
            return LoginForm.refused(self.request)
        return super().get_form(form_class)

    def form_valid(self, form):
        self.request.session.delete_test_cookie()
        return super().form_valid(form)

    def render_to_response(self, context, **response_kwargs):
        # Set whenever the form is shown, so the next POST can tell if cookies came back.
        self.request.session.set_test_cookie()
        return super().render_to_response(context, **response_kwargs)


@never_cache
def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a browser that blocks cookies gets the login page and says why."""
    # Over HTTPS Django checks the Referer before the cookie: a browser that sent no cookie
    # at all gets the cookies message whichever check refused it first.
    if reason == REASON_NO_CSRF_COOKIE or settings.CSRF_COOKIE_NAME not in request.COOKIES:
        request.session.set_test_cookie()
        context = {"form": LoginForm.refused(request), "next": safe_next_url(request, "")}
        return render(request, "registration/login.html", context, status=403)
    return render(request, "403_csrf.html", status=403)
