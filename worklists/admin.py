from django.contrib import admin

from .models import SavedView


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "page", "updated_at"]
    list_filter = ["page"]
    search_fields = ["name", "owner__username"]
    raw_id_fields = ["owner"]
