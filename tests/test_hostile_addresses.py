"""Ids and query strings a person or a scanner can type into the address bar: every page
answers 4xx or its ordinary page, never a server error."""

import pytest
from django.test import Client

HUGE = "99999999999999999999"
VALUES = [HUGE, "9223372036854775807", "9223372036854775808", "-1", "0", "abc", "1e9",
          "%00", "%FF%FE", "' OR 1=1 --", "<script>", "1" * 400, "", "%E2%80%AE"]


@pytest.fixture
def staff_client(moderator):
    client = Client(raise_request_exception=False)
    client.force_login(moderator)
    return client


def test_ids_past_the_databases_range_are_not_found(staff_client, site):
    for path in (f"/moderate/{site.slug}/users/{HUGE}/",
                 f"/moderate/{site.slug}/comments/{HUGE}/",
                 f"/sites/{site.slug}/threads/{HUGE}/",
                 f"/sites/{site.slug}/threads/{HUGE}/viewer"):
        assert staff_client.get(path).status_code == 404, path


@pytest.mark.parametrize("param", ["article", "tab", "reason", "q", "after", "page", "sort",
                                   "period", "start", "end"])
def test_any_value_of_the_dashboards_and_threads_parameters_is_answered(
        staff_client, site, article, param):
    pages = (f"/moderate/{site.slug}/", f"/sites/{site.slug}/threads/{article.pk}/",
             f"/moderate/stats/{site.slug}/", f"/api/v1/sites/{site.slug}/articles/"
             f"{article.pk}/thread")
    for page in pages:
        for value in VALUES:
            response = staff_client.get(f"{page}?{param}={value}")
            assert response.status_code < 500, (page, param, value, response.status_code)
