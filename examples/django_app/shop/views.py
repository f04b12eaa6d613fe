# shop/views.py
from django.shortcuts import render
from twostep.sdk.django.decorators import require_second_factor


@require_second_factor  # signed in, and a code given in this session
def home(request):
    return render(request, "home.html")
