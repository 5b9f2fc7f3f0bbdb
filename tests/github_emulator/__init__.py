"""A GitHub REST emulator for tests: a WSGI app with state, served on 127.0.0.1 in a thread,
whose every request and response is checked against GitHub's OpenAPI description
(`openapi-extract.json`, rebuilt by `regenerate_openapi_extract.py`).

Modules: `state` (what it knows), `seed` (how tests fill it), `payloads*` (JSON as GitHub
sends it), `routes_*` (one module per resource), `http` (handler plumbing), `faults`
(rate limits, 502s, slow answers), `validation` (openapi-core), `app` (the WSGI app),
`server` (the thread), `running` (an emulator served for a block), `fixtures` (pytest).
"""
