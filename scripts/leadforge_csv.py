#!/usr/bin/env python3
"""Generate one leadforge lead-scoring dataset and flatten it to CSV.

leadforge (PyPI, MIT) simulates a B2B SaaS funnel offline and deterministically per seed. This
script runs its `generate` command for one seed and difficulty, reads the task splits of
`converted_within_90_days` and writes `train.csv`, `valid.csv` and `test.csv` into `--out`:
one row per lead, booleans as `true`/`false`, missing values as empty cells.

Columns the bundle's feature dictionary marks as leakage (features computed from events after
the snapshot, e.g. `total_touches_all`) are dropped unless `--keep-leakage` is given.

    pip install leadforge
    python3 scripts/leadforge_csv.py --seed 7 --difficulty intro --out /tmp/lf/intro-7
    cargo run --release --example scoring_eval -- \
        --train /tmp/lf/intro-7/train.csv --test /tmp/lf/intro-7/test.csv \
        --label converted_within_90_days
"""

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

RECIPE = "b2b_saas_procurement_v1"
DIFFICULTIES = ("intro", "intermediate", "advanced")


def generate_bundle(seed: int, difficulty: str, bundle_dir: Path) -> None:
    command = [
        "leadforge", "generate",
        "--recipe", RECIPE,
        "--seed", str(seed),
        "--mode", "student_public",
        "--difficulty", difficulty,
        "--out", str(bundle_dir),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"leadforge generate failed ({done.returncode}):\n{done.stderr}")


def leakage_columns(bundle_dir: Path) -> set:
    dictionary = bundle_dir / "feature_dictionary.csv"
    with dictionary.open(newline="") as f:
        return {row["name"] for row in csv.DictReader(f) if row["leakage_risk"] == "True"}


def cell(value) -> str:
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_split(parquet: Path, out: Path, drop: set) -> int:
    import pandas as pd

    frame = pd.read_parquet(parquet)
    frame = frame[[c for c in frame.columns if c not in drop]]
    with out.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(frame.columns)
        for row in frame.itertuples(index=False, name=None):
            writer.writerow([cell(v) for v in row])
    return len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--difficulty", choices=DIFFICULTIES, required=True)
    parser.add_argument("--out", type=Path, required=True, help="directory for the CSV files")
    parser.add_argument("--keep-leakage", action="store_true",
                        help="keep columns the feature dictionary marks as leakage")
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "bundle"
        generate_bundle(args.seed, args.difficulty, bundle)
        manifest_path = next(bundle.glob("tasks/*/task_manifest.json"))
        manifest = json.loads(manifest_path.read_text())
        drop = set() if args.keep_leakage else leakage_columns(bundle)
        counts = {
            split: write_split(manifest_path.parent / f"{split}.parquet",
                               args.out / f"{split}.csv", drop)
            for split in ("train", "valid", "test")
        }
    summary = {
        "seed": args.seed,
        "difficulty": args.difficulty,
        "label": manifest["label_column"],
        "dropped_leakage": sorted(drop),
        "rows": counts,
        "out": str(args.out),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
