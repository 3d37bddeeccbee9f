"""A minimal local stand-in for the Hub API, for testing uploads with no network.

It answers the calls that ``HfApi.create_repo``, ``HfApi.repo_info`` and ``HfApi.upload_folder`` make (repo creation,
whether a repo is private, ``preupload``, the file listing that ``delete_patterns`` reads, NDJSON ``commit`` with
additions and deletions), keeps the committed files in memory and records every request, so a test
can check exactly what would have been sent. All files are accepted in "regular" upload mode (base64 inside
the commit); LFS/Xet transfers are not emulated.

Usage::

    with FakeHub() as hub:
        HfApi(endpoint=hub.endpoint, token="hf_test").create_repo("me/x")
        ...
        hub.files["model/me/x"]  # {path: bytes}
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlparse

logger = logging.getLogger(__name__)


@dataclass
class HubCall:
    """One request the fake Hub received."""

    method: str
    path: str
    authorization: str | None
    body: Any = None


@dataclass
class _State:
    calls: list[HubCall] = field(default_factory=list)
    repos: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)
    commits: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _validate_card(content: str, repo_type: str) -> str | None:
    """What the Hub checks on README.md: YAML front matter that parses into the repo type's card data, with a
    ``license`` from the Hub's list (and a ``license_name`` for ``other``)."""
    from huggingface_hub import DatasetCard, ModelCard, SpaceCard

    card_cls = {"model": ModelCard, "dataset": DatasetCard, "space": SpaceCard}.get(repo_type, ModelCard)
    from bgs_hf._format import HUB_LICENSES

    try:
        card = card_cls(content)
    except Exception as err:  # the real Hub answers 400 with a message; so do we
        return f"{type(err).__name__}: {err}"
    license = card.data.to_dict().get("license")
    # a dataset card may list several ids; a list or a map elsewhere failed here (unhashable) and dropped the connection
    ids = license if isinstance(license, list) and repo_type == "dataset" else [license]
    if license is not None and not all(isinstance(x, str) and x in HUB_LICENSES for x in ids):  # the Hub's list
        return f'Invalid metadata in README.md. "license" must be one of the Hub licence ids, got {license!r}'
    if "other" in ids and not card.data.to_dict().get("license_name"):  # the Hub needs a name for "other"
        return 'Invalid metadata in README.md. "license_name" is required when "license" is "other"'
    return None


def _repo_key(kind: str, repo_id: str) -> str:
    return f"{kind}/{repo_id}"


