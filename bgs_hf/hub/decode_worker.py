"""Check and decode one untrusted video in a separate, time-limited process (the Space's upload path).

Run as ``python -m bgs_hf.hub.decode_worker --cache DIR --policy JSON --limits JSON [--parent PID] PATH``. On
success the decoded frames are in the :class:`~bgs_hf.video.ClipCache` under ``DIR`` (atomic ``.npy``), the frames
the clip holds are one JSON line on stdout (``{"frames": 8}``, as the header check counted them: the Space says when
they are fewer than the policy samples, and opens no upload itself) and the exit code is 0; on bad input the one-line
reason is printed on stderr with exit code 2 (3 when the decoder itself fails). A hung or crashing FFmpeg only takes
this process down; the parent kills it at its deadline. With ``--parent`` (the Space passes its own pid) it also ends
within a second of that process: a server that is SIGTERMed or SIGKILLed enforces no deadline, and a hung FFmpeg would
otherwise run on for good (PyAV lets go of the GIL while FFmpeg works).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys

EXIT_BAD_INPUT = 2
EXIT_FAILED = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bgs_hf.hub.decode_worker")
    parser.add_argument("--cache", required=True)
    parser.add_argument("--policy", required=True, help="FramePolicy as JSON")
    parser.add_argument("--limits", required=True, help="VideoLimits fields as JSON")
    parser.add_argument("--parent", type=int, default=None, help="end when the process with this pid ends")
    parser.add_argument("path")
    args = parser.parse_args(argv)
    if args.parent is not None:
        from bgs_hf._process import exit_with_parent

        exit_with_parent(args.parent)

    from bgs_hf.errors import BGSInputError
    from bgs_hf.video import ClipCache, FramePolicy, VideoLimits, check_video

    try:
        limits = json.loads(args.limits)
        for key in ("codecs", "containers"):
            if limits.get(key) is not None:
                limits[key] = tuple(limits[key])
        policy = FramePolicy.from_dict(json.loads(args.policy))
        # num_frames: the frames its decode samples
        info = check_video(args.path, VideoLimits(**limits), policy.num_frames)
        ClipCache(args.cache).get(args.path, policy)
    except BGSInputError as err:
        sys.stderr.write(f"{err}\n")
        return EXIT_BAD_INPUT
    except Exception as err:  # anything FFmpeg throws at us is a bad upload, reported in one line
        sys.stderr.write(f"could not decode the video ({type(err).__name__})\n")
        return EXIT_FAILED
    sys.stdout.write(json.dumps({"frames": info.frames}) + "\n")
    return 0


if __name__ == "__main__":
    # a stopping server's SIGTERM unwinds the decode, so the cache's half-written temp file is removed on the way out
    # (here, not in main(): that is called in-process too, and a handler is the whole process's)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(EXIT_FAILED))
    sys.exit(main())
