"""The NinjaAPI at the root, and Django's error handlers for what Ninja never sees."""

from django.urls import path

from rosetta_ninja.api import api

urlpatterns = [path("", api.urls)]

handler400 = "rosetta_ninja.problems.bad_request"
handler404 = "rosetta_ninja.problems.not_found"
handler500 = "rosetta_ninja.problems.server_error"
