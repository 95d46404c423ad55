from django.contrib import admin

from knowledgehub import models


@admin.register(models.Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "order"]


@admin.register(models.CaseStudy)
class CaseStudyAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "state", "published_at", "is_demo"]
    list_filter = ["state", "kind", "themes"]
    search_fields = ["title", "summary"]
    autocomplete_fields = ["councils"]
    raw_id_fields = ["metrics", "author", "reviewed_by"]


@admin.register(models.Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_at"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["thread", "author", "created_at", "is_hidden"]
    list_filter = ["is_hidden"]
    raw_id_fields = ["thread", "author", "hidden_by"]


@admin.register(models.Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "council"]
    raw_id_fields = ["council", "managers"]


@admin.register(models.Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["title", "provider", "theme", "price_band", "is_active"]
    list_filter = ["theme", "price_band", "is_active"]


@admin.register(models.Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["offer", "council", "rating", "status", "verified_at"]
    list_filter = ["status"]
    raw_id_fields = ["offer", "council", "author", "moderated_by", "verified_by"]
