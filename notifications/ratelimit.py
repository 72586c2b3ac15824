"""A per-sender rate limit shared by every worker process and unit: a token bucket in Redis, updated by one Lua
script (atomic, with Redis's own clock, so workers on several machines agree).

`acquire(key, rate, n)` takes n tokens and returns how long the caller must wait before sending: tokens are
reserved even when the bucket is empty (it goes into debt), so concurrent senders queue up fairly instead of
polling. The bucket holds at most one second of tokens (a burst of `rate` messages)."""

import functools
import time

import redis
from django.conf import settings

SCRIPT = """
local rate = tonumber(ARGV[1])
local wanted = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or rate
local at = tonumber(state[2]) or now
tokens = math.min(rate, tokens + (now - at) * rate) - wanted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], 3600)
if tokens >= 0 then return '0' end
return tostring(-tokens / rate)
"""


@functools.lru_cache(maxsize=4)
def _script(url: str):
    return redis.Redis.from_url(url).register_script(SCRIPT)


def acquire(sender_key: str, rate: int, tokens: int = 1) -> float:
    """Reserve `tokens` sends from `sender_key`'s bucket; returns the seconds to wait before sending them."""
    return float(_script(settings.REDIS_URL)(keys=[f"carehub:sms:rate:{sender_key}"], args=[rate, tokens]))


def wait(sender_key: str, rate: int, tokens: int = 1) -> float:
    delay = acquire(sender_key, rate, tokens)
    if delay > 0:
        time.sleep(delay)
    return delay
