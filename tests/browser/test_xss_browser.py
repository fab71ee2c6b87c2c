"""The cross-site scripting corpus in Chromium: the pages tests/test_xss_corpus.py reads
with a parser, loaded in a real browser with the corpus in every field. No vector runs:
a hook on `alert`, `confirm`, `prompt` and `print` and on dialogs would record one that
did, and a Content Security Policy violation would mean a payload's script was there to
be blocked; and the DOM the browser built (after our scripts ran, the viewer's part filled
in) has no `on…` attribute and no `javascript:`, `vbscript:` or `data:` URL.
"""

import pytest
from django.test import Client
from django.urls import reverse

from belowtheline.discussion.models import Comment
from tests.test_xss_corpus import World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(site, settings) -> World:
    return build_world(site, settings)

HOOK = """
window.__xss = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__xss.push(name + '(' + args.join(',') + ')'); };
}
document.addEventListener('securitypolicyviolation', e =>
  window.__xss.push('blocked by the policy: ' + e.violatedDirective + ' ' + e.blockedURI));
"""
LIVE_DOM = """() => {
  const found = [];
  const urls = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc',
                'background', 'poster'];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) found.push(el.tagName + ' ' + attr.name);
      if (urls.includes(attr.name) && attr.value !== 'data:,'
          && /^\\s*(javascript|vbscript|data)\\s*:/i.test(attr.value)) {
        found.push(el.tagName + ' ' + attr.name + '=' + attr.value);
      }
    }
  }
  for (const name of ['iframe', 'object', 'embed', 'img', 'math', 'base', 'video', 'audio']) {
    for (const el of document.querySelectorAll(name)) found.push('<' + name + '>');
  }
  return found;
}"""


def _session_cookie(user, live_server) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value,
            "url": live_server.url}


def test_no_vector_runs_on_any_page(browser, live_server, world: World):
    site = world.site.slug
    thread = reverse("thread", args=[site, world.article.pk])
    # A sample of what tests/test_xss_corpus.py reads in full, server side.
    shown = sum(c.status != Comment.Status.PENDING for c in world.comments)
    last = -(-shown // 50)  # pages of 50
    readers = [thread + f"?page={n}" for n in sorted({1, last // 2, last})] + [
        thread + "?embed=1",
        reverse("article", args=[site, world.article.pk]),
        reverse("article", args=[site, world.articles[0].pk]),
        reverse("rules", args=[site]),
        "/",
    ]
    held = next(c for c in world.moderated if c.status == Comment.Status.HELD)
    as_author = [thread, thread + "?embed=1", reverse("notifications", args=[site])]
    staff = [reverse("moderation_queue", args=[site]) + f"?tab={tab}"
             for tab in ("reported", "held", "recent", "decided")]
    staff += [reverse("moderation_comment", args=[site, c.pk]) for c in world.moderated[:2]]
    staff += [reverse("moderation_user", args=[site, c.author_id])
              for c in world.moderated[:2]]
    staff += [reverse("moderation_stats", args=[site])]
    problems: dict[str, list[str]] = {}
    for who, paths in [(None, readers), (held.author, as_author), (world.editor, staff)]:
        context = browser.new_context()
        context.add_init_script(HOOK)
        if who is not None:
            context.add_cookies([_session_cookie(who, live_server)])
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response is not None, path
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
            found = page.evaluate("window.__xss") + page.evaluate(LIVE_DOM) + dialogs
            if found:
                problems[path] = found[:5]
            dialogs.clear()
        context.close()
    assert problems == {}
