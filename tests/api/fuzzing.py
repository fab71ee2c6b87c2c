"""Fuzzing the JSON API from its own OpenAPI description, with schemathesis.

Shared by the bounded run in `make test` (tests/api/test_schema_fuzz.py) and the long one
(`scripts/fuzz-api`): the same world, roles and checks, only the number of cases differs.

Requests go through `belowtheline.wsgi.application`, the production stack (the fast path,
the viewer and posting paths, then Django's middleware), in this process and against the
test's own database. Django closes a request's database connection when it finishes
(`close_old_connections` on `request_started`/`request_finished`), which inside a test would
close the test's transaction under it: while a fuzz runs those two receivers are
disconnected, exactly as Django's own test client does for every request it makes. Nothing
of ours is replaced.

What is checked, for every generated case:
- no 5xx, ever (`not_a_server_error`);
- the status is one the description lists for the operation, the body matches the schema
  declared for that status, the content type and headers are the declared ones;
- a request the description calls well formed is not refused as malformed: a 400 with a
  shape code (`invalid_input`, `malformed_json`, `page_invalid`, …) or a 415 for positive
  data is drift between the description and the server (`shape_accepted` below). A refusal
  by the services with its own documented code (`text_invisible`, `rule_invalid`,
  `sign_in_required`…) is the answer, not drift: the schemas check shape only;
- a request the description calls malformed is not accepted (`negative_data_rejection`).
"""

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode, Response
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from belowtheline.ids import MAX_ID

# Codes the HTTP layer answers about a request's shape: what the description can promise.
SHAPE_CODES = {"invalid_input", "malformed_json", "invalid_encoding", "page_invalid",
               "sort_invalid", "unsupported_media_type", "not_found", "method_not_allowed"}


def shape_accepted(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Data the description calls valid is never refused as badly shaped."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 404, 405, 415):
        return None
    try:
        code = response.json().get("code")
    except ValueError:
        code = None
    if response.status_code == 415 or code in SHAPE_CODES:
        raise AssertionError(
            f"Schema-valid request refused as malformed: {response.status_code} {code}: "
            f"{response.content[:300]!r}"
        )
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    shape_accepted,
]


@contextmanager
def requests_keep_the_test_transaction() -> Iterator[None]:
    """As Django's test client does around each request: a request must not close the
    test's database connection (and with it the transaction the test runs in)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@dataclass
class World:
    """Real rows for generated cases to land on: without them nearly every case would be a
    404 for a site or an id that does not exist, and the services never be reached."""

    site_slug: str
    ids: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class Finding:
    operation: str
    mode: str
    error: str


def load_schema(app: Callable[..., Any]) -> schemathesis.BaseSchema:
    """The description the server publishes, read over (in-process) HTTP as a client would."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(
        # Credentials are the caller's (each role's own header), never generated: a
        # generated `Authorization` would be overwritten, and its case judged as sent.
        with_security_parameters=False,
        # Unknown query parameters are ignored, as on any web server (a cache-buster, a
        # tracking tag): not a malformed request.
        allow_extra_parameters=False,
    )
    return schema


def fuzz(
    schema: schemathesis.BaseSchema,
    world: World,
    headers: dict[str, str],
    *,
    examples: int,
    run_seed: int | None = None,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    only: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Finding], int]:
    """Every operation, `examples` cases each per mode; returns what failed and how many
    requests were sent. A failing operation is shrunk by hypothesis to its smallest case."""
    findings: list[Finding] = []
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if only and only not in operation.label:
            continue
        for mode in modes:
            def one_case(case: Case, data: st.DataObject) -> None:
                nonlocal sent
                _land_on_the_world(case, world, data)
                sent += 1
                case.call_and_validate(headers={**IDENTITY, **headers}, checks=CHECKS)

            test = given(case=operation.as_strategy(generation_mode=mode), data=st.data())(
                one_case
            )
            test = hypothesis_settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=run_seed is None,
                # Generation only: shrinking a failure to its smallest case is for the long
                # run, where time allows; in CI the first failing case is reported as found.
                phases=[Phase.explicit, Phase.generate, Phase.target]
                + ([Phase.shrink] if run_seed is not None else []),
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=False,
            )(test)
            if run_seed is not None:
                test = seed(run_seed)(test)
            try:
                test()
            except Unsatisfiable:
                # Nothing malformed can be made of a path holding only the site's slug
                # (any string is a slug): there is nothing to send in that mode.
                pass
            except (Exception, BaseExceptionGroup) as error:  # noqa: B036 - collected, reported
                findings.append(Finding(operation.label, mode.value, str(error)[:3000]))
            if progress:
                progress(f"{operation.label} [{mode.value}]: {sent} requests so far")
    return findings, sent


# The WSGI transport hands schemathesis the bytes as served; an HTTP client would undo the
# gzip the thread answers are served with, this one does not, so ask for none.
IDENTITY = {"Accept-Encoding": "identity"}
ID_PARAMETERS = ("article_id", "comment_id", "user_id", "sanction_id")


def _land_on_the_world(case: Case, world: World, data: st.DataObject) -> None:
    """Most cases go to the real site and, half the time, to a real row; the rest keep what
    was generated (another site's slug, an id that names nothing). Only a value that is
    valid already is swapped for a real one, so that a malformed case stays malformed."""
    path = case.path_parameters
    if path is None:
        return
    site = path.get("site")
    if isinstance(site, str) and SLUG.fullmatch(site) and data.draw(
        st.integers(0, 9), label="real site"
    ) < 9:
        path["site"] = world.site_slug
    for name in ID_PARAMETERS:
        if _is_id(path.get(name)) and world.ids.get(name) and data.draw(st.booleans(),
                                                                         label=name):
            path[name] = data.draw(st.sampled_from(world.ids[name]), label=f"real {name}")
    query = case.query
    if query and _is_id(query.get("article")) and data.draw(st.booleans(),
                                                            label="real article filter"):
        query["article"] = world.ids["article_id"][0]


SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def examples_from_environment(default: int) -> int:
    return int(os.environ.get("BTL_FUZZ_EXAMPLES", default))


def report(findings: list[Finding]) -> str:
    return "\n\n".join(f"== {f.operation} [{f.mode}]\n{f.error}" for f in findings)
