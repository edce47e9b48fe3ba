from django.contrib import admin
from django.http import HttpRequest

from assignments.models import Assignment, AssignmentCompetence, AssignmentRevision, Preference


class AssignmentCompetenceInline(admin.TabularInline):
    model = AssignmentCompetence
    extra = 1
    autocomplete_fields = ["competence"]


class AssignmentRevisionInline(admin.TabularInline):
    """The edit history is a record: shown, never edited."""

    model = AssignmentRevision
    extra = 0
    can_delete = False
    readonly_fields = ["changed_by", "changed_at", "changes"]

    def has_add_permission(self, request: HttpRequest, obj: Assignment | None = None) -> bool:
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "neighbourhood", "phase", "status", "requires_hbo", "starts_on"]
    list_filter = ["status", "phase", "requires_hbo", "cohort", "organisation"]
    search_fields = ["title", "description", "organisation__name", "neighbourhood__name"]
    list_select_related = ["organisation", "neighbourhood"]
    raw_id_fields = ["contact_person", "created_by"]
    readonly_fields = ["created_at", "updated_at", "published_at"]
    inlines = [AssignmentCompetenceInline, AssignmentRevisionInline]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["student", "rank", "assignment", "updated_at"]
    list_select_related = ["student", "assignment"]
    search_fields = ["student__username", "student__display_name", "assignment__title"]
    raw_id_fields = ["student", "assignment"]
