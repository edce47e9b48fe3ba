from django.contrib import admin

from supervision.models import (
    Criterion,
    FeedbackEntry,
    LevelDescriptor,
    Rubric,
    Score,
    SentMail,
)


class LevelDescriptorInline(admin.TabularInline):
    model = LevelDescriptor
    extra = 0
    max_num = 4


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "programme", "cohort", "position", "is_active"]
    list_filter = ["category", "is_active", "cohort"]
    search_fields = ["name", "programme"]
    inlines = [LevelDescriptorInline]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["name", "category", "programme", "cohort", "position", "is_active"]
    show_change_link = True


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "created_at"]
    inlines = [CriterionInline]


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    # Scores keep the wording they were given with; the admin shows, it does not rewrite.
    readonly_fields = ["criterion", "criterion_name", "category", "level", "descriptor"]
    can_delete = False


@admin.register(FeedbackEntry)
class FeedbackEntryAdmin(admin.ModelAdmin):
    list_display = ["date", "student", "author", "kind", "author_kind", "is_observation"]
    list_filter = ["kind", "author_kind", "is_observation"]
    list_select_related = ["student", "author"]
    search_fields = ["student__display_name", "author__display_name", "comment"]
    date_hierarchy = "date"
    raw_id_fields = ["student", "author", "team"]
    inlines = [ScoreInline]


@admin.register(SentMail)
class SentMailAdmin(admin.ModelAdmin):
    list_display = ["kind", "recipient", "key", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "key"]
