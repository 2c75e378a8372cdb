import pytest

from signport.live.fingerspelling import FingerspellingDecoder
from signport.live.smoothing import MajorityVoteSmoother


def _spell(labels, **kwargs):
    decoder = FingerspellingDecoder(**kwargs)
    for label in labels:
        decoder.update(label)
    return decoder


def test_a_held_letter_is_typed_once():
    assert _spell(["A"] * 40).text == "A"


@pytest.mark.parametrize("between", ["nothing", "B"])
def test_the_same_letter_again_needs_a_break_or_another_letter(between):
    expected = "AA" if between == "nothing" else "ABA"
    assert _spell(["A"] * 5 + [between] * 3 + ["A"] * 5).text == expected


def test_undecided_frames_are_not_a_break():
    assert _spell(["A"] * 5 + [None] * 10 + ["A"] * 5).text == "A"


def test_repeat_after_retypes_a_long_hold():
    decoder = _spell(["L"] * 25, repeat_after=10)
    assert decoder.text == "LLL"
    assert [k.frame_index for k in decoder.keystrokes] == [0, 10, 20]


def test_space_and_del_act_as_keys():
    labels = ["H", "I", "space", "nothing", "Y", "O", "U", "X", "del", "nothing", "del", "U"]
    decoder = _spell(labels)
    assert decoder.text == "HI YOU"
    assert decoder.words == ["HI", "YOU"]
    assert [k.text for k in decoder.keystrokes][-3:] == ["HI YOU", "HI YO", "HI YOU"]


def test_del_on_empty_text_is_harmless():
    assert _spell(["del", "nothing", "del"]).text == ""


def test_glosses_from_a_word_model_are_typed_as_words():
    assert _spell(["book", "nothing", "whistle"]).text == "book whistle"


def test_noisy_stream_spells_exactly_hello_through_the_smoother():
    """30 fps style stream: each letter held ~12 frames with flicker, low-confidence frames and a
    hand drop to double the L."""
    frames = (
        [("H", 0.9)] * 10 + [("N", 0.9)] + [("H", 0.8)] * 3
        + [("E", 0.95)] * 12 + [("E", 0.3)] * 2
        + [("L", 0.9)] * 12 + [None] * 8 + [("L", 0.85)] * 12
        + [("O", 0.9)] * 5 + [("C", 0.9)] + [("O", 0.9)] * 8 + [("O", 0.2)] * 6
    )
    smoother, decoder = MajorityVoteSmoother(window=7), FingerspellingDecoder()
    for frame in frames:
        smoothed = smoother.update(None, hand_found=False) if frame is None else smoother.update(*frame)
        decoder.update(smoothed.label)
    assert decoder.text == "HELLO"


def test_invalid_repeat_after_is_rejected():
    with pytest.raises(ValueError):
        FingerspellingDecoder(repeat_after=0)
