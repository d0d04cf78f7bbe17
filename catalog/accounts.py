"""Logging in and out, safely on the open internet, and resetting a forgotten password.

The session framework's test cookie (tutorial part 7) tells a refused login apart from a
wrong password; a browser that blocks every cookie fails the CSRF check before the login
view runs, so the CSRF failure view tells it the same thing, on the same login page.

Guessing passwords is stopped by django-axes (settings: "Login lockout"): this module gives
it the client's address, its lockout page, and a backend that lets the test client log in.
Reset e-mails are limited per address, so the form cannot be used to flood a mailbox.
"""

import ipaddress
import unicodedata
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from . import mail
from .views import not_a_post, safe_next_url

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

    def get_redirect_url(self):
        return safe_next_url(self.request, default="")

    def get_form(self, form_class=None):
        if self.request.method == "POST" and not self.request.session.test_cookie_worked():
            return LoginForm.refused(self.request)
        return super().get_form(form_class)

    def form_valid(self, form):
        self.request.session.delete_test_cookie()
        response = super().form_valid(form)
        messages.success(self.request, f"You are logged in as {form.get_user().get_username()}.")
        return response

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


class LogoutView(auth_views.LogoutView):
    """Django's logout (by POST), going back to a `next` only when it is a path of this site.

    Opened by GET (an old bookmark), a page says the Logout button is in the header.
    """

    def get_redirect_url(self):
        return safe_next_url(self.request, default="")

    def http_method_not_allowed(self, request, *args, **kwargs):
        return not_a_post(request, way_back=reverse("index"))


# Login lockout (django-axes; the numbers are in settings.py).

LOCKED_OUT = (
    "Too many failed logins for this user name from your address: logging in to it from "
    "here is refused for {minutes} minutes. Please wait, then try again, or reset your "
    "password."
)


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, before any password is looked at: a locked-out pair is refused.

    Django's test client `login()` authenticates without a request, which axes cannot count
    (it raises): the check steps aside then, so every test suite's `login()` keeps working.
    Every login over HTTP, the site's and the admin's, comes with its request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class PermissionsBackend(ModelBackend):
    """Django's own backend, reading the logged-in user and their permissions (their own and
    their groups') with one plain query each: every logged-in page asks for both, and the
    ORM took longer to build these queries than the database to answer them."""

    def get_user(self, user_id):
        user_model = get_user_model()
        table = connection.ops.quote_name(user_model._meta.db_table)
        pk_column = connection.ops.quote_name(user_model._meta.pk.column)
        users = user_model._default_manager.raw(
            f"SELECT * FROM {table} WHERE {pk_column} = %s", [user_id]
        )
        user = next(iter(users), None)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            sql, params = permissions_sql(user_obj)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in cursor}
        return user_obj._perm_cache


def permissions_sql(user):
    """The query of a user's permissions ("app_label", "codename"): every one for a superuser,
    else those given to the user and to the groups they are in."""
    user_model = get_user_model()
    table = {
        "permission": Permission._meta.db_table,
        "content_type": ContentType._meta.db_table,
        "user_permissions": user_model.user_permissions.through._meta.db_table,
        "user_groups": user_model.groups.through._meta.db_table,
        "group_permissions": Group.permissions.through._meta.db_table,
    }
    sql = (
        f"SELECT ct.app_label, p.codename FROM {table['permission']} p"
        f" JOIN {table['content_type']} ct ON ct.id = p.content_type_id"
    )
    if user.is_superuser:
        return sql, []
    user_field = user_model.groups.field.m2m_column_name()
    sql += (
        f" WHERE p.id IN (SELECT permission_id FROM {table['user_permissions']}"
        f" WHERE {user_field} = %s)"
        f" OR p.id IN (SELECT gp.permission_id FROM {table['group_permissions']} gp"
        f" JOIN {table['user_groups']} ug ON ug.group_id = gp.group_id"
        f" WHERE ug.{user_field} = %s)"
    )
    return sql, [user.pk, user.pk]


def lockout_username(request, credentials):
    """The user name the lockout counts (AXES_USERNAME_CALLABLE), never longer than a user
    name can be: Django's login forms pass a typed name of any length on to authenticate."""
    if credentials:
        username = credentials.get("username")
    else:
        username = request.POST.get("username")
    max_length = get_user_model()._meta.get_field("username").max_length
    return (username or "")[:max_length]


def client_ip_address(request):
    """The visitor's address, as the lockout counts it (AXES_CLIENT_IP_CALLABLE).

    The socket's address, unless DJANGO_TRUSTED_PROXIES says N proxies stand in front: then
    the address the N-th proxy from here appended to X-Forwarded-For (the first N-1 entries
    from the right are the other proxies', those further left are whatever the client sent).
    """
    address = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies].strip()
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return address


def cool_off_minutes():
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: a page of the site saying to wait; nobody is logged in."""
    context = {"message": LOCKED_OUT.format(minutes=cool_off_minutes())}
    response = render(request, "registration/lockout.html", context, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


# Password reset: at most PASSWORD_RESET_LIMIT e-mails per address per hour.

PASSWORD_RESET_LIMIT = 3
PASSWORD_RESET_WINDOW = timedelta(hours=1)
PASSWORD_RESET_SENT = "Password reset e-mail sent to {address}"


def normalised_address(email):
    """An e-mail address as the limit counts it: upper and lower case are one address."""
    return unicodedata.normalize("NFKC", email).casefold()


def reset_mails_allowed(email, users):
    """The accounts among `users` (who share `email`) that may be sent a reset e-mail now.

    Each e-mail sent is recorded in the admin's history of the account (a LogEntry in the
    database, which every server shares), and the limit counts those of the last hour.
    Requests for one address wait for each other here, so a burst cannot slip past it.
    """
    if not users:
        return []
    marker = PASSWORD_RESET_SENT.format(address=normalised_address(email))
    user_model = get_user_model()
    with transaction.atomic():
        # Locks the accounts' rows (SQLite's immediate transactions lock the whole database).
        pks = list(
            user_model._default_manager.select_for_update()
            .filter(pk__in=[user.pk for user in users])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        sent = LogEntry.objects.filter(
            user_id__in=pks,
            change_message=marker,
            action_time__gte=timezone.now() - PASSWORD_RESET_WINDOW,
        ).count()
        allowed = users[: max(PASSWORD_RESET_LIMIT - sent, 0)]
        content_type = ContentType.objects.get_for_model(user_model)
        LogEntry.objects.bulk_create(
            LogEntry(
                user=user,
                content_type=content_type,
                object_id=str(user.pk),
                object_repr=str(user)[:200],
                action_flag=CHANGE,
                change_message=marker,
            )
            for user in allowed
        )
    return allowed


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, with a limit per address and a mail server allowed to fail.

    Whatever happens (unknown address, limit reached, mail refused) the visitor sees the same
    "sent" page, so the form never tells whether an address has an account.
    """

    def get_users(self, email):
        return reset_mails_allowed(email, list(super().get_users(email)))

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # A mail server that refuses or times out is logged at WARNING (catalog.mail).
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        mail.send_plain(to=to_email, subject=subject, body=body)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
