"""`bgs-hf space --model RUN_DIR_OR_REPO`: run the comparison Space locally, or stage/upload it (`--push`)."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

from bgs_hf._files import check_output_folder
from bgs_hf.cli._args import float_between, int_between
from bgs_hf.cli._parser import examples

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
#: the flags of a locally served Space: a pushed one serves where Hugging Face says, caching in $BGS_SPACE_CACHE
LOCAL_ONLY_FLAGS = ("cache_dir", "host", "port")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "space",
        help="run the Gradio Space comparing a model's similarities before and after fine-tuning (or publish it)",
        description="Serve (locally) or publish (--push) the Gradio Space in which anyone uploads or picks three "
        "clips and sees how the pretrained and the fine-tuned model judge the odd one out.",
        epilog=examples("bgs-hf space --model runs/ss", "bgs-hf space --model runs/ss --port 0 --split test",
                        "bgs-hf space --model you/bgs-ss --push --repo-id you/bgs-demo --local-dir /tmp/space"),
    )
    p.add_argument("--model", required=True, help="BGS run folder or Hub repo id of a pushed adapter")
    p.add_argument("--data", default=None, help="catalogue: a dataset folder or Hub dataset id (with --push, a Hub id; "
                   "default: generated SocialShapes)")
    # bgs_hf.hub.space_app.CATALOGUE_SPLITS, spelled out: importing it here would slow every command's --help
    p.add_argument("--split", default=None, choices=("train", "val", "test", "fit"),
                   help="show only this split's clips (default: all; fit = train and val)")
    p.add_argument(
        "--cache-dir", default=None,
        help="embeddings, thumbnails and decoded clips (default $BGS_SPACE_CACHE, else ~/.cache/bgs-hf/space)"
    )
    # None: not given (refused with --push, where they would be ignored); run() puts in the defaults the help names
    p.add_argument("--host", default=None, help=f"interface to serve on (default {DEFAULT_HOST})")
    p.add_argument("--port", type=int_between(0, 65535), default=None,
                   help=f"local port ({DEFAULT_PORT}; 0 = any free)")
    p.add_argument("--max-upload-mb", type=float_between(0.0, open_low=True), default=20.0, metavar="MIB",
                   help="largest video a visitor may upload, in MiB (default 20)")
    p.add_argument("--max-duration-s", type=float_between(0.0, open_low=True), default=30.0, metavar="SECONDS",
                   help="longest video a visitor may upload, in seconds (default 30)")
    p.add_argument("--push", action="store_true", help="stage/upload the Space folder instead of running it")
    p.add_argument("--repo-id", default=None, help="Space repo USER/NAME (with --push)")
    p.add_argument(
        "--local-dir", default=None, help="with --push: write the Space folder here, upload nothing"
    )
    p.add_argument("--private", action="store_true",
                   help="with --push: create the Space repo as private (not with --local-dir)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bgs_hf._process import exit_without_collecting
    from bgs_hf.errors import BGSInputError
    from bgs_hf.hub.space_app import (
        Catalogue,
        ModelPair,
        SpaceBackend,
        SpaceConfig,
        check_gradio,
        check_port_free,
        launch,
        push_space,
        serving_line,
    )

    settings = {
        "max_upload_mb": args.max_upload_mb,
        "max_duration_s": args.max_duration_s,
        "catalogue_split": args.split,
    }
    SpaceConfig(**settings)  # checked before anything is staged: a pushed Space with bad settings crashed on start
    if not args.push and (args.local_dir or args.repo_id or args.private):  # --private was silently ignored
        raise BGSInputError("--repo-id, --local-dir and --private only apply with --push (without it the Space runs "
                            "locally)")
    if args.push:
        given = [f"--{name.replace('_', '-')}" for name in LOCAL_ONLY_FLAGS if getattr(args, name) is not None]
        if given:  # they were dropped without a word: a --cache-dir on the Space's persistent /data was never used
            raise BGSInputError(f"{', '.join(given)} only {'applies' if len(given) == 1 else 'apply'} to a Space "
                                "served here, not with --push (a pushed Space serves on the port Hugging Face gives "
                                "it; set its BGS_SPACE_CACHE variable to move its cache, e.g. to /data on persistent "
                                "storage)")
        if not args.repo_id:
            raise BGSInputError("--push needs --repo-id USER/NAME for the Space")
        if args.data:
            from bgs_hf._offline import dataset_page_id
            from bgs_hf.hub.card import hub_dataset, hub_id_refusal, is_hub_id

            if (refusal := hub_id_refusal(args.data)) is not None:  # x/a--b: not a local folder, no Hub id either
                raise BGSInputError(f"--data: {refusal}")
            # neither a folder nor an id was refused as "the local folder https://...", a folder that is not there
            if not (folder := Path(args.data).exists()) and (page_id := dataset_page_id(args.data)):
                raise BGSInputError(f"--data takes the Hub dataset's id, not its page's address: pass --data {page_id}")
            if not folder and not is_hub_id(args.data):
                raise BGSInputError(f"--data {args.data}: no such folder, and no Hub dataset id (ORG/NAME); a pushed "
                                    "Space reads its catalogue from the Hub: pass the id of a dataset published "
                                    "with `bgs-hf data push`")
            if folder:
                hub = hub_dataset(args.data)  # the Hub cache's snapshot of a dataset: its id is known
                raise BGSInputError(f"a pushed Space cannot read the local folder {args.data}: " + (
                    f"it is the Hub cache's copy of {hub.repo_id}: pass --data {hub.repo_id}" if hub is not None
                    else "publish it with `bgs-hf data push` and pass its Hub dataset id to --data"))
            settings["data"] = args.data  # was dropped: the Space showed the generated SocialShapes instead
        files, url = push_space(
            args.model, args.repo_id, local_dir=args.local_dir, private=args.private, settings=settings
        )
        where = url or args.local_dir
        print(f"{'pushed' if url else 'staged'} {len(files)} Space files to {where}")
        return 0
    args.host = DEFAULT_HOST if args.host is None else args.host
    args.port = DEFAULT_PORT if args.port is None else args.port
    if not args.host.strip():  # gradio served a blank host on every interface, then failed on its URL "http://:7860/"
        raise BGSInputError(f"--host must name an interface (0.0.0.0 serves other machines too), got {args.host!r}")
    # stripped as the Space's GRADIO_SERVER_NAME is: " 0.0.0.0" (a quoted paste) was checked stripped, then served
    # unstripped, which the socket refused as an unknown host ("Name or service not known")
    args.host = args.host.strip()
    # a file there was "NotADirectoryError: afile/clips" (or FileExistsError) once both models had loaded
    check_output_folder(args.cache_dir, "--cache-dir")
    # before minutes of model loading and embedding, not after; found, not imported: the import (seconds, minutes on
    # a loaded machine) came before a mistyped --model was refused, and launch() imports it once the model has loaded
    check_gradio()
    config = SpaceConfig(model=args.model, data=args.data, cache_dir=args.cache_dir, **settings)
    config.check_cache_folder()  # $BGS_SPACE_CACHE naming a file: before the model loads, as --cache-dir
    if args.port:  # in use: said now, not once the models have loaded (0 = any free port, found below)
        check_port_free(args.host, args.port, "pass another --port (0: any free one)")
    port = args.port or _free_port(args.host)  # 0 = any free port (gradio itself would poll port 0)
    # the backend built here, not inside launch(), so the half minute of embedding is announced before it starts
    # and the address only once something answers there (it was printed first, then refused connections)
    models = ModelPair.load(config.model)
    catalogue = Catalogue.for_config(config)
    backend = SpaceBackend(config, models=models, catalogue=catalogue, on_embed=_say_embedding)
    demo = launch(config, server_name=args.host, server_port=port, prevent_thread_lock=True, backend=backend)
    try:
        # gradio's launch() returns once its server is up (it waits for uvicorn to start and checks the URL)
        print(serving_line(demo.local_url), flush=True)  # stdout may be a pipe
        _serve_until_stopped(demo)
    finally:
        backend.stop_decoding()  # an upload being decoded: its worker ends now, not at its deadline
        # close() cancels the requests still open (launch: the server does not wait for them); each cancelled one
        # is not an error, but uvicorn's log printed it as "Exception in ASGI application" with a traceback; off for
        # the close only: a later Space in this process (a notebook's next `main(["space", ...])`) logs its errors
        uvicorn_log = logging.getLogger("uvicorn.error")
        was_disabled, uvicorn_log.disabled = uvicorn_log.disabled, True
        try:
            demo.close(verbose=False)  # the server, its queue and any static-file worker processes; the port freed
        finally:
            uvicorn_log.disabled = was_disabled
        # a Space stops on a signal and its process then exits: the interpreter's collections over all the objects
        # loaded took another 1.5-4 s after "terminated" (a container's stop grace is 10 s)
        exit_without_collecting()
    return 0


def _serve_until_stopped(demo: Any) -> None:
    """Wait while the server runs. Not gradio's ``block_thread()``: it catches Ctrl-C and the CLI's SIGTERM
    (:class:`~bgs_hf.cli.main.Terminated`), prints its own "Keyboard interruption" line and returns, so a stopped
    Space exited 0; here both reach ``run_guarded``: "interrupted" (130) / "terminated" (143)."""
    while demo.is_running:
        time.sleep(0.1)


def _say_embedding(n_clips: int) -> None:
    """Before the catalogue is embedded (not when its embeddings are read from the cache, which the log says)."""
    print(f"embedding the catalogue ({n_clips} clips)...", flush=True)  # stdout may be a pipe


def _free_port(host: str) -> int:
    """A port the OS says is free on ``host`` now."""
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
