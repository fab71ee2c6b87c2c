# ruff: noqa: E501 - the table is wider than code: one row per route and method
"""Who may do what: every route of the URL configuration × every role × method, with the
class of answer each gets. The table below is the specification; a reviewer reads it.

Routes come from walking the resolver (`_routes`), so a route added without a row here
fails `test_every_route_has_a_row`; a row for a route that no longer exists fails too. The
admin is one row (its own permission system, Django's, guards every page under it).

Each cell runs on the same world inside a savepoint rolled back afterwards, so a cell sees
the world as set up, whatever the cells before it did (a removal, a ban).

Answer classes:
    ok     2xx, or a redirect that is not to the sign-in page (a form's "done")
    login  302 to the sign-in page (a page for signed-in people, asked anonymously)
    400…   that status: 401 a refused credential, 403 not allowed, 404 not found (or
           not to be known), 405 not this method, 400/409 taken and answered on its merits

Roles (columns, in this order):
    anon     nobody signed in
    reader   signed in, no subscription: may read and report, not comment
    subs     a subscriber who accepted the rules; the author of the comment the routes name
    banned   a subscriber banned on this site
    f-mod    a moderator of another site
    mod      a moderator of this site
    editor   an editor of this site
    admin    a site admin of this site
    key      this site's API key (an integration editor)
    f-key    another site's API key
    r-key    this site's revoked API key
    token    a subscriber's signed token (a publisher's reader)

Set BTL_MATRIX_PRINT=1 to print the table as observed (to review a change, then paste).
"""

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from belowtheline import clock
from belowtheline.accounts.api_keys import create_api_key, revoke_api_key
from belowtheline.discussion import services as discussion
from belowtheline.discussion import thread_cache
from belowtheline.moderation import queue_cache
from belowtheline.moderation import services as moderation
from belowtheline.sites import config_cache
from tests.accounts.factories import PASSWORD
from tests.api.test_bearer_tokens import SECRET, token
from tests.conftest import make_staff, make_subscriber
from tests.discussion.factories import ArticleFactory, RulesVersionFactory
from tests.sites.factories import SiteFactory

ROLES = ("anon", "reader", "subs", "banned", "f-mod", "mod", "editor", "admin", "key",
         "f-key", "r-key", "token")

