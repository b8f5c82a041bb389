"""Who may use the web chat: loopback (this machine only), authenticated (a login for every page and API call) or
read-only (no endpoint that changes the archive); refused when it would listen beyond loopback unguarded."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from pathlib import Path

from .errors import QAError


class AccessError(QAError):
    """The server would be open to strangers, or its credentials are malformed."""


def is_loopback(host: str) -> bool:
    """Whether every address host names is a loopback one (127.0.0.0/8, ::1): only this machine can connect."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False  # the server cannot bind it either; it says so itself
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def parse_user(text: str, where: str) -> tuple[str, str]:
    """USER:PASSWORD (the password may hold colons) as (user, password); where names the source for the error."""
    user, colon, password = text.partition(":")
    if not colon or not user.strip() or not password:
        raise AccessError(f"{where}: expected USER:PASSWORD with both parts non-empty")
    return user.strip(), password


def read_users(path: str | Path) -> list[tuple[str, str]]:
    """The users of a file: one USER:PASSWORD a line; blank lines and lines starting with # are skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise AccessError(f"cannot read the users file {path}: {getattr(e, 'strerror', None) or e}") from None
    users = [parse_user(line, f"{path}:{n}") for n, line in enumerate(lines, 1) if line.strip()[:1] not in ("", "#")]
    if not users:
        raise AccessError(f"{path}: no users in it (one USER:PASSWORD a line)")
    return users


def gather_users(auth: list[str] | None, auth_file: str | None, env: str | None) -> list[tuple[str, str]]:
    """The users from --auth and --auth-file; from $QA_AUTH (one USER:PASSWORD) when neither is given."""
    users = [parse_user(a, "--auth") for a in auth or []]
    if auth_file:
        users += read_users(auth_file)
    if not users and env:
        users = [parse_user(env, "QA_AUTH")]
    names = [u for u, _ in users]
    if twice := sorted({u for u in names if names.count(u) > 1}):
        raise AccessError(f"user {twice[0]!r} is given twice; give each user once")
    return users


@dataclass(frozen=True)
class Access:
    """How the chat is served: where, to whom, and whether the archive can be changed from it."""

    host: str
    users: list[tuple[str, str]] = field(default_factory=list, repr=False)
    read_only: bool = False

    @property
    def mode(self) -> str:
        if self.read_only:
            return "read-only, authenticated" if self.users else "read-only"
        return "authenticated" if self.users else "loopback"

    def check(self) -> Access:
        """Refuse to listen beyond loopback with neither a login nor --read-only; self otherwise."""
        if not self.users and not self.read_only and not is_loopback(self.host):
            raise AccessError(
                f"--host {self.host} listens beyond loopback with no login: anyone who can reach it could add and"
                " remove issues; give --auth USER:PASSWORD (or $QA_AUTH, or --auth-file FILE), or --read-only"
            )
        return self

    def describe(self, url: str) -> str:
        """The one line said at start: the mode, where, and what it allows."""
        who = (
            f"{len(self.users)} user{'s' * (len(self.users) != 1)}; every page and API call needs a login"
            if self.users
            else ("only this machine can connect; no login" if is_loopback(self.host) else "anyone who can reach it")
        )
        what = "no endpoint to upload, add or remove issues" if self.read_only else "the archive can be changed"
        return f"{self.mode} mode at {url}: {who}; {what}"
