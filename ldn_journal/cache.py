"""A Redis cache that fails open: when Redis is unreachable, pages still render.

Only allauth's rate limits and short-lived lookups live in the cache; losing them for the
length of an outage is better than a patient being unable to log tonight's dose. So every
cache call that cannot reach Redis behaves like a miss (get returns the default, add
succeeds, writes are dropped) and logs a warning that carries no key (keys can hold an IP).
After such a failure the cache is skipped for a few seconds: a frozen Redis answers nothing
until the socket timeout, and a page making several cache calls must not wait out each one.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ldn_journal import redis_outages

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
# After a failure, the process skips this Redis (cache and broker) for this long.
SKIP_AFTER_FAILURE_SECONDS = 5.0


def _warn(operation, exc):
    logger.warning(
        "Redis cache unavailable during %s (%s): serving without the cache for %.0f s; rate "
        "limits are not enforced until it is back.",
        operation,
        type(exc).__name__,
        SKIP_AFTER_FAILURE_SECONDS,
    )


def _fail_open(name, fallback):
    method = getattr(RedisCache, name)

    def wrapper(self, *args, **kwargs):
        if any(redis_outages.is_down(server) for server in self._servers):
            return fallback(*args, **kwargs) if callable(fallback) else fallback
        try:
            return method(self, *args, **kwargs)
        except UNAVAILABLE as exc:
            for server in self._servers:
                redis_outages.mark_down(server, SKIP_AFTER_FAILURE_SECONDS)
            _warn(name, exc)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    wrapper.__name__ = name
    wrapper.__doc__ = method.__doc__
    return wrapper


def _default(_key, default=None, *args, **kwargs):
    return default


class FailOpenRedisCache(RedisCache):
    get = _fail_open("get", _default)
    get_many = _fail_open("get_many", {})
    has_key = _fail_open("has_key", False)
    # add() succeeding keeps allauth's rate-limit lock from waiting out its timeout.
    add = _fail_open("add", True)
    set = _fail_open("set", None)
    set_many = _fail_open("set_many", lambda _data, *args, **kwargs: [])
    touch = _fail_open("touch", False)
    delete = _fail_open("delete", False)
    delete_many = _fail_open("delete_many", None)
    clear = _fail_open("clear", None)