# (route as the resolver spells it, method): the answer class for each role, in ROLES order.
MATRIX: dict[tuple[str, str], str] = {
    # Django's admin: its own staff login
    #                                                                                       anon   reader subs   banned f-mod  mod    editor admin  key    f-key  r-key  token
    ('admin/', 'GET'):                                                                     "login  login  login  login  login  login  login  login  login  login  401    login",
    ('admin/', 'POST'):                                                                    "login  login  login  login  login  login  login  login  login  login  401    login",
    # The JSON API
    #                                                                                       anon   reader subs   banned f-mod  mod    editor admin  key    f-key  r-key  token
    ('api/v1/openapi.json', 'GET'):                                                        "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('api/v1/openapi.json', 'POST'):                                                       "405    405    405    405    405    405    405    405    405    405    401    405",
    ('api/v1/docs', 'GET'):                                                                "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('api/v1/docs', 'POST'):                                                               "405    405    405    405    405    405    405    405    405    405    401    405",
    ('api/v1/sites/<slug:site>/articles/<int:article_id>/thread', 'GET'):                  "ok     ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('api/v1/sites/<slug:site>/thread', 'GET'):                                            "ok     ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('api/v1/sites/<slug:site>/articles/<int:article_id>/thread/viewer', 'GET'):           "ok     ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('api/v1/sites/<slug:site>/articles/<int:article_id>/comments', 'POST'):               "403    403    ok     403    403    403    403    403    403    403    401    403",
    ('api/v1/sites/<slug:site>/comments/<int:comment_id>', 'PATCH'):                       "403    403    ok     403    403    403    403    403    403    403    401    403",
    ('api/v1/sites/<slug:site>/comments/<int:comment_id>', 'DELETE'):                      "403    403    ok     403    403    403    403    403    403    403    401    403",
    ('api/v1/sites/<slug:site>/comments/<int:comment_id>/recommendation', 'PUT'):          "403    403    403    ok     403    403    403    403    403    403    401    ok",  # banned may recommend (a ban stops commenting): see the report
    ('api/v1/sites/<slug:site>/comments/<int:comment_id>/recommendation', 'DELETE'):       "403    ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('api/v1/sites/<slug:site>/comments/<int:comment_id>/reports', 'POST'):                "403    409    403    ok     ok     ok     ok     ok     403    403    401    ok",  # reader reported it already; subs wrote it; a key may not report
    ('api/v1/sites/<slug:site>/rules', 'GET'):                                             "ok     ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('api/v1/sites/<slug:site>/rules/acceptance', 'POST'):                                 "403    ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('api/v1/sites/<slug:site>/me', 'GET'):                                                "ok     ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('api/v1/sites/<slug:site>/moderation/queue', 'GET'):                                  "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/decided', 'GET'):                                "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/comments/<int:comment_id>/audit', 'GET'):        "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/users/<int:user_id>/audit', 'GET'):              "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/cover', 'GET'):                                  "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/comments/<int:comment_id>/dismiss', 'POST'):     "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/comments/<int:comment_id>/amend', 'POST'):       "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/comments/<int:comment_id>/remove', 'POST'):      "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/comments/<int:comment_id>/hold', 'POST'):        "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/comments/<int:comment_id>/release', 'POST'):     "403    403    403    403    403    409    409    409    409    403    401    403",  # 409: nothing held to release
    ('api/v1/sites/<slug:site>/moderation/comments/<int:comment_id>/approve', 'POST'):     "403    403    403    403    403    409    409    409    409    403    401    403",
    ('api/v1/sites/<slug:site>/moderation/comments/<int:comment_id>/reject', 'POST'):      "403    403    403    403    403    409    409    409    409    403    401    403",
    ('api/v1/sites/<slug:site>/moderation/users/<int:user_id>/sanctions', 'POST'):         "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/sanctions/<int:sanction_id>/lift', 'POST'):      "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/sanctions/<int:sanction_id>', 'DELETE'):         "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/users/<int:user_id>/notes', 'POST'):             "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/users/<int:user_id>/remove-all', 'POST'):        "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('api/v1/sites/<slug:site>/moderation/articles/<int:article_id>/comment-mode', 'PUT'): "403    403    403    403    403    403    ok     ok     ok     403    401    403",  # editors and admins, not moderators
    ('api/v1/sites/<slug:site>/articles', 'PUT'):                                          "403    403    403    403    403    403    ok     ok     ok     403    401    403",
    # Readers' data: their own download and deletion, and a site admin's for a reader
    ('api/v1/sites/<slug:site>/me/data', 'GET'):                                           "403    ok     ok     ok     ok     ok     ok     ok     403    403    401    ok",  # a reader's own data; an API key has none
    ('api/v1/sites/<slug:site>/me/account-deletion', 'POST'):                              "403    ok     ok     ok     403    403    403    403    403    403    401    ok",  # staff and keys cannot delete themselves this way
    ('api/v1/sites/<slug:site>/readers/<int:user_id>/data', 'GET'):                        "403    403    403    403    403    403    403    ok     403    403    401    403",  # site admins only, for a reader who asked
    ('api/v1/sites/<slug:site>/readers/<int:user_id>/account-deletion', 'POST'):           "403    403    403    403    403    403    403    ok     403    403    401    403",  # site admins only
    ('api/v1/', 'GET'):                                                                    "404    404    404    404    404    404    404    404    404    404    401    404",
    ('api/v1/', 'POST'):                                                                   "404    404    404    404    404    404    404    404    404    404    401    404",
    # Accounts
    #                                                                                       anon   reader subs   banned f-mod  mod    editor admin  key    f-key  r-key  token
    ('accounts/signup/', 'GET'):                                                           "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/signup/', 'POST'):                                                          "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/login/', 'GET'):                                                            "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/login/', 'POST'):                                                           "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/logout/', 'GET'):                                                           "405    405    405    405    405    405    405    405    405    405    401    405",
    ('accounts/logout/', 'POST'):                                                          "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/settings/', 'GET'):                                                         "login  ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/settings/', 'POST'):                                                        "login  ok     ok     ok     ok     ok     ok     ok     400    400    401    400",  # a token reader's name is the publisher's, a key's the admin's (400)
    ('accounts/verify/<str:token>/', 'GET'):                                               "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/verify/<str:token>/', 'POST'):                                              "400    400    400    400    400    400    400    400    400    400    401    400",  # 400: the forged link confirms nothing
    ('accounts/verify-again/', 'GET'):                                                     "405    405    405    405    405    405    405    405    405    405    401    405",
    ('accounts/verify-again/', 'POST'):                                                    "login  ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/password-reset/', 'GET'):                                                   "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/password-reset/', 'POST'):                                                  "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/password-reset/sent/', 'GET'):                                              "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/password-reset/sent/', 'POST'):                                             "405    405    405    405    405    405    405    405    405    405    401    405",
    ('accounts/password-reset/<uidb64>/<token>/', 'GET'):                                  "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/password-reset/<uidb64>/<token>/', 'POST'):                                 "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/password-reset/done/', 'GET'):                                              "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('accounts/password-reset/done/', 'POST'):                                             "405    405    405    405    405    405    405    405    405    405    401    405",
    # The moderation dashboard and figures
    #                                                                                       anon   reader subs   banned f-mod  mod    editor admin  key    f-key  r-key  token
    ('moderate/', 'GET'):                                                                  "login  403    403    403    ok     ok     ok     ok     ok     ok     401    403",  # the site picker: staff of any site
    ('moderate/', 'POST'):                                                                 "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/', 'GET'):                                            "login  403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('moderate/<dashboard_slug:slug>/', 'POST'):                                           "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/audit.csv', 'GET'):                                   "login  403    403    403    403    403    403    ok     403    403    401    403",  # the export: site admins only
    ('moderate/<dashboard_slug:slug>/audit.csv', 'POST'):                                  "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/bulk/', 'GET'):                                       "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/bulk/', 'POST'):                                      "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/', 'GET'):                   "login  403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/', 'POST'):                  "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/dismiss/', 'GET'):           "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/dismiss/', 'POST'):          "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/amend/', 'GET'):             "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/amend/', 'POST'):            "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/remove/', 'GET'):            "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/remove/', 'POST'):           "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/hold/', 'GET'):              "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/hold/', 'POST'):             "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/release/', 'GET'):           "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/release/', 'POST'):          "403    403    403    403    403    409    409    409    409    403    401    403",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/approve/', 'GET'):           "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/approve/', 'POST'):          "403    403    403    403    403    409    409    409    409    403    401    403",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/reject/', 'GET'):            "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/comments/<id:comment_id>/reject/', 'POST'):           "403    403    403    403    403    409    409    409    409    403    401    403",
    ('moderate/<dashboard_slug:slug>/users/<id:user_id>/', 'GET'):                         "login  403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('moderate/<dashboard_slug:slug>/users/<id:user_id>/', 'POST'):                        "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/users/<id:user_id>/sanction/', 'GET'):                "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/users/<id:user_id>/sanction/', 'POST'):               "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('moderate/<dashboard_slug:slug>/users/<id:user_id>/note/', 'GET'):                    "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/users/<id:user_id>/note/', 'POST'):                   "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('moderate/<dashboard_slug:slug>/users/<id:user_id>/remove-all/', 'GET'):              "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/users/<id:user_id>/remove-all/', 'POST'):             "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('moderate/<dashboard_slug:slug>/sanctions/<id:sanction_id>/lift/', 'GET'):            "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/sanctions/<id:sanction_id>/lift/', 'POST'):           "403    403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('moderate/<dashboard_slug:slug>/articles/<id:article_id>/mode/', 'GET'):              "405    405    405    405    405    405    405    405    405    405    401    405",
    ('moderate/<dashboard_slug:slug>/articles/<id:article_id>/mode/', 'POST'):             "403    403    403    403    403    403    ok     ok     ok     403    401    403",
    ('moderate/stats/<slug:slug>/', 'GET'):                                                "login  403    403    403    403    ok     ok     ok     ok     403    401    403",
    ('moderate/stats/<slug:slug>/', 'POST'):                                               "405    405    405    405    405    405    405    405    405    405    401    405",
    # The embed's script and calls
    #                                                                                       anon   reader subs   banned f-mod  mod    editor admin  key    f-key  r-key  token
    ('embed.js', 'GET'):                                                                   "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('embed.js', 'POST'):                                                                  "405    405    405    405    405    405    405    405    405    405    401    405",
    ('embed/<slug:slug>/articles', 'GET'):                                                 "405    405    405    405    405    405    405    405    405    405    401    405",
    ('embed/<slug:slug>/articles', 'POST'):                                                "400    400    400    400    400    400    400    400    400    400    401    400",  # 400: the embed's registration needs a body; no credential matters
    ('embed/<slug:slug>/counts', 'GET'):                                                   "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('embed/<slug:slug>/counts', 'POST'):                                                  "405    405    405    405    405    405    405    405    405    405    401    405",
    # Readers' pages
    #                                                                                       anon   reader subs   banned f-mod  mod    editor admin  key    f-key  r-key  token
    ('sites/<slug:slug>/threads/<id:article_id>/', 'GET'):                                 "ok     ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('sites/<slug:slug>/threads/<id:article_id>/', 'POST'):                                "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/threads/<id:article_id>/viewer', 'GET'):                           "ok     ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('sites/<slug:slug>/threads/<id:article_id>/viewer', 'POST'):                          "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/threads/<id:article_id>/comments/', 'GET'):                        "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/threads/<id:article_id>/comments/', 'POST'):                       "403    403    ok     403    403    403    403    403    403    403    401    403",
    ('sites/<slug:slug>/comments/<id:comment_id>/edit/', 'GET'):                           "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/comments/<id:comment_id>/edit/', 'POST'):                          "403    403    ok     403    403    403    403    403    403    403    401    403",
    ('sites/<slug:slug>/comments/<id:comment_id>/delete/', 'GET'):                         "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/comments/<id:comment_id>/delete/', 'POST'):                        "403    403    ok     403    403    403    403    403    403    403    401    403",
    ('sites/<slug:slug>/comments/<id:comment_id>/recommend/', 'GET'):                      "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/comments/<id:comment_id>/recommend/', 'POST'):                     "403    403    403    ok     403    403    403    403    403    403    401    ok",  # the same, by form
    ('sites/<slug:slug>/comments/<id:comment_id>/report/', 'GET'):                         "login  ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('sites/<slug:slug>/comments/<id:comment_id>/report/', 'POST'):                        "403    409    403    ok     ok     ok     ok     ok     403    403    401    ok",
    ('sites/<slug:slug>/rules/', 'GET'):                                                   "ok     ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('sites/<slug:slug>/rules/', 'POST'):                                                  "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/rules/v<id:number>/', 'GET'):                                      "ok     ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('sites/<slug:slug>/rules/v<id:number>/', 'POST'):                                     "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/rules/accept/', 'GET'):                                            "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/rules/accept/', 'POST'):                                           "403    ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('sites/<slug:slug>/why-subscribers/', 'GET'):                                         "ok     ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('sites/<slug:slug>/why-subscribers/', 'POST'):                                        "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/notifications/', 'GET'):                                           "login  ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('sites/<slug:slug>/notifications/', 'POST'):                                          "405    405    405    405    405    405    405    405    405    403    401    405",
    # The reader's profile, data and deletion; a site admin's page for a reader's data
    ('sites/<slug:slug>/account/', 'GET'):                                                 "login  ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('sites/<slug:slug>/account/', 'POST'):                                                "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/account/data/', 'GET'):                                            "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/account/data/', 'POST'):                                           "403    ok     ok     ok     ok     ok     ok     ok     403    403    401    ok",
    ('sites/<slug:slug>/account/delete/', 'GET'):                                          "login  ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('sites/<slug:slug>/account/delete/', 'POST'):                                         "403    ok     ok     ok     403    403    403    403    403    403    401    ok",  # staff and keys: 403 staff_account / integration_account
    ('sites/<slug:slug>/readers/<id:user_id>/data/', 'GET'):                               "login  403    403    403    403    403    403    ok     403    403    401    403",
    ('sites/<slug:slug>/readers/<id:user_id>/data/', 'POST'):                              "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/readers/<id:user_id>/data/download/', 'GET'):                      "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/readers/<id:user_id>/data/download/', 'POST'):                     "403    403    403    403    403    403    403    ok     403    403    401    403",
    ('sites/<slug:slug>/readers/<id:user_id>/data/delete/', 'GET'):                        "405    405    405    405    405    405    405    405    405    403    401    405",
    ('sites/<slug:slug>/readers/<id:user_id>/data/delete/', 'POST'):                       "403    403    403    403    403    403    403    ok     403    403    401    403",
    # The front page
    #                                                                                       anon   reader subs   banned f-mod  mod    editor admin  key    f-key  r-key  token
    ('', 'GET'):                                                                           "ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     401    ok",
    ('', 'POST'):                                                                          "405    405    405    405    405    405    405    405    405    405    401    405",
    ('sites/<slug:slug>/articles/<id:article_id>/', 'GET'):                                "ok     ok     ok     ok     ok     ok     ok     ok     ok     403    401    ok",
    ('sites/<slug:slug>/articles/<id:article_id>/', 'POST'):                               "405    405    405    405    405    405    405    405    405    403    401    405",
}


