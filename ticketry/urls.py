from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.autodiscover()

urlpatterns = [
    path("admin/", admin.site.urls),
    path("agent/", include("ticketry.agent.urls")),
    path("", RedirectView.as_view(pattern_name="agent:dashboard", permanent=False)),
]
