"""Vendor the parts of the X and Graph API specifications that bmnsocial uses.

Run from the project root after updating /work/shared/reference:

    python tests/contract/vendor_specs.py [REFERENCE_DIR]

Writes, beside this script:
  x-api-v2.subset.json  used operations of X's OpenAPI v2 plus every component
                        they reference (transitively), unchanged;
  graph-api.subset.json the Page/PagePost/Photo edges and fields we use, unchanged;
and LICENSE/SOURCE notes copied from the reference directory. It also writes
bmnsocial/sandbox/specdata.py, the resolved request schemas, parameter lists
and field lists the fake servers enforce (tests check it against the subsets).
"""

from __future__ import annotations

import json
import pprint
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DEFAULT_REFERENCE = Path("/work/shared/reference")

X_OPERATIONS: list[tuple[str, str]] = [
    ("/2/tweets", "post"),
    ("/2/tweets", "get"),
    ("/2/tweets/{id}", "get"),
    ("/2/users/me", "get"),
    ("/2/users/{id}/tweets", "get"),
    ("/2/users/{id}/mentions", "get"),
    ("/2/media/upload", "post"),
    ("/2/media/upload", "get"),
    ("/2/media/upload/initialize", "post"),
    ("/2/media/upload/{id}/append", "post"),
    ("/2/media/upload/{id}/finalize", "post"),
    ("/2/media/metadata", "post"),
]
# The classic ``tweet.fields``/``expansions`` names (what tweepy sends) are only
# described on the streaming operations of this spec version; we vendor their
# parameter list, not the operation.
X_TWEET_FIELDS_SOURCE = ("/2/tweets/firehose/stream", "get")