ORIGIN = "https://news.example.org"

# --- the world ------------------------------------------------------------------------------

@dataclass
class Caller:
    """How a role calls: its headers, and its session cookie if it signed in. Each cell
    gets a new client from these, so that one cell (signing out) cannot change the next."""

    headers: dict[str, str]
    cookies: str = ""

    def client(self) -> Client:
        client = Client(**self.headers)
        if self.cookies:
            client.cookies.load(self.cookies)
        return client


@dataclass
class World:
    values: dict[str, Any]
    clients: dict[str, Caller]


@pytest.fixture
def world(site, rules, settings) -> World:
    settings.BTL_RATE_LIMITS = {name: "100000/60" for name in settings.BTL_RATE_LIMITS}
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.allowed_origins = ORIGIN  # the publisher's page, for the embed's calls
    site.save()
    other = SiteFactory(slug="elsewhere", name="The Elsewhere Echo")
    RulesVersionFactory(site=other, number=1)
    now = clock.now()
    reader = make_subscriber(site, username="rita")
    reader.subscriptions.all().delete()
    author = make_subscriber(site, username="sam", display_name="Sam Subscriber")
    banned = make_subscriber(site, username="bob", display_name="Banned Bob")
    foreign_mod = make_staff(other, "moderator", "fred_x")
    mod = make_staff(site, "moderator", "mona_k")
    editor = make_staff(site, "editor", "ed_r")
    admin = make_staff(site, "admin", "ada_l")
    other_admin = make_staff(other, "admin", "otto_a")
    article = ArticleFactory(site=site, title="Council approves new bridge")
    comment = discussion.post_comment(site=site, article=article, author=author,
                                      text="The bridge is overdue.")
    discussion.post_comment(site=site, article=article, author=banned, text="Before my ban.")
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                              reason="abusive", note="Rude")
    ban = moderation.sanction_author(site=site, actor=mod, user_id=banned.pk, kind="ban",
                                     reason="Trolling")
    _, key = create_api_key(site=site, actor=admin, name="cms", now=now)
    _, foreign_key = create_api_key(site=other, actor=other_admin, name="cms", now=now)
    revoked, revoked_raw = create_api_key(site=site, actor=admin, name="old", now=now)
    revoke_api_key(site=site, actor=admin, key_id=revoked.pk, now=now)
    reader_token = token(site, sub="tok-1", name="Token Tess")

    def session(user) -> Caller:
        client = Client()
        client.force_login(user)  # outside every cell's savepoint: the session stays
        return Caller(headers={"HTTP_ORIGIN": ORIGIN}, cookies=client.cookies.output(header=""))

    def bearer(value: str) -> Caller:
        return Caller(headers={"HTTP_AUTHORIZATION": f"Bearer {value}", "HTTP_ORIGIN": ORIGIN})

    clients = {
        "anon": Caller(headers={"HTTP_ORIGIN": ORIGIN}), "reader": session(reader), "subs": session(author),
        "banned": session(banned), "f-mod": session(foreign_mod), "mod": session(mod),
        "editor": session(editor), "admin": session(admin), "key": bearer(key),
        "f-key": bearer(foreign_key), "r-key": bearer(revoked_raw),
        "token": bearer(reader_token),
    }
    values = {
        "slug": site.slug, "site": site.slug, "article_id": article.pk,
        "comment_id": comment.pk, "user_id": author.pk, "sanction_id": ban.pk, "number": 1,
        "url": article.canonical_url, "rules_version_id": rules.pk,
        "now": now + timedelta(seconds=1),
        # Links from emails: a verification token and a password-reset link, both forged.
        "token": "not-a-real-token", "uidb64": "MQ",
    }
    return World(values=values, clients=clients)


