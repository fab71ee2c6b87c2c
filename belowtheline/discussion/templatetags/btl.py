"""Small helpers for the reader's templates."""

from django import template

register = template.Library()


@register.filter
def lookup(mapping: object, key: object) -> object:
    """`mapping[key]`, or None: Django templates cannot index a dict with a variable."""
    getter = getattr(mapping, "get", None)
    return getter(key) if getter else None


@register.simple_tag(takes_context=True)
def come_back_url(context: template.Context) -> str:
    """Where signing in, up or out should bring the reader back to: the page they are on.

    On the sign-in and sign-up pages themselves that would be a loop, so the `next` they
    were given is passed on instead (the view that follows it checks it is safe).
    """
    if "come_back_to" in context:  # a shared body, rendered without a request
        return str(context["come_back_to"])
    request = context.get("request")
    if request is None:
        return "/"
    match = request.resolver_match
    if match is not None and match.url_name in {"login", "signup"}:
        return request.GET.get("next", "")
    return request.get_full_path()


@register.simple_tag(takes_context=True)
def thread_comment(context: template.Context, entry: object) -> str:
    """A comment of the thread with its replies (`discussion/_comment.html`): for a
    signed-in reader, from a rendering shared with readers in the same standing wherever
    nothing in it is theirs (`discussion.fragments`)."""
    from belowtheline.discussion import fragments

    return fragments.render_comment(context, entry)  # type: ignore[arg-type]
