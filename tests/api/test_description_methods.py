"""The API's description and its docs page are documents to read: any method but GET and
HEAD is refused with 405 and the API's JSON error, as every other address of the API does,
rather than answered as if it were a GET."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writing_to_the_description_is_refused_as_json(path, method):
    response = Client().generic(method, path, b"{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_reading_the_description_still_works(path):
    client = Client()
    assert client.get(path).status_code == 200
    assert client.head(path).status_code == 200
