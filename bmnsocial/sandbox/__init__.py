"""Contract-faithful fake X and Facebook Graph servers on 127.0.0.1.

The real libraries (tweepy, facebook-sdk, plain requests) send real HTTP over
sockets to the fakes; only the host changes, through a transport adapter.

Public API
----------
Transport (``bmnsocial.platforms.routing``)::

    LocalRouteAdapter(routes: Mapping[str, str], *, default_timeout=None,
                      block_unrouted=True, **HTTPAdapter kwargs)
    mount_routes(session, routes, *, default_timeout=None, block_unrouted=True)
        -> LocalRouteAdapter   # also sets session.trust_env = False

``routes`` maps public origins to local base URLs, e.g.
``{"https://api.twitter.com": "http://127.0.0.1:41234", ...}``. Path and query
are kept; OAuth 1.0a signatures stay computed over the public https URL. With
``block_unrouted`` any other host raises ``SandboxRoutingError`` (a
``requests.ConnectionError``): nothing leaves the machine.

Sandbox (``bmnsocial.sandbox.platforms``)::

    with Sandbox(store_dir=None, *, host="127.0.0.1", x_port=0, graph_port=0,
                 clock=time.time, x_options=None, graph_options=None) as sb:
        sb.x, sb.graph          # FakeX, FakeGraph
        sb.routes               # dict for mount_routes (api.twitter.com, api.x.com,
                                # upload.twitter.com -> x; graph.facebook.com -> graph)
        sb.mount(session)       # mount_routes with a 10 s default timeout
        sb.published()          # list[dict], see load_published
        sb.reset(); sb.stop(); sb.close()
    load_routes(store_dir) -> dict[str, str]   # routes of a sandbox in another process

``SANDBOX_CREDENTIALS["x"]`` holds ``consumer_key``, ``consumer_secret``,
``access_token``, ``access_token_secret``, ``bearer_token`` (an OAuth 2 user
token) — tweepy.Client's keyword names; ``SANDBOX_CREDENTIALS["facebook"]``
holds ``page_id`` and ``page_access_token``. ``SANDBOX_ACCOUNTS`` holds the
X ``user_id``/``username``/``name`` and the Page ``page_id``/``name``.

Fakes (``FakeX``, ``FakeGraph``; both ``ThreadingHTTPServer`` based)::

    fake = FakeX(store_path=None, host="127.0.0.1", port=0, ...)  # see class docs
    fake.start() / fake.stop() / fake.close() / with fake: ...
    fake.base_url, fake.port
    fake.requests            # list[RecordedRequest]: method, path, query_string,
                             # headers, body, status, response_headers,
                             # response_body, fault; .json(), .response_json()
    fake.faults.add(kind, times=1, path=None, method=None, delay=0.0)
    fake.published()         # what this fake published
    fake.reset()             # faults, requests, store rows, credential state
    FakeX.credential_state = "valid" | "expired"
    FakeGraph.token_state = "valid" | "expired" (190/463) | "invalid" (190/467)

Fault kinds: ``http500``, ``http503``, ``http429``, ``timeout`` (hold the
connection ``delay`` s, 0 = until stop, then close unanswered), ``reset``
(RST, no answer), ``html`` (502 text/html proxy page), ``latency`` (wait
``delay`` s, then answer normally), ``lost_response`` (process and store the
request, then close without answering). ``path`` is a shell-style pattern on
the path without query. The Graph fake adds Graph's own error answers as kinds
(``fake_graph.GRAPH_FAULTS``: ``graph_4``, ``graph_17``, ``graph_32``,
``graph_613``, ``graph_80001``, ``graph_10``, ``graph_200``, ``graph_368``,
``graph_190_458`` … ``graph_190_492``) and, with ``app_secret`` and
``require_appsecret_proof``, demands ``appsecret_proof`` on every call.

Admin API on each fake (JSON): ``POST /__sandbox__/faults`` with
``{kind, times, path, method, delay}``, ``GET``/``DELETE /__sandbox__/faults``,
``GET /__sandbox__/published``, ``GET /__sandbox__/requests`` (method, path,
status, fault only), ``POST /__sandbox__/reset``,
``POST /__sandbox__/auth`` with ``{"state": ...}``, ``POST /__sandbox__/appsecret``
with ``{"secret": ..., "required": true}`` (Graph), ``POST /__sandbox__/date`` with
``{"skew_seconds": n}`` (the skewed ``Date`` fault: ``fake.date_skew``, seconds added
to the ``Date`` header of every answer; cleared by ``reset``).

Store: ``load_published(store_path, platform=None) -> list[dict]`` with keys
``platform`` (``"x"``/``"facebook"``), ``kind`` (``"tweet"``/``"post"``), ``id``,
``account_id``, ``text`` (and ``message`` for Facebook), ``url``,
``created_at`` (ISO 8601 UTC), ``media`` (``[{"id", "media_type", "alt_text",
...}]``), ``reply_to`` (X), ``link`` and ``scheduled_publish_time`` (Facebook).
Rows are committed before the HTTP answer is sent; they never hold credentials.

Public URLs: tweets ``https://x.com/{username}/status/{id}``; Facebook posts
``https://www.facebook.com/{page_id}/posts/{post}`` for id ``{page}_{post}``.
"""
