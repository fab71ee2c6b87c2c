"""Django admin for the reader's side. Published rules versions are read-only here: the
service `publish_rules_version` is the only way a draft becomes the rules."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from belowtheline import text as typed_text
from belowtheline.admin_base import ReadOnlyAdmin
from belowtheline.discussion import services
from belowtheline.discussion.models import Article, Comment, Rule, RulesVersion
from belowtheline.errors import BtlError


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "site", "comment_mode", "comment_count", "published_at"]
    list_filter = ["site", "comment_mode"]
    search_fields = ["title", "canonical_url"]
    readonly_fields = ["comment_count"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    """A window for looking things up. Changes go through the moderation tools (next issue)."""

    list_display = ["pk", "article", "author", "status", "created_at", "recommendation_count"]
    list_filter = ["site", "status"]
    search_fields = ["text", "author__username", "author__display_name"]


class RuleForm(forms.ModelForm):
    """Rules are read by every commenter: the same rule for typed text as a comment's."""

    class Meta:
        model = Rule
        fields = ["number", "title", "text"]

    def _typed(self, field: str) -> str:
        value = self.cleaned_data.get(field, "")
        refused = typed_text.problem(value)
        if refused is not None:
            raise forms.ValidationError(refused[1])
        return value

    def clean_title(self) -> str:
        return self._typed("title")

    def clean_text(self) -> str:
        return self._typed("text")


class RuleInline(admin.StackedInline):
    model = Rule
    form = RuleForm
    extra = 1
    fields = ["number", "title", "text"]

    def _frozen(self, obj: RulesVersion | None) -> bool:
        return obj is not None and obj.is_published

    def has_add_permission(self, request: HttpRequest, obj: RulesVersion | None = None) -> bool:
        return not self._frozen(obj)

    def has_change_permission(self, request: HttpRequest, obj: RulesVersion | None = None) -> bool:
        return not self._frozen(obj)

    def has_delete_permission(self, request: HttpRequest, obj: RulesVersion | None = None) -> bool:
        return not self._frozen(obj)


@admin.register(RulesVersion)
class RulesVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "site", "number", "published_at"]
    list_filter = ["site"]
    inlines = [RuleInline]
    actions = ["publish"]

    def has_change_permission(self, request: HttpRequest, obj: RulesVersion | None = None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: RulesVersion | None = None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        for rule in formset.save(commit=False):
            rule.site_id = form.instance.site_id
            rule.save()
        for rule in formset.deleted_objects:
            rule.delete()

    @admin.action(description="Publish the selected draft (subscribers must accept it again)")
    def publish(self, request: HttpRequest, queryset) -> None:  # type: ignore[no-untyped-def]
        for version in queryset.order_by("number"):
            try:
                services.publish_rules_version(
                    site=version.site, rules_version_id=version.pk, actor=request.user
                )
            except BtlError as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"Published {version}.", messages.SUCCESS)
