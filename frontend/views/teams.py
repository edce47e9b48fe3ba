"""Pages for this area; each module registers its menu items and overview panels."""

urlpatterns: list = []
