# shop/views.py: SecondFactorMiddleware asks the second factor of a signed-in user on every
# view; who must be signed in is your own choice, as before (login_required).
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from twostep.sdk.django.decorators import require_second_factor, second_factor_exempt


@login_required
def home(request):
    return render(request, "home.html")


@require_second_factor  # signed in and a code given: for projects without the middleware
def account(request):
    return render(request, "home.html")


@second_factor_exempt  # a page every signed-in user reaches, code or not
def help_page(request):
    return render(request, "help.html")
