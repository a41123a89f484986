"""Fetching a calendar from another site for `calendar-app import`, within limits.

An address given to the import may lead anywhere: to a redirect to the machine's own admin
pages (`http://127.0.0.1:8080/...`), to a cloud's metadata service (169.254.169.254), to
`ftp://`, or to a server that answers one byte a second. So, at every hop:

- only `http://` and `https://` are followed, and at most `FetchPolicy.max_redirects` times;
- the host is resolved once and every address it resolves to must be a global one (no
  loopback, link-local, private, shared, reserved or multicast address) unless the policy
  allows it (`--allow-private`, or `--allow-host NAME` for one host); the connection is then
  made to the address that was checked, so a second DNS answer cannot slip another in;
- one deadline covers resolving, connecting, TLS, every redirect and every byte read: each
  read waits only for the time that is left, so a slow drip ends there too;
- the answer is read to at most `FetchPolicy.max_bytes`.

A `webcal://` address names no protocol of its own: calendar apps read it as https or as http.
It is tried over https first and, when the site does not answer there (nothing listens, or
nothing speaks TLS, or its certificate is refused), over http within the same deadline and checks.

`fetch_if_changed` asks as a calendar app does when it looks again: with the ETag and
Last-Modified of the copy it has (If-None-Match, If-Modified-Since), and a `304 Not Modified`
answer means there is nothing new to read.

Built on the standard library's `http.client` and `ssl` (certificates checked as
`ssl.create_default_context` does) and `ipaddress` for what counts as global. Proxy settings
in the environment are not used: the address checked must be the address connected to.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..core.errors import CalendarError, with_hint

MAX_BYTES = 20 * 1024 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# What OpenSSL says when the other end answers in something other than TLS (plain http, mostly).
_NOT_TLS = frozenset({"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "UNKNOWN_PROTOCOL",
                      "PACKET_LENGTH_TOO_LONG", "UNEXPECTED_MESSAGE"})


class FetchFailed(CalendarError):
    """The address could not be fetched, or was refused; the message names the address and why."""

    def __init__(
        self, url: str, reason: str, *, redirected_from: str | None = None, hint: str | None = None,
        unanswered: bool = False,
    ) -> None:
        self.url, self.reason, self.redirected_from, self.hint = url, reason, redirected_from, hint
        self.unanswered = unanswered  # no connection, or no secure one, to the first address: nothing was said
        where = f"{url} (redirected from {redirected_from})" if redirected_from else url
        super().__init__(with_hint(f"{where}: {reason}", hint))


@dataclass(frozen=True)
class FetchPolicy:
    """What one fetch may do."""

    allow_private: bool = False  # every host may be on a private, loopback or link-local address
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)  # these hosts may be
    max_redirects: int = 5
    deadline_seconds: float = 30.0  # for the whole fetch, redirects included
    max_bytes: int = MAX_BYTES

    def allows(self, host: str) -> bool:
        return self.allow_private or _host_key(host) in {_host_key(h) for h in self.allowed_hosts}


@dataclass(frozen=True)
class Validators:
    """What identifies the copy of a calendar fetched last: the server's ETag and Last-Modified."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """The headers of a conditional request (none when nothing is known)."""
        given = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {name: value for name, value in given.items() if value}


@dataclass(frozen=True)
class Fetched:
    """An answer: the body of a 200, or None for a 304 (the copy known is current); its validators."""

    data: bytes | None
    validators: Validators = Validators()

    @property
    def not_modified(self) -> bool:
        return self.data is None


def fetch(url: str, policy: FetchPolicy = FetchPolicy(), notes: list[str] | None = None) -> bytes:
    """The body of a 200 answer for `url`, following redirects as the policy allows.

    A `webcal://` (or `webcals://`) address is fetched over https; `webcal://` falls back to
    http when the site does not answer over https, and says so in `notes`.
    """
    data = fetch_if_changed(url, Validators(), policy, notes).data
    assert data is not None  # no validators were sent, so a 304 was refused as an answer
    return data