class _Handler(BaseHTTPRequestHandler):
    state: _State
    endpoint: str

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read .calls instead
        logger.debug("fake hub: " + format, *args)

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status >= 400:
            self.send_header("X-Error-Message", payload.get("error", ""))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self._record(None)
        parts = unquote(urlparse(self.path).path).strip("/").split("/")
        # /api/{kind}s/{org}/{name}/tree/{revision}: the listing `upload_folder(delete_patterns=...)` reads
        if len(parts) >= 6 and parts[0] == "api" and parts[4] == "tree":
            key = _repo_key(parts[1][:-1], f"{parts[2]}/{parts[3]}")
            with self.state.lock:
                files = dict(self.state.files.get(key, {}))
            listing = [{"type": "file", "path": path, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
                       for path, data in sorted(files.items())]
            data = json.dumps(listing).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        # /api/{kind}s/{org}/{name}: `repo_info`, read for whether an existing repo is private
        if len(parts) == 4 and parts[0] == "api" and parts[1] in ("models", "datasets", "spaces"):
            repo_id = f"{parts[2]}/{parts[3]}"
            with self.state.lock:
                body = self.state.repos.get(_repo_key(parts[1][:-1], repo_id))
            if body is None:
                self.send_response(404)
                self.send_header("X-Error-Code", "RepoNotFound")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._reply(200, {"id": repo_id, "private": body.get("visibility") == "private"})
            return
        self._reply(404, {"error": "not implemented by the fake hub"})

    def _record(self, body: Any) -> HubCall:
        call = HubCall(self.command, urlparse(self.path).path, self.headers.get("Authorization"), body)
        with self.state.lock:
            self.state.calls.append(call)
        return call

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        raw = self._body()
        path = unquote(urlparse(self.path).path)
        parts = path.strip("/").split("/")
        if path == "/api/repos/create":
            body = json.loads(raw or b"{}")
            self._record(body)
            kind = body.get("type") or "model"
            repo_id = (
                f"{body.get('organization')}/{body['name']}" if body.get("organization") else body["name"]
            )
            with self.state.lock:
                self.state.repos.setdefault(_repo_key(kind, repo_id), body)
                self.state.files.setdefault(_repo_key(kind, repo_id), {})
            prefix = "" if kind == "model" else f"{kind}s/"
            self._reply(200, {"url": f"{self.endpoint}/{prefix}{repo_id}", "name": repo_id})
            return
        if path == "/api/validate-yaml":
            body = json.loads(raw or b"{}")
            self._record(body)
            problem = _validate_card(body.get("content", ""), body.get("repoType") or "model")
            if problem:
                self._reply(400, {"error": problem, "errors": [{"message": problem}]})
            else:
                self._reply(200, {"warnings": []})
            return
        # /api/{kind}s/{org}/{name}/{preupload|commit}/{revision}
        if len(parts) >= 6 and parts[0] == "api" and parts[4] in ("preupload", "commit"):
            kind, repo_id, action = parts[1][:-1], f"{parts[2]}/{parts[3]}", parts[4]
            key = _repo_key(kind, repo_id)
            if key not in self.state.repos:
                self._record(None)
                self.send_response(404)
                self.send_header("X-Error-Code", "RepoNotFound")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if action == "preupload":
                body = json.loads(raw or b"{}")
                self._record(body)
                files = [
                    {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": None}
                    for f in body.get("files", [])
                ]
                self._reply(200, {"files": files, "commitOid": "0" * 40})
                return
            lines = [json.loads(line) for line in raw.splitlines() if line.strip()]
            self._record(lines)
            added: dict[str, bytes] = {}
            deleted: list[str] = []
            for line in lines:
                if line.get("key") == "file":
                    value = line["value"]
                    content = value["content"]
                    added[value["path"]] = (
                        base64.b64decode(content) if value.get("encoding") == "base64" else content.encode()
                    )
                elif line.get("key") in ("deletedFile", "deletedFolder"):
                    deleted.append(line["value"]["path"])
            oid = hashlib.sha1(json.dumps([sorted(added), deleted]).encode() + b"".join(added.values())).hexdigest()
            with self.state.lock:
                for gone in deleted:
                    for path in [x for x in self.state.files[key] if x == gone or x.startswith(gone.rstrip("/") + "/")]:
                        del self.state.files[key][path]
                self.state.files[key].update(added)
                self.state.commits.setdefault(key, []).append({"oid": oid, "lines": lines})
            prefix = "" if kind == "model" else f"{kind}s/"
            self._reply(
                200,
                {
                    "commitUrl": f"{self.endpoint}/{prefix}{repo_id}/commit/{oid}",
                    "commitOid": oid,
                    "pullRequestUrl": None,
                },
            )
            return
        self._record(raw[:200])
        self._reply(404, {"error": f"fake hub has no route for {path}"})


class FakeHub:
    """Threaded HTTP server on 127.0.0.1 (random port) imitating the upload API of the Hub."""

    def __init__(self) -> None:
        self._state = _State()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.endpoint = ""

    def start(self) -> FakeHub:
        handler = type("Handler", (_Handler,), {"state": self._state})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        handler.endpoint = self.endpoint
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-hub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def calls(self) -> list[HubCall]:
        return list(self._state.calls)

    @property
    def repos(self) -> dict[str, dict[str, Any]]:
        return dict(self._state.repos)

    @property
    def files(self) -> dict[str, dict[str, bytes]]:
        return {k: dict(v) for k, v in self._state.files.items()}
