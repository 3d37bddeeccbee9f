"""`bgs-hf push RUN_DIR --repo-id USER/NAME`: publish a trained run (adapter, config, card, eval results)."""

from __future__ import annotations

import argparse

from bgs_hf.cli._parser import examples


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "push",
        help="publish a training run to the Hugging Face Hub with its model card",
        description=(
            "Stage the PEFT adapter (with the head), bgs_config.json, the model card README.md, a bundled or "
            "tiny-random base's weights in base/ and, for data on the Hub, .eval_results/*.yaml, then upload them in "
            "one commit (refused by the Hub, none of it lands). "
            "The token is read the usual way (HF_TOKEN or "
            "`hf auth login`) and never printed."
        ),
        epilog=examples("bgs-hf push runs/ss --repo-id you/bgs-ss --local-dir /tmp/staged",
                        "bgs-hf push runs/ss --repo-id you/bgs-ss --private"),
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="training run folder (holds bgs_config.json and metrics.json)")
    p.add_argument("--repo-id", required=True, help="target model repo, USER/NAME")
    p.add_argument("--private", action="store_true", help="create the repo as private (not with --local-dir)")
    p.add_argument(
        "--local-dir",
        default=None, metavar="DIR",
        help="write exactly the folder that would be uploaded here; upload nothing (must not exist, or be empty)",
    )
    p.add_argument(
        "--license", default=None, help="this adapter's licence id for the card (default: apache-2.0 for a "
        "SocialShapes run on a bundled or tiny-random base, else 'other', bound by the training data's and the base's "
        "terms; the card names the data's licence where its dataset card declared one, e.g. `data import --license "
        "cc-by-4.0`, and push says so in one line)"
    )
    p.add_argument("--split", default="test", help="evaluation split shown on the card (default: test)")
    p.add_argument(
        "--baseline",
        default=None,
        help="the pretrained model's fit on the same split and judgments: a behavioural_fit JSON or bgs-hf "
        "evaluate's evaluation.json of the run's backbone (one whose pretrained row is another backbone or a "
        "fine-tuned model, evaluate --pretrained RUN_FOLDER or run_suite given a LoRA model object, is refused, as are "
        "`bgs-hf baseline --json`'s captions or pixels and a run's metrics.json; "
        "default: RUN_DIR/baseline.json, which "
        "quickstart writes); its %% of ceiling "
        "is restated against the run's ceiling; a run whose metrics.json records its own baseline shows that one (a "
        "warning names the file not used)",
    )
    p.add_argument(
        "--dataset", default=None, metavar="ORG/NAME",
        help="the Hub dataset a run on a local data folder trained on (its export or download), for the card's "
        "`datasets:` and model-index; the card says it is your statement. Not needed for data read from the Hub, or "
        "from the Hub cache's snapshot folder, which the run records; refused where the run records another",
    )
    p.add_argument("--include-base", action="store_true",
                   help="publish the base model's weights in base/ (needed when the run started from a local folder)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bgs_hf.hub.push import push_run

    result = push_run(
        args.run_dir,
        args.repo_id,
        private=args.private,
        local_dir=args.local_dir,
        license=args.license,
        split=args.split,
        baseline=args.baseline,
        include_base=args.include_base,
        dataset=args.dataset,
    )
    if result.uploaded:
        print(f"pushed {len(result.files)} files to {result.url}")
    else:
        print(f"staged {len(result.files)} files in {result.folder} (nothing uploaded):")
        for name in result.files:
            print(f"  {name}")
    return 0
