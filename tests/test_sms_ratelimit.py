"""The per-sender rate limit (notifications.ratelimit) on a real Redis: however many threads and processes send
for one sender, no second holds more than its rate; each sender has a bucket of its own; and the relay's
requests reach the gateway at the rate, never as a batch. Grant times are Redis's clock, the gateway's are its
own: behaviour, not speed, is asserted."""

import json
import subprocess
import sys
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from notifications import ratelimit
from notifications.models import Category, Status
from notifications.services import relay
from notifications.services.outbox import Row, queue_many

from . import sms_gateway as sms
from .sms_core_data import at, ready_to_send

gateway, sms_gateway = sms.gateway, sms.sms_gateway
RATE = 10
THREADS, SENDS = 6, 3  # per process: 2 × 6 × 3 = 36 sends, about 4 s at 10 per second

# Another worker process sending for the same sender, booking 3 slots at a time as the relay books a group.
OTHER_PROCESS = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
from django.conf import settings
settings.configure(REDIS_URL=sys.argv[1])
from notifications import ratelimit

def sender(_index):
    slots = ratelimit.reserve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    for slot in slots:
        slot.wait()
    return [slot.at for slot in slots]

with ThreadPoolExecutor(int(sys.argv[5])) as pool:
    print(json.dumps([at for granted in pool.map(sender, range(int(sys.argv[5]))) for at in granted]))
"""


def sender_key() -> str:
    return f"test:{uuid.uuid4().hex}"


def most_in_one_second(times: list[float]) -> int:
    """The most grants in any closed window of one second."""
    times = sorted(times)
    return max(sum(1 for later in times[index:] if later - first <= 1.0) for index, first in enumerate(times))


def send_one_at_a_time(key: str, sends: int) -> list[float]:
    granted = []
    for _send in range(sends):
        [slot] = ratelimit.reserve(key, RATE)
        slot.wait()
        granted.append(slot.at)
    return granted


def test_no_second_holds_more_than_the_rate_across_threads_and_processes():
    key = sender_key()
    other = subprocess.Popen([sys.executable, "-c", OTHER_PROCESS, settings.REDIS_URL, key, str(RATE), str(SENDS),
                              str(THREADS)], stdout=subprocess.PIPE, text=True)
    with ThreadPoolExecutor(THREADS) as pool:
        granted = [at for times in pool.map(lambda _index: send_one_at_a_time(key, SENDS), range(THREADS))
                   for at in times]
    output, _errors = other.communicate(timeout=60)
    assert other.returncode == 0
    granted += json.loads(output)
    assert len(set(granted)) == 2 * THREADS * SENDS  # every send got a slot of its own
    assert most_in_one_second(granted) == RATE  # never more; a full second of RATE when the sender is busy


def test_each_sender_has_a_bucket_of_its_own():
    busy, idle = sender_key(), sender_key()
    booked = ratelimit.reserve(busy, RATE, RATE)  # the busy sender's next second
    [other] = ratelimit.reserve(idle, RATE)
    [next_busy] = ratelimit.reserve(busy, RATE)
    assert other.at < booked[-1].at  # not queued behind the busy sender
    assert next_busy.at > booked[-1].at
    assert most_in_one_second([slot.at for slot in [*booked, next_busy]]) == RATE


@pytest.mark.django_db
def test_the_relay_paces_its_requests_at_the_gateway(in_alpha, gateway):
    """A relay run's thread pool (32 threads) used to send its whole first batch in the same second."""
    rate, count = 5, 16
    ready_to_send(rate_per_second=rate)
    queue_many(None, [Row(key=f"rate:{index}", category=Category.NOTICE, to=f"+86138{index:08d}", body="通知")
                      for index in range(count)], now=at(10))
    assert relay.relay(now=at(10)).outcomes[Status.SENT] == count
    per_second = Counter(message["date_created"] for message in gateway.messages())  # Twilio's whole seconds
    assert sum(per_second.values()) == count and max(per_second.values()) <= rate
