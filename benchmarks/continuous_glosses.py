"""Continuous recognition with a video bundle: glosses right in order and ms per frame end to end.

    python benchmarks/continuous_glosses.py --bundle BUNDLE --sequences DATA/sequences --out glosses.json

Runs `signport.live.glosses.run_glosses` (what `signport live --glosses` runs) with the bundle's
ExecuTorch backbone (fp32 and int8 where exported) on every sequence video, scored against
sequences.json. Until `signport live --bundle` runs bundles (issue 13) this is how the ExecuTorch
numbers are measured; the classifier below is only the Classifier protocol over signport.runtime.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from signport.core.atomic import write_json
from signport.core.host import host_description
from signport.core.preprocessing import Preprocessing
from signport.live.glosses import run_glosses
from signport.runtime.bundle import BundleModel


class BundleGlossClassifier:
    def __init__(self, bundle: Path, precision: str, threads: int):
        self.model = BundleModel(bundle, format="executorch", precision=precision, threads=threads)
        self.labels = self.model.labels
        self.preprocessing = Preprocessing.from_dict(self.model.preprocessing)
        self.name = f"{bundle} (ExecuTorch {self.model.artifact['precision']})"

    def predict(self, batch: np.ndarray) -> np.ndarray:
        return self.model.logits(np.ascontiguousarray(batch, np.float32))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--sequences", type=Path, required=True, help="the folder `signport data synth --kinds sequences` wrote")
    parser.add_argument("--out", type=Path, default=Path("continuous_glosses.json"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pause-ms", type=float, default=320.0)
    args = parser.parse_args()
    results = {"host": host_description(), "load_average": os.getloadavg(), "runs": {}}
    manifest_precisions = {"fp32", "int8"}
    for precision in sorted(manifest_precisions):
        try:
            classifier = BundleGlossClassifier(args.bundle, precision, args.threads)
        except Exception as e:  # a precision the bundle lacks
            results["runs"][precision] = {"error": str(e)}
            continue
        config = SimpleNamespace(source=str(args.sequences / "videos"), truth=str(args.sequences / "sequences.json"),
                                 pause_ms=args.pause_ms, max_frames=None, transcript=None)
        summary = run_glosses(config, classifier)
        results["runs"][precision] = summary
        timing = summary["ms_per_frame"]
        print(f"ExecuTorch {precision}: {summary['accuracy']:.1%} glosses right in order (edit distance {summary['edit_distance']} / "
              f"{summary['true_glosses']}), {timing['mean']:.2f} ms/frame mean, p95 {timing['p95']:.2f}, max {timing['max']:.2f}")
    write_json(args.out, results)


if __name__ == "__main__":
    main()
