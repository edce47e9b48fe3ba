from django.contrib import admin

from teams.models import Duo, FormationRun, Membership, MembershipChange, SupervisionAssignment, Task, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["student", "joined_at", "left_at"]
    readonly_fields = ["joined_at"]
    raw_id_fields = ["student"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "assignment", "status", "created_at"]
    list_filter = ["status", "assignment__cohort"]
    search_fields = ["name", "assignment__title"]
    raw_id_fields = ["assignment", "created_by"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["student", "team", "cohort", "joined_at", "left_at"]
    list_filter = ["cohort"]
    search_fields = ["student__username", "student__display_name", "team__name"]
    raw_id_fields = ["student", "team"]


@admin.register(MembershipChange)
class MembershipChangeAdmin(admin.ModelAdmin):
    """The roster history is a record: read it, do not rewrite it."""

    list_display = ["created_at", "kind", "student", "from_team", "to_team", "by", "override"]
    list_filter = ["kind", "override"]
    search_fields = ["student__username", "student__display_name", "reason"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Duo)
class DuoAdmin(admin.ModelAdmin):
    list_display = ["team", "member_a", "role_a", "member_b", "role_b", "carries_youth_case"]
    raw_id_fields = ["team", "member_a", "member_b"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "phase", "status", "owner", "due_on"]
    list_filter = ["phase", "status"]
    search_fields = ["title", "team__name"]
    raw_id_fields = ["team", "owner", "created_by"]


@admin.register(FormationRun)
class FormationRunAdmin(admin.ModelAdmin):
    list_display = ["cohort", "kind", "status", "progress", "objective", "created_at", "published_at"]
    list_filter = ["status"]


@admin.register(SupervisionAssignment)
class SupervisionAssignmentAdmin(admin.ModelAdmin):
    list_display = ["supervisor", "team", "student", "created_by", "created_at"]
    list_select_related = ["supervisor", "team", "student", "created_by"]
    search_fields = ["supervisor__username", "supervisor__display_name", "team__name", "student__display_name"]
    raw_id_fields = ["supervisor", "team", "student", "created_by"]
