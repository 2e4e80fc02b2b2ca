"""A minimal Redis client (GET / SET EX over TLS, RESP2) - enough for a response cache,
without packaging redis-py. Cache failures never fail a sync: they count as misses."""

import logging
import socket
import ssl

logger = logging.getLogger()


class RedisCache:
    def __init__(self, host, port, timeout=2.0):
        self._address = (host, port)
        self._timeout = timeout
        self._stream = None

    def _connect(self):
        if self._stream is None:
            raw = socket.create_connection(self._address, timeout=self._timeout)
            context = ssl.create_default_context()
            self._stream = context.wrap_socket(raw, server_hostname=self._address[0]).makefile("rwb")
        return self._stream

    def _command(self, *parts):
        stream = self._connect()
        encoded = [p if isinstance(p, bytes) else str(p).encode() for p in parts]
        message = b"*%d\r\n" % len(encoded)
        for p in encoded:
            message += b"$%d\r\n%s\r\n" % (len(p), p)
        stream.write(message)
        stream.flush()
        return self._reply(stream)

    def _reply(self, stream):
        line = stream.readline().rstrip(b"\r\n")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            length = int(rest)
            if length < 0:
                return None
            data = stream.read(length + 2)
            return data[:-2].decode()
        raise RuntimeError(f"unexpected Redis reply {line!r}")

    def get(self, key):
        try:
            return self._command("GET", key)
        except (OSError, RuntimeError) as error:
            logger.warning("cache get failed: %s", error)
            self._stream = None
            return None

    def set(self, key, value, ttl_seconds):
        try:
            self._command("SET", key, value, "EX", ttl_seconds)
        except (OSError, RuntimeError) as error:
            logger.warning("cache set failed: %s", error)
            self._stream = None