# --- routes ---------------------------------------------------------------------------------

def _routes() -> dict[str, list[str]]:
    """Every route the resolver knows, as written, with the methods to try: the API's own
    methods for its operations, GET and POST for everything else."""
    routes: dict[str, list[str]] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    routes[prefix + str(pattern.pattern)] = ["GET", "POST"]
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            assert isinstance(pattern, URLPattern)
            route = prefix + str(pattern.pattern)
            operations = _ninja_operations(pattern.callback)
            methods = routes.setdefault(route, [])
            wanted = [m for op in operations for m in op.methods] if operations else ["GET", "POST"]
            methods += [m for m in wanted if m not in methods]

    walk(get_resolver().url_patterns, "")
    return routes


def _ninja_operations(callback: Callable[..., Any]) -> list[Any] | None:
    """The API's operations behind a route: ninja's view is a closure over its PathView."""
    view = getattr(callback, "__wrapped__", callback)
    for cell in getattr(view, "__closure__", None) or ():
        operations = getattr(cell.cell_contents, "operations", None)
        if operations:
            return list(operations)
    return None


def _path(route: str, values: dict[str, Any]) -> str:
    """The route with the world's ids in place of its converters."""
    def fill(match: re.Match[str]) -> str:
        return str(values[match.group(1)])

    return "/" + re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", fill, route)


