"""A clock moved by hand, for code that takes ``clock: Callable[[], float]``."""

import time


class FakeClock:
    """Seconds since the epoch (like ``time.time``), starting now, moved by ``advance``."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
