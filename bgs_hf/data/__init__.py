"""Odd-one-out data: the paper's CSV release and the Hugging Face Hub layout, split by clip.

``load(source)`` recognises the source; ``write_hub(data, out_dir)`` publishes any source as two
parquet configs that ``datasets.load_dataset(dir, "judgments")`` reads without a loading script;
``read_triplet_table(csv, video_dir)`` reads your own trial-per-row CSV that names videos by file name;
``print(format_stats(data_stats(data)))`` is ``bgs-hf data stats``' table (``data_stats``: its JSON).
"""

from __future__ import annotations

from bgs_hf.data.container import OddOneOutData, TripletArrays
from bgs_hf.data.hub import DatasetCardInfo, write_hub
from bgs_hf.data.loader import load
from bgs_hf.data.splits import SplitConfig, check_no_leakage
from bgs_hf.data.stats import data_stats, format_stats
from bgs_hf.data.triplet_table import TripletColumns, read_triplet_table
from bgs_hf.data.validate import validate

__all__ = [
    "DatasetCardInfo",
    "OddOneOutData",
    "SplitConfig",
    "TripletArrays",
    "TripletColumns",
    "check_no_leakage",
    "data_stats",
    "format_stats",
    "load",
    "read_triplet_table",
    "validate",
    "write_hub",
]