# Bodies a permitted caller would send: valid, so that "ok" means it was done.
FORMS: dict[str, dict[str, str]] = {
    "accounts/signup/": {"username": "newbie", "display_name": "New Bie",
                         "email": "new@example.org", "password": "correct-horse-battery",
                         "password_again": "correct-horse-battery"},
    "accounts/login/": {"username": "nobody", "password": "wrong"},
    "sites/<slug:slug>/threads/<id:article_id>/comments/": {"text": "A fair point."},
    "sites/<slug:slug>/comments/<id:comment_id>/edit/": {"text": "Corrected."},
    "sites/<slug:slug>/comments/<id:comment_id>/recommend/": {"action": "add"},
    "sites/<slug:slug>/rules/accept/": {"rules_version_id": "{rules_version_id}"},
    "sites/<slug:slug>/comments/<id:comment_id>/report/": {"reason": "spam"},
    "moderate/<dashboard_slug:slug>/comments/<id:comment_id>/amend/":
        {"text": "Tamed", "rule": "1", "reason": "Too strong"},
    "moderate/<dashboard_slug:slug>/comments/<id:comment_id>/remove/": {"rule": "1"},
    "moderate/<dashboard_slug:slug>/comments/<id:comment_id>/reject/": {"rule": "1"},
    "moderate/<dashboard_slug:slug>/bulk/": {"action": "dismiss", "comment": "{comment_id}:0"},
    "moderate/<dashboard_slug:slug>/users/<id:user_id>/sanction/":
        {"kind": "suspension", "days": "3", "reason": "Cooling off"},
    "moderate/<dashboard_slug:slug>/users/<id:user_id>/note/": {"text": "Watch them"},
    "moderate/<dashboard_slug:slug>/users/<id:user_id>/remove-all/":
        {"rule": "3", "confirm": "yes"},
    "moderate/<dashboard_slug:slug>/articles/<id:article_id>/mode/": {"mode": "closed"},
    "accounts/settings/": {"display_name": "New Name", "email": "moved@example.org"},
    "sites/<slug:slug>/account/delete/": {"confirm": "DELETE", "password": PASSWORD},
    "sites/<slug:slug>/readers/<id:user_id>/data/delete/": {"confirm": "DELETE"},
}
JSON_BODIES: dict[str, dict[str, Any]] = {
    "articles/<int:article_id>/comments": {"text": "A fair point."},
    "comments/<int:comment_id>": {"text": "Corrected."},
    "comments/<int:comment_id>/reports": {"reason": "spam"},
    "moderation/comments/<int:comment_id>/amend": {"text": "Tamed", "rule": 1,
                                                   "reason": "Too strong"},
    "moderation/comments/<int:comment_id>/remove": {"rule": 1},
    "moderation/comments/<int:comment_id>/reject": {"rule": 1},
    "moderation/users/<int:user_id>/sanctions": {"kind": "suspension", "days": 3,
                                                 "reason": "Cooling off"},
    "moderation/users/<int:user_id>/notes": {"text": "Watch them"},
    "moderation/users/<int:user_id>/remove-all": {"rule": 3},
    "moderation/articles/<int:article_id>/comment-mode": {"mode": "closed"},
    "articles": {"canonical_url": "https://news.example.org/new", "title": "New story"},
    "me/account-deletion": {"confirm": "DELETE", "password": PASSWORD},
    "readers/<int:user_id>/account-deletion": {"confirm": "DELETE"},
}


