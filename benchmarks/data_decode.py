"""Decode speed of the data loaders on real samples: video frames/s, image reads/s, frame-count cost.

    python benchmarks/data_decode.py --data ../shared/data --out decode.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from signport.core.atomic import write_json
from signport.data.loaders import load_dataset, read_image
from signport.data.video import read_video_frames, video_info
from signport.core.host import host_description, host_line


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def count_by_decoding(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared/data folder")
    parser.add_argument("--out", type=Path, default=None, help="write the JSON here (printed either way)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    videos = sorted((args.data / "wlasl_sample" / "videos").glob("[0-9]*.mp4"))
    per_video = []
    for path in videos:
        info = video_info(path)
        native = best_of(args.repeats, lambda: read_video_frames(path))
        small = best_of(args.repeats, lambda: read_video_frames(path, size=112))
        verified = best_of(args.repeats, lambda: video_info(path))
        counted = best_of(args.repeats, lambda: count_by_decoding(path))
        per_video.append({
            "video": path.name, "frames": info.num_frames, "width": info.width, "height": info.height,
            "decode_native_fps": round(info.num_frames / native, 1),
            "decode_112_fps": round(info.num_frames / small, 1),
            "video_info_ms": round(verified * 1e3, 2), "count_by_decoding_ms": round(counted * 1e3, 2),
        })

    index = load_dataset(args.data / "asl_alphabet")
    sample = [index.paths[i] for i in np.random.default_rng(0).choice(len(index), 200, replace=False)]
    image_s = best_of(args.repeats, lambda: [read_image(p, 224) for p in sample])
    index_s = best_of(args.repeats, lambda: load_dataset(args.data / "asl_alphabet"))

    result = {
        "machine": host_line(), "host": host_description(),
        "cv2": cv2.__version__, "cv2_threads": cv2.getNumThreads(),
        "videos": per_video,
        "read_image_224_per_s": round(len(sample) / image_s, 1),
        "index_asl_alphabet_5800_s": round(index_s, 4),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        write_json(args.out, result)


if __name__ == "__main__":
    main()