def fetch_if_changed(
    url: str, known: Validators, policy: FetchPolicy = FetchPolicy(), notes: list[str] | None = None
) -> Fetched:
    """`url` fetched as `fetch` does, asking for it only if it changed since the copy `known` names.

    A `304 Not Modified` is an answer only to a request that named a copy (else it is refused
    like any other status but 200).
    """
    deadline = time.monotonic() + policy.deadline_seconds
    conditions = known.headers()
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("webcal", "webcals"):
        return _follow(url, policy, deadline, conditions)
    try:
        return _follow(f"https://{rest}", policy, deadline, conditions)
    except FetchFailed as exc:
        if not exc.unanswered or scheme.lower() == "webcals":
            raise
        secure = exc
    try:
        fetched = _follow(f"http://{rest}", policy, deadline, conditions)
    except FetchFailed as exc:
        plain = exc.reason if not exc.redirected_from else (
            f"{exc.url} (redirected from {exc.redirected_from}): {exc.reason}")
        raise FetchFailed(url, f"the site did not answer over https ({secure.reason}); tried http too: {plain}",
                          hint=exc.hint) from None
    if notes is not None:
        notes.append(f"fetched over http, which anyone on the way can read and change: "
                     f"the site did not answer over https ({secure.reason})")
    return fetched


def _follow(url: str, policy: FetchPolicy, deadline: float, conditions: dict[str, str]) -> Fetched:
    """The answer (200, or 304 to `conditions`) for `url`, following redirects as the policy allows, by `deadline`."""
    source, current = url, url
    for _hop in range(policy.max_redirects + 1):
        came_from = None if current == source else source
        try:
            location, fetched = _get(current, policy, deadline, conditions)
        except FetchFailed as exc:
            raise FetchFailed(exc.url, exc.reason, redirected_from=came_from, hint=exc.hint,
                              unanswered=exc.unanswered and came_from is None) from None
        except TimeoutError:  # (socket.timeout is the same class)
            raise FetchFailed(current, f"no complete answer within the deadline of {policy.deadline_seconds:g} s",
                              redirected_from=came_from, hint="--deadline SECONDS gives it longer") from None
        if location is None:
            return fetched
        current = urljoin(current, location)
    raise FetchFailed(url, f"more than {policy.max_redirects} redirects (the last to {current})")


def _get(url: str, policy: FetchPolicy, deadline: float, conditions: dict[str, str]) -> tuple[str | None, Fetched]:
    """One request: the redirect's target (or None), and the answer of a 200 or a 304 to `conditions`."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise FetchFailed(url, f"refused: only http:// and https:// addresses are fetched, not {scheme or 'this'}://")
    host = parts.hostname
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise FetchFailed(url, "the port is not a number from 0 to 65535") from None
    if not host:
        raise FetchFailed(url, "the address names no host")
    sock = _connect(url, host, port, policy, deadline)
    if scheme == "https":
        sock = _tls(url, sock, host, deadline)
    connection_class = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    connection = connection_class(host, port)
    connection.sock = sock  # connected to the checked address: the connection never resolves the name again
    response: http.client.HTTPResponse | None = None
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", target, headers={
            "User-Agent": "calendar-app import", "Accept": "text/calendar, */*;q=0.5", "Accept-Encoding": "identity",
            **conditions})
        response = connection.getresponse()
        if response.status in _REDIRECTS:
            location = response.getheader("Location")
            if not location:
                raise FetchFailed(url, f"the server answered {response.status} without saying where to")
            return location.strip(), Fetched(b"")
        validators = Validators(_header(response, "ETag"), _header(response, "Last-Modified"))
        if response.status == 304 and conditions:
            return None, Fetched(None, Validators(validators.etag or conditions.get("If-None-Match"),
                                                  validators.last_modified or conditions.get("If-Modified-Since")))
        if response.status != 200:
            raise FetchFailed(url, f"the server answered {response.status} {response.reason}".rstrip())
        return None, Fetched(_body(url, response, policy.max_bytes), validators)
    except TimeoutError:
        raise  # the deadline: told by `fetch`, which knows it
    except (http.client.HTTPException, OSError) as exc:
        raise FetchFailed(url, f"cannot fetch it ({exc or type(exc).__name__})") from None
    finally:
        if response is not None:
            response.close()  # it holds the socket too (the connection hands it over on a closing answer)
        connection.close()


def _header(response: http.client.HTTPResponse, name: str) -> str | None:
    """A validator the server gave, if it is one line of reasonable length (it is sent back as given)."""
    value = (response.getheader(name) or "").strip()
    return value if value and len(value) <= 200 and value.isprintable() else None


def _body(url: str, response: http.client.HTTPResponse, limit: int) -> bytes:
    too_large = f"refused: the answer is larger than the limit of {limit:,} bytes"
    declared = response.getheader("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > limit:
        raise FetchFailed(url, f"{too_large} (it says {int(declared):,})")
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise FetchFailed(url, too_large)
        chunks.append(chunk)
    return b"".join(chunks)


# --- where it may connect ------------------------------------------------------------------------


def _connect(url: str, host: str, port: int, policy: FetchPolicy, deadline: float) -> socket.socket:
    """A socket connected to one of `host`'s addresses, every one of which was checked first."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchFailed(url, f"cannot find the host {host} ({exc})") from None
    if not policy.allows(host):
        for *_, sockaddr in found:
            address = _address(str(sockaddr[0]))
            kind = _not_global(address)
            if kind:
                where = f"{host} is" if host == str(address) else f"{host} is at {address},"
                raise FetchFailed(
                    url,
                    f"refused: {where} a {kind} address",
                    hint=f"if this calendar is on your own network, add --allow-host {host}",
                )
    last: OSError | None = None
    for family, kind_, proto, _, sockaddr in found:
        sock = _DeadlineSocket(family, kind_, proto)
        sock.deadline = deadline
        try:
            sock.settimeout(sock.time_left())
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            if isinstance(exc, TimeoutError):
                raise
            last = exc
    why = last.strerror if last and last.strerror else last
    raise FetchFailed(url, f"cannot connect to {host} on port {port} ({why})", unanswered=True)


