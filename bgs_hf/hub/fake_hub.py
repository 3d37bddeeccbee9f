"""A minimal local stand-in for the Hub API, for testing uploads with no network.

It answers the calls that ``bgs_hf.hub.push.upload_folder`` makes through ``HfApi`` (``create_repo``; ``repo_info``,
for whether a repo is private and its head commit, or a revision's; ``list_repo_files``, the listing its ``replaces``
reads; ``create_commit``'s ``preupload``, which names the git blob of each file the repo holds, so that the client
leaves an unchanged file out and makes no commit when nothing changed, as on the Hub, and NDJSON ``commit`` with
additions and deletions; ``list_repo_commits``, the history from a revision back, newest first), keeps the
committed files in memory and records every request, so a test can check exactly what would have been sent. A
commit's answer can be lost (:meth:`FakeHub.fail_next_commit`: a 5xx or a dropped connection, after the commit
landed or without it). A repo created without a visibility takes its namespace's default (public, or private in
an organisation set so: :meth:`FakeHub.make_private_by_default`). It refuses as the Hub does:
409 for a repo that exists (which ``create_repo(exist_ok=True)`` passes over), 412 for a commit whose
``parentCommit`` is no longer the head, 403 for a write to a namespace the token may only read
(:meth:`FakeHub.refuse_writes_to`), 400 for a commit adding a file it refuses (:meth:`FakeHub.refuse_file`; the whole
commit, as the Hub's), 404 for a repo never created. All files are accepted in "regular" upload mode (base64 inside
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
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlparse

from huggingface_hub.utils.sha import git_hash

from bgs_hf._format import HUB_LICENSES

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
    heads: dict[str, str] = field(default_factory=dict)  # repo key -> its head commit (the Hub's `sha`)
    read_only: set[str] = field(default_factory=set)  # namespaces the token may read but not write
    private_default: set[str] = field(default_factory=set)  # organisations whose new repos are private by default
    refused: dict[str, str] = field(default_factory=dict)  # path -> the Hub's message refusing a commit that adds it
    # the next commit's lost answer: (status, or None for a dropped connection; whether the commit lands)
    lost_answer: tuple[int | None, bool] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _validate_card(content: str, repo_type: str) -> str | None:
    """What the Hub checks on README.md: YAML front matter that parses into the repo type's card data, with a
    ``license`` from the Hub's list (and a ``license_name`` for ``other``)."""
    from huggingface_hub import DatasetCard, ModelCard, SpaceCard

    card_cls = {"model": ModelCard, "dataset": DatasetCard, "space": SpaceCard}.get(repo_type, ModelCard)
    try:
        card = card_cls(content)
    except Exception as err:  # the real Hub answers 400 with a message; so do we
        # one line: a YAML parser's message runs over several, and it travels in a header too
        return " ".join(f"{type(err).__name__}: {err}".split())
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


def _commit_record(oid: str, parent: str | None, title: str, message: str, lines: list[Any]) -> dict[str, Any]:
    """One commit of a repo's history, with what ``list_repo_commits`` reads of it (id, title, message, date)."""
    date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"  # the Hub's format, milliseconds
    return {"oid": oid, "parent": parent, "title": title, "message": message, "date": date, "lines": lines}


def _header_text(text: str) -> str:
    """``text`` as an HTTP header value: one line of ASCII. A line break ended the header early (httpx: "illegal
    header line", where the client should have read the Hub's 400) and a character outside latin-1 failed in
    ``send_header``, dropping the connection; the JSON body keeps the message as it was."""
    return " ".join(text.split()).encode("ascii", "backslashreplace").decode("ascii")


