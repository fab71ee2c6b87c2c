"""Every query on a site-owned model must be scoped by site.

A scan of the code, not a proof, but it catches the commonest leak: a new selector or
service that filters comments by id alone. A query counts as scoped when `site` is named
in the same statement; deliberate exceptions carry `# cross-site:` with the reason.
"""

import ast
from pathlib import Path

SITE_OWNED = {
    "Article", "Comment", "CommentEdit", "Recommendation", "Report", "Disagreement",
    "RulesVersion", "Rule", "RulesAcceptance", "Subscription", "StaffRole", "Notification",
    "AuditEntry", "Sanction", "ModeratorNote", "CoverPeriod", "CoverException",
}
QUERY_METHODS = {"filter", "get", "exclude", "update", "delete", "exists", "first", "count",
                 "select_for_update", "values_list", "get_or_create", "order_by"}
PACKAGE = Path(__file__).resolve().parent.parent / "belowtheline"
SKIP_PARTS = {"migrations", "admin.py", "demo"}


def _queries(tree: ast.AST):
    """Yield the outermost call chain of every statement touching `Model.objects`."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "objects"
            and isinstance(node.value, ast.Name)
            and node.value.id in SITE_OWNED
        ):
            yield node


def test_every_query_on_a_site_owned_model_names_its_site():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if SKIP_PARTS & set(path.relative_to(PACKAGE).parts) or path.name in SKIP_PARTS:
            continue
        source = path.read_text()
        lines = source.splitlines()
        tree = ast.parse(source)
        statements = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
        for query in _queries(tree):
            # The smallest statement containing the query.
            owner = min(
                (s for s in statements
                 if s.lineno <= query.lineno <= (s.end_lineno or s.lineno)
                 and not isinstance(s, ast.FunctionDef | ast.ClassDef | ast.With | ast.Try
                                    | ast.If | ast.For)),
                key=lambda s: (s.end_lineno or s.lineno) - s.lineno,
                default=None,
            )
            if owner is None:
                continue
            text = "\n".join(lines[owner.lineno - 1 : owner.end_lineno])
            if "site" in text or "# cross-site:" in text:
                continue
            offenders.append(f"{path.relative_to(PACKAGE.parent)}:{query.lineno}")
    assert offenders == [], "Queries without a site scope:\n" + "\n".join(offenders)


def test_every_site_owned_model_reaches_its_site_directly():
    from django.apps import apps

    for model in apps.get_models():
        if model.__name__ in SITE_OWNED:
            field = model._meta.get_field("site")
            assert not field.null, f"{model.__name__}.site must be NOT NULL"
