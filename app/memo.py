"""Values a worker works out once and keeps for a while (worded reasons, drawn cards)."""

import time
from collections.abc import Callable, Hashable


class KeptForAWhile:
    """Values by key, all dropped every `seconds` (what they are made from, such as the
    reference names, can be reloaded while the server runs) and whenever `size` are held."""

    def __init__(self, seconds: float, size: int, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.size, self.clock = seconds, size, clock
        self.clear()

    def clear(self) -> None:
        self._values: dict[Hashable, object] = {}
        self._started = self.clock()

    def get(self, key: Hashable, make: Callable[[], object]):
        """The value kept under `key`, made by `make()` and kept if there is none."""
        if len(self._values) >= self.size or self.clock() - self._started > self.seconds:
            self.clear()
        try:
            return self._values[key]
        except KeyError:
            value = self._values[key] = make()
            return value