class _Handler(BaseHTTPRequestHandler):
    state: _State
    endpoint: str

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read .calls instead
        logger.debug("fake hub: " + format, *args)

    def _reply(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status >= 400:
            self.send_header("X-Error-Message", _header_text(payload.get("error", "")))
        self.end_headers()
        self.wfile.write(data)

    def _repo_not_found(self) -> None:
        """The Hub's 404 for a repo it does not have: an error code and no body (the client raises
        ``RepositoryNotFoundError`` from the code)."""
        self.send_response(404)
        self.send_header("X-Error-Code", "RepoNotFound")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _revision_not_found(self) -> None:
        """The Hub's 404 for a revision the repo does not have (the client raises ``RevisionNotFoundError``)."""
        self.send_response(404)
        self.send_header("X-Error-Code", "RevisionNotFound")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _forbidden(self, message: str) -> None:
        """The Hub's 403 for a token that may not write there: the reason in ``X-Error-Message`` and the body."""
        self._reply(403, {"error": message})

    def _repo_url(self, kind: str, repo_id: str) -> str:
        prefix = "" if kind == "model" else f"{kind}s/"
        return f"{self.endpoint}/{prefix}{repo_id}"

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _record(self, body: Any) -> HubCall:
        call = HubCall(self.command, urlparse(self.path).path, self.headers.get("Authorization"), body)
        with self.state.lock:
            self.state.calls.append(call)
        return call

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self._record(None)
        parts = unquote(urlparse(self.path).path).strip("/").split("/")
        # /api/{kind}s/{org}/{name}/tree/{revision}: the listing `list_repo_files` reads (always the head's files,
        # whatever the revision: a commit landing after it is the 412 below, not another listing)
        if len(parts) >= 6 and parts[0] == "api" and parts[4] == "tree":
            key = _repo_key(parts[1][:-1], f"{parts[2]}/{parts[3]}")
            with self.state.lock:
                files = dict(self.state.files.get(key, {}))
            self._reply(200, [{"type": "file", "path": path, "size": len(data), "oid": git_hash(data)}
                              for path, data in sorted(files.items())])
            return
        # /api/{kind}s/{org}/{name}/commits/{revision}: `list_repo_commits`, newest first (one page: no Link header)
        if len(parts) >= 6 and parts[0] == "api" and parts[4] == "commits":
            self._history(_repo_key(parts[1][:-1], f"{parts[2]}/{parts[3]}"), "/".join(parts[5:]))
            return
        # /api/{kind}s/{org}/{name}[/revision/{revision}]: `repo_info`, read for whether an existing repo is private
        # and its head (at a revision: what `create_commit` reads when every file is unchanged and it commits nothing)
        if parts[0] == "api" and parts[1] in ("models", "datasets", "spaces") and (
                len(parts) == 4 or len(parts) >= 6 and parts[4] == "revision"):
            repo_id = f"{parts[2]}/{parts[3]}"
            key = _repo_key(parts[1][:-1], repo_id)
            with self.state.lock:
                body, head = self.state.repos.get(key), self.state.heads.get(key)
                known = {c["oid"] for c in self.state.commits.get(key, [])}
            revision = "/".join(parts[5:]) or "main"
            sha = head if revision == "main" else revision if revision in known else None
            if body is None:
                self._repo_not_found()
            elif sha is None:
                self._revision_not_found()
            else:
                self._reply(200, {"id": repo_id, "private": body.get("visibility") == "private", "sha": sha})
            return
        self._reply(404, {"error": "not implemented by the fake hub"})

    def _history(self, key: str, revision: str) -> None:
        """The commits from ``revision`` (a branch name: the head; else a commit id) back to the repo's first."""
        with self.state.lock:
            known = key in self.state.repos
            by_oid = {c["oid"]: c for c in self.state.commits.get(key, [])}
            # a commit id, or the fake's only branch
            oid = revision if revision in by_oid else self.state.heads.get(key) if revision == "main" else None
            history = []
            while oid is not None:
                commit = by_oid[oid]
                history.append({"id": oid, "title": commit["title"], "message": commit["message"], "authors": [],
                                "date": commit["date"]})
                oid = commit["parent"]
        if not known:
            self._repo_not_found()
            return
        if not history:
            self._revision_not_found()
            return
        self._reply(200, history)

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        raw = self._body()
        path = unquote(urlparse(self.path).path)
        parts = path.strip("/").split("/")
        if path == "/api/repos/create":
            self._create_repo(raw)
        elif path == "/api/validate-yaml":
            self._validate_yaml(raw)
        # /api/{kind}s/{org}/{name}/{preupload|commit}/{revision}
        elif len(parts) >= 6 and parts[0] == "api" and parts[4] in ("preupload", "commit"):
            kind, repo_id = parts[1][:-1], f"{parts[2]}/{parts[3]}"
            if _repo_key(kind, repo_id) not in self.state.repos:
                self._record(None)
                self._repo_not_found()
            elif parts[4] == "commit" and parts[2] in self.state.read_only:
                self._record(None)
                # the Hub's answer to a commit into a public repo the token cannot write to
                self._forbidden("pass `create_pr=1` as a query parameter to create a Pull Request")
            elif parts[4] == "preupload":
                self._preupload(raw, _repo_key(kind, repo_id))
            else:
                self._commit(raw, kind, repo_id)
        else:
            self._record(raw[:200])
            self._reply(404, {"error": f"fake hub has no route for {path}"})

    def _create_repo(self, raw: bytes) -> None:
        body = json.loads(raw or b"{}")
        self._record(body)
        kind = body.get("type") or "model"
        repo_id = f"{body.get('organization')}/{body['name']}" if body.get("organization") else body["name"]
        key, namespace = _repo_key(kind, repo_id), repo_id.split("/")[0]
        if namespace in self.state.read_only:
            self._forbidden(f'You don\'t have the rights to create a {kind} under the namespace "{namespace}"')
            return
        with self.state.lock:
            exists = key in self.state.repos
            if not exists:  # a new repo has its initial commit (on the Hub: .gitattributes), so a head to read
                # no visibility asked: the namespace's default (an organisation may make its new repos private)
                default = "private" if namespace in self.state.private_default else "public"
                self.state.repos[key] = {**body, "visibility": body.get("visibility") or default}
                self.state.files[key] = {}
                self.state.heads[key] = hashlib.sha1(f"initial commit of {key}".encode()).hexdigest()
                self.state.commits[key] = [_commit_record(self.state.heads[key], None, "initial commit", "", [])]
        if exists:  # the Hub's 409 names the repo's url, which `create_repo(exist_ok=True)` returns
            self._reply(409, {"error": f"You already created this {kind} repo", "url": self._repo_url(kind, repo_id)})
        else:
            self._reply(200, {"url": self._repo_url(kind, repo_id), "name": repo_id})

    def _validate_yaml(self, raw: bytes) -> None:
        body = json.loads(raw or b"{}")
        self._record(body)
        problem = _validate_card(body.get("content", ""), body.get("repoType") or "model")
        if problem:
            self._reply(400, {"error": problem, "errors": [{"message": problem}]})
        else:
            self._reply(200, {"warnings": []})

    def _preupload(self, raw: bytes, key: str) -> None:
        """Every file in "regular" mode: its content then comes base64 inside the commit (no LFS/Xet transfer). A
        file the repo has already comes with its git blob ``oid``, as from the Hub: ``create_commit`` leaves out an
        unchanged file, and makes no commit at all when nothing changed (with ``oid`` always None, a push of what
        the repo holds made a new commit here and none on the Hub)."""
        body = json.loads(raw or b"{}")
        self._record(body)
        with self.state.lock:
            held = dict(self.state.files.get(key, {}))
        files = [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
                  "oid": git_hash(held[f["path"]]) if f["path"] in held else None} for f in body.get("files", [])]
        self._reply(200, {"files": files, "commitOid": "0" * 40})

    def _commit(self, raw: bytes, kind: str, repo_id: str) -> None:
        """An NDJSON commit: its deletions (a file, or every file under a folder), then its additions; refused
        whole with the Hub's 412 when its header's ``parentCommit`` is not the head any more."""
        lines = [json.loads(line) for line in raw.splitlines() if line.strip()]
        self._record(lines)
        key = _repo_key(kind, repo_id)
        header = next((line["value"] for line in lines if line.get("key") == "header"), {})
        parent = header.get("parentCommit")
        with self.state.lock:
            lost, self.state.lost_answer = self.state.lost_answer, None
        if lost is not None and not lost[1]:  # failed before the commit landed
            self._lose_answer(lost[0])
            return
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
        with self.state.lock:
            refusal = next((self.state.refused[path] for path in added if path in self.state.refused), None)
        if refusal is not None:  # the Hub refuses a commit whole: none of its files or deletions land
            self._reply(400, {"error": refusal})
            return
        with self.state.lock:  # the head is read and moved under one lock: two commits on one parent, one 412
            moved = parent is not None and parent != self.state.heads[key]
            if not moved:
                oid = hashlib.sha1(json.dumps([self.state.heads[key], sorted(added), deleted]).encode()
                                   + b"".join(added.values())).hexdigest()
                files = self.state.files[key]
                for gone in deleted:
                    for path in [x for x in files if x == gone or x.startswith(gone.rstrip("/") + "/")]:
                        del files[path]
                files.update(added)
                self.state.commits[key].append(_commit_record(oid, self.state.heads[key], header.get("summary", ""),
                                                              header.get("description") or "", lines))
                self.state.heads[key] = oid
        if moved:
            self._reply(412, {"error": "A commit has happened since. Please refresh and try again."})
            return
        if lost is not None:  # the commit landed; its answer is lost
            self._lose_answer(lost[0])
            return
        self._reply(200, {"commitUrl": f"{self._repo_url(kind, repo_id)}/commit/{oid}", "commitOid": oid,
                          "pullRequestUrl": None})

    def _lose_answer(self, status: int | None) -> None:
        """A commit's answer that never comes right: the server's 5xx, or (``None``) the connection dropped with no
        answer at all (the client: "Server disconnected without sending a response")."""
        if status is None:
            self.close_connection = True
        else:
            self._reply(status, {"error": "Internal Error - We're working hard to fix this as soon as possible!"})


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

    def refuse_writes_to(self, namespace: str) -> None:
        """From now on the token may read ``namespace``'s repos but not write there (another user's, or a read-only
        token): creating a repo there and committing to one are the Hub's 403s."""
        with self._state.lock:
            self._state.read_only.add(namespace)

    def make_private_by_default(self, namespace: str) -> None:
        """From now on a repo created in ``namespace`` without a visibility is private, as in an organisation whose
        settings make new repos private (a visibility asked for still wins)."""
        with self._state.lock:
            self._state.private_default.add(namespace)

    def refuse_file(self, path: str, message: str) -> None:
        """From now on a commit adding ``path`` is the Hub's 400 with ``message`` (a file it will not store), and
        nothing of that commit lands."""
        with self._state.lock:
            self._state.refused[path] = message

    def fail_next_commit(self, status: int | None = 500, *, landed: bool) -> None:
        """The next commit is answered with ``status`` (a 5xx; ``None``: the connection drops with no answer),
        after the commit landed (``landed``) or without it: the client cannot tell which, as with the Hub's own
        502/504 or a connection lost while the commit was in flight. A commit the Hub would refuse (400, 412) is
        still refused when ``landed``."""
        with self._state.lock:
            self._state.lost_answer = (status, landed)

    @property
    def calls(self) -> list[HubCall]:
        return list(self._state.calls)

    @property
    def repos(self) -> dict[str, dict[str, Any]]:
        return dict(self._state.repos)

    @property
    def files(self) -> dict[str, dict[str, bytes]]:
        return {k: dict(v) for k, v in self._state.files.items()}