def _tls(url: str, sock: socket.socket, host: str, deadline: float) -> socket.socket:
    context = ssl.create_default_context()
    context.sslsocket_class = _DeadlineSSLSocket
    wrapped = context.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False)  # takes `sock` over
    try:
        wrapped.deadline = deadline  # type: ignore[attr-defined]
        wrapped.settimeout(wrapped.time_left())  # type: ignore[attr-defined]
        wrapped.do_handshake()  # one deadline for the whole handshake (ssl's own, from the timeout)
        return wrapped
    except ssl.SSLError as exc:
        wrapped.close()
        hint = "if the site serves only http, use its http:// address" if exc.reason in _NOT_TLS else None
        raise FetchFailed(url, _tls_failure(exc), hint=hint, unanswered=True) from None
    except TimeoutError:
        wrapped.close()
        raise
    except OSError as exc:  # reset or closed during the handshake
        wrapped.close()
        raise FetchFailed(url, f"the connection closed before it was secure ({exc.strerror or exc})",
                          unanswered=True) from None
    except BaseException:
        wrapped.close()
        raise


def _tls_failure(exc: ssl.SSLError) -> str:
    """What went wrong with a TLS handshake, in words: OpenSSL's own name of it only in brackets."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"its certificate was not accepted ({exc.verify_message or exc.reason})"
    code = str(exc.reason or type(exc).__name__).lower().replace("_", " ")
    if isinstance(exc, ssl.SSLEOFError):
        return f"the server closed the connection before it was secure ({code})"
    if exc.reason in _NOT_TLS:
        return f"the server does not speak https there ({code})"
    return f"no secure connection could be made ({code})"


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    address = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) names no other address
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def _not_global(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """What kind of address this is when it is not one on the internet at large; None when it is."""
    if address.is_global and not address.is_multicast:
        return None
    for kind in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return "non-global"


def _host_key(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


# --- one deadline for every read -------------------------------------------------------------------


class _Deadline:
    """Each read and write waits only for the time left before `deadline` (a monotonic time).

    A socket timeout alone bounds one read: a server that sends a byte a second never trips it.
    """

    deadline: float

    def time_left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the deadline passed")
        return left

    def recv_into(self, *args: Any, **kwargs: Any) -> int:
        self.settimeout(self.time_left())  # type: ignore[attr-defined]
        return super().recv_into(*args, **kwargs)  # type: ignore[misc,no-any-return]

    def sendall(self, *args: Any, **kwargs: Any) -> None:
        self.settimeout(self.time_left())  # type: ignore[attr-defined]
        super().sendall(*args, **kwargs)  # type: ignore[misc]


class _DeadlineSocket(_Deadline, socket.socket):
    pass


class _DeadlineSSLSocket(_Deadline, ssl.SSLSocket):
    pass
