from django.urls import include, path

from parindex.web.admin_site import site as admin_site

urlpatterns = [
    path("quan-tri/", admin_site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("parindex.api.urls")),
    path("", include("parindex.surveys.urls")),
    path("", include("parindex.results.urls")),
    path("", include("parindex.web.urls")),
    path("", include("parindex.setup.urls")),
    path("", include("parindex.plans.urls")),
    path("", include("parindex.targets.urls")),
    path("", include("parindex.assessment.urls")),
]

# A database out of reach answers 503 (Retry-After), anything else 500: templates 503/500.html.
handler500 = "parindex.web.errors.server_error"
