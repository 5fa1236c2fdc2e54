"""Synthetic submissions for tests and benchmarks: the seed forms replicated and varied.

Each copy gets new project codes, another district and bureau (so units and names
differ), and amounts moved by up to ±8% (so execution rates and findings differ).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from reviewer.extract import parse_text

DISTRICTS = ["福田区", "罗湖区", "南山区", "宝安区", "龙岗区", "盐田区", "龙华区", "坪山区", "光明区", "丰台区", "朝阳区", "海淀区"]
BUREAUS = ["信访局", "民政局", "教育局", "卫生健康局", "司法局", "应急管理局", "文化广电旅游体育局", "城市管理局", "水务局"]
_CODE = re.compile(r"(?<!\d)\d{18,21}(?!\d)")
_AMOUNT = re.compile(r"(?<![\d.])(\d{4,9})\.(\d{2})(?!\d)")
_PLACE = re.compile("福田区|丰台区|盐田区")
_BUREAU = re.compile("信访局|信访办公室")


def vary(text: str, rng: random.Random) -> str:
    district, bureau = rng.choice(DISTRICTS), rng.choice(BUREAUS)
    text = _CODE.sub(lambda m: str(rng.randrange(10 ** (len(m[0]) - 1), 10 ** len(m[0]))), text)
    text = _PLACE.sub(district, text)
    text = _BUREAU.sub(bureau, text)
    return _AMOUNT.sub(lambda m: f"{float(m[0]) * rng.uniform(0.92, 1.08):.2f}", text)


def make_year(examples: Path, folder: Path, forms: int, seed: int = 2024, units: int = 50) -> int:
    """Write about `forms` forms as varied copies of the seed .txt files; returns how many were written."""
    seeds = [(p, p.read_text(encoding="utf-8")) for p in sorted(Path(examples).glob("*.txt"))]
    per_file = {p.name: len(parse_text(t, p.name)) for p, t in seeds}
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written, r = 0, 0
    while written < forms:
        unit_dir = folder / f"unit{r % units:02d}"
        unit_dir.mkdir(exist_ok=True)
        for path, text in seeds:
            (unit_dir / f"{r:05d}_{path.name}").write_text(vary(text, rng), encoding="utf-8")
            written += per_file[path.name]
        r += 1
    return written
