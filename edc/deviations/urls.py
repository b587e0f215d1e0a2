app_name = "deviations"
urlpatterns: list = []