def _request(client: Client, route: str, method: str, values: dict[str, Any]) -> HttpResponse:
    path = _path(route, values)
    if route.startswith("api/v1/sites/"):
        rest = route.split("/", 4)[4]
        body = JSON_BODIES.get(rest)
        query = {"url": values["url"]} if rest == "thread" else {}
        if method == "GET":
            return client.get(path, query)
        return client.generic(method, path, *(
            (_json(body), "application/json") if body is not None else ()))
    if method == "GET":
        return client.get(path)
    form = {k: v.format(**values) for k, v in FORMS.get(route, {}).items()}
    return client.post(path, form)


def _json(body: dict[str, Any]) -> str:
    return json.dumps(body)


def _class(response: HttpResponse) -> str:
    status = response.status_code
    location = response.get("Location", "")
    if status in (301, 302, 303) and "login/" in location and "next=" in location:
        return "login"  # ours (/accounts/login/) or the admin's (/admin/login/)
    if status < 400:
        return "ok"
    return str(status)


def _observe(world: World, route: str, method: str, role: str) -> str:
    cache.clear()
    thread_cache.clear()
    queue_cache.clear()
    config_cache.forget_all()
    with transaction.atomic():
        response = _request(world.clients[role].client(), route, method, world.values)
        transaction.set_rollback(True)
    return _class(response)


