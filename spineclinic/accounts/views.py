from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from spineclinic.accounts import actions, mfa
from spineclinic.accounts.forms import LoginForm, TotpCodeForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponseBase:
    return auth_views.LogoutView.as_view()(request)


def _next_url(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return "/"
    return target


@login_required
def mfa_verify(request: HttpRequest) -> HttpResponse:
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("accounts:mfa_setup")
    form = TotpCodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        otp_login(request, device)
        return redirect(_next_url(request))
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _next_url(request)})


@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    if mfa.has_confirmed_device(request.user):
        messages.info(request, "Two-factor authentication is already set up.")
        return redirect("accounts:security")
    device = mfa.pending_device(request.user)
    form = TotpCodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        actions.do_confirm_totp_device(device, by=request.user)
        otp_login(request, device)
        messages.success(request, "Two-factor authentication is on for your account.")
        return redirect(_next_url(request))
    context = {
        "form": form,
        "secret": mfa.secret_base32(device),
        "qr_svg": mfa.qr_svg(device),
        "next": _next_url(request),
    }
    return render(request, "accounts/mfa_setup.html", context)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    context = {"has_mfa": mfa.has_confirmed_device(request.user)}
    return render(request, "accounts/security.html", context)
