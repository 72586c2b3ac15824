"""A per-sender rate limit shared by every worker process and unit: send slots handed out by one Lua script in
Redis (atomic, on Redis's own clock, so workers on several machines agree).

It is a token bucket that holds a single token (GCRA without burst): consecutive sends from one sender are
SPACING / rate seconds apart, whichever worker makes them, so no window of one second holds more than `rate`
sends. A bucket of `rate` tokens would not do: a window can see its full bucket plus a second of refill.
The 5 % beyond 1 / rate keeps that true where it counts, at the provider: a request arrives there a few
milliseconds after its slot, never exactly the same few (thread wake-up, network), and 50 ms of every second
absorb that jitter.

`reserve(key, rate, n)` books the sender's next n slots at once (the relay starts a group of rows in one
statement) and never refuses: when the sender is busy, the slots lie in the future and each send waits for its
own. The key expires a minute after its last booked slot."""

import functools
import time
from dataclasses import dataclass

import redis
from django.conf import settings

SPACING = 1.05  # slots are this many times 1 / rate apart

SCRIPT = """
local interval = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local first = math.max(now, tonumber(redis.call('GET', KEYS[1]) or 0))
local free = first + count * interval
redis.call('SET', KEYS[1], string.format('%.6f', free), 'EX', math.ceil(free - now) + 60)
return {string.format('%.6f', now), string.format('%.6f', first)}
"""


@dataclass(frozen=True)
class Slot:
    at: float  # when the send may start, on Redis's clock (seconds since the epoch): comparable across workers
    deadline: float  # the same moment on this process's time.monotonic() clock

    def wait(self) -> None:
        delay = self.deadline - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def run(self, function, *args):
        """function(*args), called once the slot has come."""
        self.wait()
        return function(*args)


@functools.lru_cache(maxsize=4)
def _script(url: str):
    return redis.Redis.from_url(url).register_script(SCRIPT)


def reserve(sender_key: str, rate: int, count: int = 1) -> list[Slot]:
    """Book `count` consecutive send slots from `sender_key`'s bucket (`rate` sends per second)."""
    interval = SPACING / rate
    now, first = map(float, _script(settings.REDIS_URL)(keys=[f"carehub:sms:slots:{sender_key}"],
                                                         args=[repr(interval), count]))
    offset = time.monotonic() - now  # Redis time -> this process's monotonic clock
    return [Slot(first + index * interval, first + index * interval + offset) for index in range(count)]