# --- the tests ------------------------------------------------------------------------------

def test_every_route_has_a_row():
    """A new route, or a new method on an API route, needs its row in MATRIX first."""
    routes = {(route, method) for route, methods in _routes().items() for method in methods}
    if os.environ.get("BTL_MATRIX_PRINT"):
        pytest.skip("printing the observed table instead")
    assert sorted(routes - MATRIX.keys()) == [], "routes without a row"
    assert sorted(MATRIX.keys() - routes) == [], "rows for routes that no longer exist"


def test_every_role_gets_the_answer_the_table_gives(world):
    observed: dict[tuple[str, str], str] = {}
    for route, methods in _routes().items():
        for method in methods:
            observed[(route, method)] = " ".join(
                f"{_observe(world, route, method, role):<6}" for role in ROLES
            ).rstrip()
    if os.environ.get("BTL_MATRIX_PRINT"):
        width = max(len(repr(key)) for key in observed)
        for key, row in observed.items():
            print(f"    {repr(key) + ':':<{width + 1}} \"{row}\",")  # noqa: T201
        return
    wrong = {key: (" ".join(MATRIX.get(key, "").split()), " ".join(row.split()))
             for key, row in observed.items()
             if " ".join(MATRIX.get(key, "").split()) != " ".join(row.split())}
    assert wrong == {}, "\n".join(
        f"{key}\n  table:    {want}\n  observed: {got}\n  roles:    {' '.join(ROLES)}"
        for key, (want, got) in wrong.items()
    )


# What `GET …/me` tells each role: signed_in, subscriber, can_comment, must_accept_rules,
# and the refusal's code if any (a publisher's app shows or hides the comment box by it).
ME: dict[str, tuple[bool, bool, bool, bool, str | None] | int] = {
    "anon": (False, False, False, False, None),
    "reader": (True, False, False, False, None),
    "subs": (True, True, True, False, None),
    "banned": (True, True, False, False, "author_banned"),
    "f-mod": (True, False, False, False, None),
    "mod": (True, False, False, False, None),
    "editor": (True, False, False, False, None),
    "admin": (True, False, False, False, None),
    "key": (True, False, False, False, None),
    "f-key": 403,
    "r-key": 401,
    "token": (True, True, False, True, None),
}


def test_me_tells_each_role_the_truth(world):
    told: dict[str, object] = {}
    for role in ROLES:
        response = world.clients[role].client().get(f"/api/v1/sites/{world.values['site']}/me")
        if response.status_code != 200:
            told[role] = response.status_code
            continue
        me = response.json()
        told[role] = (me["signed_in"], me["subscriber"], me["can_comment"],
                      me["must_accept_rules"], (me["refusal"] or {}).get("code"))
    assert told == ME
