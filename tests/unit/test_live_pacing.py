"""The live loop's frame pacing: a lone learner gets smooth frames, a class shares a fixed budget."""
from ui import live


def test_a_lone_stream_redraws_at_the_fast_rate():
    assert live.STREAMS.n == 0
    with live.STREAMS:
        assert live.redraw_every() == live.REDRAW


def test_many_streams_share_the_servers_frame_budget_up_to_a_cap():
    with live.STREAMS, live.STREAMS:
        assert live.redraw_every() == live.REDRAW
    for n in (10, 20, 40, 200):
        live.STREAMS.n = n
        try:
            every = live.redraw_every()
        finally:
            live.STREAMS.n = 0
        assert every == min(live.REDRAW_MAX, n / live.REDRAWS_PER_S)
        assert n / every <= live.REDRAWS_PER_S or every == live.REDRAW_MAX  # frames/s of the whole server


def test_the_count_comes_back_when_a_stream_fails():
    try:
        with live.STREAMS:
            raise RuntimeError("a worker died mid-stream")
    except RuntimeError:
        pass
    assert live.STREAMS.n == 0
