# Filled in by its issue.
urlpatterns = []
