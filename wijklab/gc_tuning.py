"""The cyclic garbage collector, tuned for a long-running server process.

Measured with ``bench/chat.py`` (docs/benchmarks.md, "2026-12-02 (later): the
garbage collector"): with Python's defaults (a young collection every 700 net
allocations) a server process stopped for 150–450 ms at a time, over a second
in all, while a thousand sockets connected, each full collection walking the
~115,000 objects Django and the apps leave behind at start-up; while messages
flowed it stopped for 15–70 ms every second or two. Freezing the start-up
objects (they live as long as the process) takes them out of every later
collection, and a larger young generation makes collections rarer without
letting memory grow: cycles are still collected, after 50,000 allocations
instead of 700. The recipe of https://making.close.com/posts/taming-the-python-gc.
"""

import gc


def tune_for_server(gen0_threshold: int) -> None:
    """Freeze what exists now and collect the young generation less often; 0 leaves Python's defaults."""
    if gen0_threshold <= 0:
        return
    # Collect first: what is garbage now must not be frozen for the life of the process.
    gc.collect()
    gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0_threshold, gen1, gen2)
