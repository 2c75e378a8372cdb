"""Continuous gloss recognition: pauses split the stream, each sign is classified once, the sequence is scored."""

from __future__ import annotations

import json

import numpy as np
import pytest

from signport.core.errors import InputError
from signport.core.preprocessing import clip_preprocessing
from signport.data.synth.clips import render_sequence
from signport.data.synth.signers import signer_for_index
from signport.live.glosses import GlossSpotter, MotionSegmenter, edit_distance, read_truth, sequence_accuracy


def test_edit_distance_counts_substitutions_insertions_and_deletions():
    assert edit_distance(["a", "b", "c"], ["a", "b", "c"]) == 0
    assert edit_distance(["a", "x", "c"], ["a", "b", "c"]) == 1
    assert edit_distance(["a", "c"], ["a", "b", "c"]) == 1
    assert edit_distance(["a", "b", "b", "c"], ["a", "b", "c"]) == 1
    assert edit_distance([], ["a", "b"]) == 2
    assert sequence_accuracy(["a", "x", "c", "d"], ["a", "b", "c", "d"]) == 0.75
    assert sequence_accuracy(["x"] * 9, ["a"]) == 0.0


def _sequence(glosses, sign_frames=12, pause_frames=10, size=48):
    return render_sequence(glosses, signer_for_index(0, "default", 3), np.random.default_rng(1), sign_frames, pause_frames, size)


def test_motion_segmenter_finds_each_rendered_sign_within_a_frame_or_two():
    video, _, timing = _sequence(["hello", "yes", "eat", "where", "mother"])
    segmenter = MotionSegmenter(pause_frames=6)
    found = [s for s in (segmenter.update(frame) for frame in video) if s is not None]
    found += [s] if (s := segmenter.flush()) else []
    assert len(found) == len(timing.segments)
    for segment, (first, last) in zip(found, timing.segments):
        assert abs(segment.first - first) <= 2 and abs(segment.last - last) <= 4


class _OracleClassifier:
    """Answers the next true gloss on each call and records the clip shapes it was handed: checks
    that the spotter calls the model once per sign, in order, with the model's clip shape."""

    def __init__(self, truth):
        self.labels = sorted(set(truth))
        self.preprocessing = clip_preprocessing(size=24, clip_length=4, clip_fps=25.0)
        self.calls = []
        self.truth = truth

    def predict(self, batch):
        self.calls.append(batch.shape)
        logits = np.zeros((1, len(self.labels)), np.float32)
        logits[0, self.labels.index(self.truth[len(self.calls) - 1])] = 5.0
        return logits


def test_spotter_calls_the_model_once_per_sign_with_a_clip_shaped_as_trained():
    truth = ["hello", "yes", "eat", "where", "mother", "yes"]
    video, _, _ = _sequence(truth)
    classifier = _OracleClassifier(truth)
    spotter = GlossSpotter(classifier, source_fps=25.0, pause_ms=240.0)
    for frame in video:
        spotter.process(frame)
    spotter.finish()
    assert [g.gloss for g in spotter.glosses] == truth
    assert classifier.calls == [(1, 3, 4, 24, 24)] * len(truth)
    assert len(spotter._frames) <= 1  # nothing of a finished sign is kept


def test_truth_reads_a_list_or_the_videos_entry_of_sequences_json(tmp_path):
    assert read_truth("hello, yes ,eat", "x.mp4") == ["hello", "yes", "eat"]
    file = tmp_path / "sequences.json"
    file.write_text(json.dumps({"videos": {"seq001": {"glosses": ["want", "no"], "segments": [[1, 2], [4, 5]]}}}))
    assert read_truth(str(file), "/some/where/seq001.mp4") == ["want", "no"]
    with pytest.raises(InputError, match="has no entry for seq009"):
        read_truth(str(file), "seq009.mp4")
