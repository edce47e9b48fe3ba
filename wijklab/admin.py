from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from wijklab.account_selectors import confirmed_device
from wijklab.audit_services import audit_record
from wijklab.models import (
    AuditEntry,
    AuditKind,
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


class SecondFactorAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's own log-in form has no code step: a person with an authenticator app signs in on
    Wijklab's log-in page (which asks the code) and comes back. Without an app, outside the local mode,
    staff are sent to set one up (wijklab.middleware.SecondFactorMiddleware)."""

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if confirmed_device(user) is not None:
            raise forms.ValidationError(
                _(
                    "Dit account gebruikt tweestapsverificatie. Log in op de inlogpagina van Wijklab "
                    "(die vraagt om je code) en open daarna /admin/ opnieuw."
                ),
                code="second_factor",
            )


admin.site.login_form = SecondFactorAdminAuthenticationForm


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

    # What decides what a person may do: a change of any of these is a role change in the audit log.
    ROLE_FIELDS = ("role", "is_staff", "is_superuser", "is_active", "groups", "user_permissions")

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        changed = [name for name in self.ROLE_FIELDS if name in form.changed_data]
        if change and changed:
            audit_record(
                kind=AuditKind.ROLE,
                actor=request.user,
                subject=obj,
                request=request,
                object_type="user",
                object_id=obj.pk,
                description=_("Rol of rechten gewijzigd in het beheer: %(fields)s (rol nu: %(role)s)."),
                params={"fields": ", ".join(changed), "role": obj.role},
            )


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


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: nobody changes or deletes an entry (the retention task alone removes old ones)."""

    list_display = ["created_at", "kind", "actor", "subject", "cohort", "description", "address"]
    list_filter = ["kind"]
    list_select_related = ["actor", "subject", "cohort"]
    search_fields = ["actor__username", "subject__username", "description"]
    date_hierarchy = "created_at"
    fields = ["created_at", "kind", "actor", "subject", "cohort", "object_type", "object_id", "description", "address"]
    readonly_fields = fields
    actions = None

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
