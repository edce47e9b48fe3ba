from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from wijklab.models import (
    Cohort,
    Competence,
    Neighbourhood,
    Notification,
    Organisation,
    PendingTask,
    School,
    StudentProfile,
    SupervisorProfile,
    User,
)


class StudentProfileInline(admin.StackedInline):
    model = StudentProfile
    can_delete = False
    filter_horizontal = ["competences"]


class SupervisorProfileInline(admin.StackedInline):
    model = SupervisorProfile
    can_delete = False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Wijklab"), {"fields": ("role", "display_name", "organisation")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Wijklab"), {"fields": ("role", "display_name", "email", "organisation")}),
    )
    list_display = ["username", "display_name", "role", "email", "is_active"]
    list_filter = ["role", "is_active", "organisation"]
    search_fields = ["username", "display_name", "email"]
    inlines = [StudentProfileInline, SupervisorProfileInline]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "city"]
    list_filter = ["sector"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "city"]
    search_fields = ["name"]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality"]
    list_filter = ["municipality"]


@admin.register(Competence)
class CompetenceAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "preferences_open"]
    filter_horizontal = ["coordinators"]


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "niveau", "school", "cohort"]
    list_filter = ["niveau", "school", "cohort"]
    list_select_related = ["user", "school", "cohort"]
    filter_horizontal = ["competences"]


@admin.register(SupervisorProfile)
class SupervisorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "school", "organisation"]
    list_filter = ["kind"]
    list_select_related = ["user", "school", "organisation"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]


@admin.register(PendingTask)
class PendingTaskAdmin(admin.ModelAdmin):
    # The arguments are left out: they may hold an invitation's link token.
    list_display = ["name", "created_at", "not_before", "attempts", "last_error"]
    fields = ["name", "created_at", "not_before", "attempts", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request: object) -> bool:
        return False
