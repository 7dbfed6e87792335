"""A TCP proxy on 127.0.0.1 that counts the bytes of each HTTP request and its response.

A client that sends one request at a time on a connection, as the app's poller
does, produces one `Exchange` per request. It records the request's bytes, the
response's bytes and the response's status code as they cross the socket. Those
are the HTTP headers and body, without the TCP/IP headers.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass


@dataclass
class Exchange:
    request_bytes: int = 0
    response_bytes: int = 0
    status: int | None = None

    @property
    def total(self) -> int:
        return self.request_bytes + self.response_bytes


class CountingProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._upstream)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            current: list[Exchange] = []  # this connection's exchange in progress
            threading.Thread(target=self._pump, args=(client, upstream, current, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, current, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, current: list[Exchange], is_request: bool) -> None:
        try:
            while data := source.recv(65536):
                with self._lock:
                    if is_request:
                        if not current or current[0].response_bytes:
                            current[:] = [Exchange()]
                            self.exchanges.append(current[0])
                        current[0].request_bytes += len(data)
                    elif current:
                        exchange = current[0]
                        if exchange.status is None and data.startswith(b"HTTP/"):
                            exchange.status = int(data.split(b" ", 2)[1])
                        exchange.response_bytes += len(data)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