GRAPH_NODES: dict[str, list[tuple[str, str]]] = {
    "Page": [
        ("GET", "#get"),
        ("GET", "feed"),
        ("GET", "posts"),
        ("GET", "published_posts"),
        ("POST", "feed"),
        ("POST", "photos"),
        ("GET", "scheduled_posts"),
    ],
    "PagePost": [("GET", "#get"), ("GET", "comments"), ("POST", "comments"), ("POST", "#update"),
                 ("DELETE", "#delete"), ("GET", "insights")],
    "Photo": [("GET", "#get")],
}


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def _lookup(spec: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def x_subset(spec: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for path, method in X_OPERATIONS:
        paths.setdefault(path, {})[method] = spec["paths"][path][method]
    src_path, src_method = X_TWEET_FIELDS_SOURCE
    stream_params = [
        p
        for p in spec["paths"][src_path][src_method]["parameters"]
        if p.get("name") in {"tweet.fields", "expansions"}
    ]
    components: dict[str, dict[str, Any]] = {
        "securitySchemes": dict(spec["components"]["securitySchemes"])
    }
    pending = _refs(paths) | _refs(stream_params)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, section, name = ref.split("/")
        target = _lookup(spec, ref)
        components.setdefault(section, {})[name] = target
        pending |= _refs(target)
    for key in list(components):
        components[key] = dict(sorted(components[key].items()))
    return {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "servers": spec.get("servers", []),
        "paths": paths,
        "components": components,
        "x-bmnsocial-classic-tweet-parameters": {
            "source": f"{src_method.upper()} {src_path}",
            "parameters": stream_params,
        },
    }


def graph_subset(reference: Path) -> dict[str, Any]:
    subset: dict[str, Any] = {}
    for node, wanted in GRAPH_NODES.items():
        spec = json.loads((reference / "graph-api" / f"{node}.json").read_text())
        apis = []
        for api in spec["apis"]:
            key = (api.get("method"), api.get("endpoint", api.get("name")))
            if key in wanted:
                apis.append(api)
        missing = set(wanted) - {(a.get("method"), a.get("endpoint", a.get("name"))) for a in apis}
        if missing:
            raise SystemExit(f"{node}.json lacks {sorted(missing)}")
        edges = sorted({a["endpoint"] for a in spec["apis"] if "endpoint" in a})
        subset[node] = {"apis": apis, "fields": spec["fields"], "edge_names": edges}
    return subset


def _strip_descriptions(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _strip_descriptions(v)
            for k, v in node.items()
            if k not in {"description", "example", "externalDocs"}
        }
    if isinstance(node, list):
        return [_strip_descriptions(v) for v in node]
    return node


def _inline(spec: dict[str, Any], node: Any) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            merged = dict(_lookup(spec, node["$ref"]))
            merged.update({k: v for k, v in node.items() if k != "$ref"})
            return _inline(spec, merged)
        return {k: _inline(spec, v) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(spec, v) for v in node]
    return node


def _query_params(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for raw in op.get("parameters", []):
        param = _inline(spec, raw)
        if param["in"] == "query":
            params[param["name"]] = _strip_descriptions(param["schema"])
    return params


def specdata(x: dict[str, Any], graph: dict[str, Any]) -> dict[str, Any]:
    def body_schema(path: str, method: str, media: str) -> Any:
        op = x["paths"][path][method]
        schema = op["requestBody"]["content"][media]["schema"]
        return _strip_descriptions(_inline(x, schema))

    classic = {
        p["name"]: _strip_descriptions(_inline(x, p["schema"]))
        for p in x["x-bmnsocial-classic-tweet-parameters"]["parameters"]
    }
    query = {
        f"{method.upper()} {path}": _query_params(x, x["paths"][path][method])
        for path, method in X_OPERATIONS
    }
    graph_params = {
        f"{node} {api['method']} {api.get('endpoint', api.get('name'))}": {
            p["name"]: p["type"] for p in api.get("params", [])
        }
        for node, data in graph.items()
        for api in data["apis"]
    }
    return {
        "X_CREATE_POST_REQUEST": body_schema("/2/tweets", "post", "application/json"),
        "X_MEDIA_UPLOAD_REQUEST": body_schema("/2/media/upload", "post", "multipart/form-data"),
        "X_INITIALIZE_REQUEST": body_schema(
            "/2/media/upload/initialize", "post", "application/json"
        ),
        "X_APPEND_REQUEST": body_schema(
            "/2/media/upload/{id}/append", "post", "multipart/form-data"
        ),
        "X_METADATA_REQUEST": body_schema("/2/media/metadata", "post", "application/json"),
        "X_QUERY_PARAMETERS": query,
        "X_CLASSIC_TWEET_PARAMETERS": classic,
        "GRAPH_PARAMETERS": graph_params,
        "GRAPH_FIELDS": {
            node: {f["name"]: f["type"] for f in data["fields"]} for node, data in graph.items()
        },
        "GRAPH_EDGES": {node: data["edge_names"] for node, data in graph.items()},
    }


SPECDATA_HEADER = '''"""Spec-derived data the fake servers enforce. GENERATED, do not edit.

Regenerate with ``python tests/contract/vendor_specs.py``; the contract tests
fail when this file drifts from the vendored specifications.

X data: from X's OpenAPI description of API v2 ({x_version}), repository
xdevplatform/xdk. Copyright (c) 2024 XDK Project, MIT License: Permission is
hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy,
modify, merge, publish, distribute, sublicense, and/or sell copies of the
Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions: The above copyright notice and this
permission notice shall be included in all copies or substantial portions of
the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.

Graph data: from Meta's Graph API node specifications, repository
facebook/facebook-business-sdk-codegen. Copyright (c) Meta Platforms, Inc. and
affiliates. All rights reserved. Used under its licence, which grants use in
connection with the web services and APIs provided by Facebook (full text in
tests/contract/graph-api.LICENSE).
"""

# ruff: noqa: E501

from typing import Any

'''


def write_specdata(data: dict[str, Any], x_version: str) -> None:
    lines = [SPECDATA_HEADER.format(x_version=x_version)]
    for name, value in data.items():
        lines.append(f"{name}: Any = {pprint.pformat(value, width=96, sort_dicts=True)}\n\n")
    (ROOT / "bmnsocial" / "sandbox" / "specdata.py").write_text("".join(lines).rstrip() + "\n")


def main(argv: list[str]) -> None:
    reference = Path(argv[1]) if len(argv) > 1 else DEFAULT_REFERENCE
    spec = json.loads((reference / "x-api-v2" / "openapi.json").read_text())
    x = x_subset(spec)
    graph = graph_subset(reference)
    (HERE / "x-api-v2.subset.json").write_text(json.dumps(x, indent=1, ensure_ascii=False) + "\n")
    (HERE / "graph-api.subset.json").write_text(
        json.dumps(graph, indent=1, ensure_ascii=False) + "\n"
    )
    for folder, prefix in (("x-api-v2", "x-api-v2"), ("graph-api", "graph-api")):
        shutil.copyfile(reference / folder / "LICENSE", HERE / f"{prefix}.LICENSE")
        shutil.copyfile(reference / folder / "SOURCE.md", HERE / f"{prefix}.SOURCE.md")
    write_specdata(specdata(x, graph), spec["info"]["version"])


if __name__ == "__main__":
    main(sys.argv)
