import pytest

from signport.live.smoothing import MajorityVoteSmoother


def _feed(smoother, votes):
    """votes: label, (label, confidence), or None for a frame without a hand."""
    result = None
    for vote in votes:
        if vote is None:
            result = smoother.update(None, hand_found=False)
        elif isinstance(vote, tuple):
            result = smoother.update(*vote)
        else:
            result = smoother.update(vote, 0.9)
    return result


def test_label_needs_a_majority_of_the_whole_window_before_it_shows():
    smoother = MajorityVoteSmoother(window=5)
    assert [smoother.update("A", 0.9).label for _ in range(4)] == [None, None, "A", "A"]


def test_isolated_flicker_does_not_change_the_label():
    smoother = MajorityVoteSmoother(window=5)
    results = [smoother.update(label, 0.9).label for label in "AAAAABAAACAA"]
    assert results[4:] == ["A"] * 8


def test_label_switches_once_the_new_one_holds_the_majority():
    smoother = MajorityVoteSmoother(window=5)
    labels = [smoother.update(label, 0.9).label for label in "AAAAABBBBB"]
    assert labels[5:] == ["A", "A", "B", "B", "B"]


def test_low_confidence_frames_abstain_and_end_in_undecided():
    smoother = MajorityVoteSmoother(window=5, min_confidence=0.6)
    assert _feed(smoother, ["A"] * 5).label == "A"
    assert _feed(smoother, [("B", 0.3)] * 2).label == "A"  # 3 of 5 still A
    assert _feed(smoother, [("B", 0.3)]).label is None  # 2 of 5: nobody has a majority


def test_no_hand_is_a_vote_for_nothing():
    smoother = MajorityVoteSmoother(window=3)
    result = _feed(smoother, ["A", None, None])
    assert (result.label, result.support, result.confidence) == ("nothing", pytest.approx(2 / 3), 1.0)


def test_support_and_confidence_describe_the_winning_votes():
    smoother = MajorityVoteSmoother(window=4, min_confidence=0.5)
    result = _feed(smoother, [("A", 0.8), ("A", 0.6), ("B", 0.9), ("A", 0.7)])
    assert result.label == "A" and result.support == 0.75 and result.confidence == pytest.approx(0.7)


def test_ties_go_to_the_most_recent_label_when_plurality_is_allowed():
    smoother = MajorityVoteSmoother(window=4, min_support=0.0)
    assert _feed(smoother, ["A", "A", "B", "B"]).label == "B"


def test_reset_forgets_the_window():
    smoother = MajorityVoteSmoother(window=3)
    _feed(smoother, ["A"] * 3)
    smoother.reset()
    assert smoother.update("A", 0.9).label is None


@pytest.mark.parametrize("kwargs", [{"window": 0}, {"min_support": 1.0}])
def test_invalid_settings_are_rejected(kwargs):
    with pytest.raises(ValueError):
        MajorityVoteSmoother(**kwargs)
