"""`stembus-trustee`: a trustee's own tool for the key ceremony and the decryption.

    stembus-trustee ceremony --server https://stembus.example.org --secret-file alv.key
    stembus-trustee decrypt  --server https://stembus.example.org --secret-file alv.key

The token (made on the website's Trustee page) comes from STEMBUS_TRUSTEE_TOKEN or a
prompt; the passphrase of the secret file from STEMBUS_TRUSTEE_PASSPHRASE or a prompt.
The secret share never leaves this computer: the file is sealed with Argon2id and
ChaCha20-Poly1305 (protocol.md §I.10), written before anything that depends on it is
sent. For decryption the tool downloads the election record, verifies it, recomputes the
tally from the ballots itself, and decrypts only that (THREATS T16).
"""

from __future__ import annotations

import argparse
import getpass
import hmac
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from audit.log import parse_head
from ballots import (
    BallotsError,
    JSONValue,
    TrusteeSecret,
    canonical_json,
    decrypt_share,
    open_secret,
    seal_secret,
)
from voting import words
from voting.trustee.steps import (
    Action,
    BoardError,
    announcement_digests,
    announcements_fingerprint,
    next_step,
)
from voting.trustee.tally import RecordRefused, tally_to_decrypt
from voting.words import _

MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""The most the tool reads of an API answer (a board, the heads)."""
MAX_RECORD_BYTES = 8 * 1024 * 1024 * 1024
"""The most it downloads of an election record: some 55 kB per ballot, so 7,000 members
voting twice fill under 1 GB."""
POLL_SECONDS = 10
CHUNK_BYTES = 1024 * 1024


class ToolError(Exception):
    """Something the trustee must know; the tool stops with this message."""


class Server:
    """The Stembus server's trustee API, authenticated by the trustee's token."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/")
        self.token = token

    def _request(self, path: str, body: JSONValue | None = None) -> bytes:
        answer = bytearray()
        self._fetch(path, body, answer.extend, MAX_RESPONSE_BYTES)
        return bytes(answer)

    def _fetch(
        self, path: str, body: JSONValue | None, write: Callable[[bytes], object], limit: int
    ) -> None:
        """Send the request and hand the answer to `write` in chunks; an answer longer than
        `limit` bytes is refused, never cut short."""
        data = canonical_json(body) if body is not None else None
        request = urllib.request.Request(  # noqa: S310  # the server address is the trustee's own input
            self.base + path,
            data=data,
            method="POST" if data is not None else "GET",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept-Language": words.current(),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                received = 0
                while chunk := response.read(CHUNK_BYTES):
                    received += len(chunk)
                    if received > limit:
                        raise ToolError(
                            _(
                                "the server's answer to %(path)s is larger than %(limit)d bytes: refused",
                                path=path,
                                limit=limit,
                            )
                        )
                    write(chunk)
        except urllib.error.HTTPError as error:
            try:
                message = json.loads(error.read(65536)).get("message", "")
            except ValueError:
                message = ""
            raise ToolError(
                _(
                    "the server refused (%(code)d): %(message)s",
                    code=error.code,
                    message=message or error.reason,
                )
            ) from error
        except urllib.error.URLError as error:
            raise ToolError(
                _("cannot reach %(server)s: %(reason)s", server=self.base, reason=error.reason)
            ) from error
        except OSError as error:  # the connection broke off mid-answer
            raise ToolError(
                _("the connection to %(server)s failed: %(error)s", server=self.base, error=error)
            ) from error

    def board(self) -> dict[str, JSONValue]:
        """The ceremony's state for this trustee."""
        value = json.loads(self._request("/api/trustee/board"))
        if not isinstance(value, dict):
            raise ToolError(_("the server's answer is not a board"))
        return value

    def post(self, what: str, body: JSONValue) -> None:
        """Post a step's message."""
        self._request(f"/api/trustee/{what}", body)

    def record(self, slug: str, target: Path) -> None:
        """Download the election record (a zip) as the server publishes it to `target`."""
        with target.open("wb") as out:
            self._fetch(f"/elections/{slug}/record.zip", None, out.write, MAX_RECORD_BYTES)

    def heads(self, slug: str) -> list[JSONValue]:
        """The signed heads of the election's log, oldest first."""
        value = json.loads(self._request(f"/elections/{slug}/heads.json"))
        heads = value.get("heads") if isinstance(value, dict) else None
        if not isinstance(heads, list) or not heads:
            raise ToolError(_("the server published no signed heads"))
        return heads


def _passphrase(new: bool) -> str:
    given = os.environ.get("STEMBUS_TRUSTEE_PASSPHRASE")
    if given:
        return given
    first = getpass.getpass(_("Passphrase for your secret file: "))
    if new and getpass.getpass(_("The same passphrase again: ")) != first:
        raise ToolError(_("the two passphrases differ"))
    return first


def _save(path: Path, secret: TrusteeSecret, passphrase: str) -> None:
    # Write to a temporary file next to the target, then rename: a crash never leaves half a key.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "wb") as out:
        out.write(seal_secret(secret, passphrase))
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def _load(path: Path, passphrase: str) -> TrusteeSecret | None:
    if not path.exists():
        return None
    try:
        return open_secret(path.read_bytes(), passphrase)
    except BallotsError as error:
        raise ToolError(
            _(
                "cannot open %(path)s: wrong passphrase or damaged file (%(check)s)",
                path=path,
                check=error.check,
            )
        ) from error


def ceremony(
    server: Server,
    secret_file: Path,
    *,
    wait: bool,
    out: list[str],
    agreed: str | None = None,
) -> Action:
    """Take every step that is due; with `wait`, keep polling until the ceremony is done.

    The tool deals its shares only once the trustee has confirmed the announcements'
    fingerprint that the trustees read aloud to each other (`agreed`, or a yes at the
    prompt), and from then on refuses a board with other announcements (protocol.md §I.10
    step 1): otherwise a server could show it someone else's keys and read the share.
    """
    passphrase = _passphrase(new=not secret_file.exists())
    secret = _load(secret_file, passphrase)
    pinned = _pin_file(secret_file)
    digests_shown = False
    while True:
        board = server.board()
        try:
            step = next_step(board, secret)
            digests = announcement_digests(board) if not digests_shown else None
            fingerprint = announcements_fingerprint(board)
        except (BoardError, BallotsError) as error:
            raise ToolError(_("the ceremony cannot go on: %(error)s", error=error)) from error
        if digests is not None and fingerprint is not None:
            _show_digests(digests, fingerprint, out)
            digests_shown = True
        if secret is not None and board.get("step") in _USES_ANNOUNCEMENTS:
            # From dealing on, every step relies on the announcements: only the ones read aloud.
            if fingerprint is None:  # a board whose number of trustees is not the secret's
                raise ToolError(_("the board shows no complete set of announcements"))
            election = str(board.get("election_id"))
            held = _pinned(pinned, election)
            if held is None:  # not confirmed yet, or on another computer
                if not _agreed(fingerprint, agreed, out):
                    return Action.WAIT
                pinned.write_text(f"{election} {fingerprint}\n")
            elif held != fingerprint:
                raise ToolError(
                    _(
                        "the server now shows other announcements than the ones you dealt your shares to: stop, and tell the officer and the other trustees"
                    )
                )
        if step.secret is not None:
            _save(secret_file, step.secret, passphrase)
            secret = step.secret
        if step.action is Action.STOP:
            raise ToolError(step.reason)
        if step.action is Action.DONE:
            out.append(_("the key ceremony is complete; keep your secret file and passphrase safe"))
            return step.action
        if step.action is Action.WAIT:
            out.append(step.reason)
            if not wait:
                return step.action
            time.sleep(POLL_SECONDS)
            continue
        payload: JSONValue = (
            step.payload if isinstance(step.payload, dict) else {"items": step.payload or []}
        )
        server.post(step.action.value, payload)
        out.append(_SENT[step.action]())


_SENT: dict[Action, Callable[[], str]] = {
    Action.ANNOUNCE: lambda: _("sent: your announcement (public keys and commitments)"),
    Action.DEAL: lambda: _("sent: the encrypted shares for the other trustees"),
    Action.COMPLAIN: lambda: _("sent: the check of the shares you received"),
    Action.ANSWER: lambda: _("sent: your answers to complaints about your shares"),
    Action.CONFIRM: lambda: _("sent: your confirmation of the election key"),
}
"""What the tool says after each post (called when said, so in the chosen language)."""


def _pin_file(secret_file: Path) -> Path:
    """Where the tool keeps the fingerprint of the announcements it dealt to (not secret)."""
    return secret_file.with_name(secret_file.name + ".announcements")


_USES_ANNOUNCEMENTS = frozenset({"deal", "check", "answer", "confirm"})
"""The steps whose moves depend on the trustees' announcements (protocol.md §I.10 2-5)."""


def _pinned(path: Path, election: str) -> str | None:
    """The fingerprint this trustee confirmed for `election`, if this computer keeps one (a
    file of another vote at the same place does not count)."""
    if not path.exists():
        return None
    fields = path.read_text().split()
    return fields[1] if len(fields) == 2 and fields[0] == election else None


def _show_digests(digests: list[tuple[int, str]], fingerprint: str, out: list[str]) -> None:
    out.append(
        _(
            "announcement digests; read them aloud with the other trustees, they must be the same for everyone:"
        )
    )
    out += [
        "  " + _("trustee %(index)d: %(digest)s", index=index, digest=_grouped(digest))
        for index, digest in digests
    ]
    out.append(
        _("fingerprint of all announcements: %(fingerprint)s", fingerprint=_grouped(fingerprint))
    )


def _agreed(fingerprint: str, agreed: str | None, out: list[str]) -> bool:
    """Whether the trustee confirmed the fingerprint: given with --announcements, or (at a
    terminal) answered yes. Without either, the tool says what to do and waits."""
    if agreed is not None:
        if "".join(agreed.split()).lower() != fingerprint:
            raise ToolError(
                _(
                    "the announcements differ from the fingerprint given with --announcements: do not deal your shares; tell the officer and the other trustees"
                )
            )
        return True
    if sys.stdin.isatty():
        print("\n".join(out))
        out.clear()
        answer = input(
            _(
                "Is this the fingerprint the other trustees read aloud? Type yes to deal your shares: "
            )
        )
        if answer.strip().lower() in {"yes", "y", "ja", "j"}:
            return True
    out.append(
        _(
            "the tool goes on only with the announcements you confirm: compare the fingerprint with the other trustees, then run the tool again with --announcements followed by the fingerprint"
        )
    )
    return False


def _grouped(digest: str) -> str:
    """A hex digest in groups of eight, easier to read aloud."""
    return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))


def decrypt(
    server: Server,
    secret_file: Path,
    out: list[str],
    expect_root: str | None = None,
    record: Path | None = None,
) -> None:
    """Verify the record, recompute the tally from its ballots, and send a partial decryption.

    The record is downloaded from the server, or read from `record` (one fetched another
    way, for example by a witness); either way it must end in the server's newest head.
    """
    board = server.board()
    slug = board.get("election_id")
    if board.get("state") == "cancelled":
        raise ToolError(_("this vote has been cancelled: its ballots are never decrypted"))
    if not isinstance(slug, str) or board.get("state") != "closed":
        raise ToolError(_("decryption starts after voting has closed"))
    secret = _load(secret_file, _passphrase(new=False))
    if secret is None:
        raise ToolError(_("%(file)s does not exist", file=secret_file))
    requested = board.get("tally")
    if requested is None:
        raise ToolError(_("the server asks for no tally to decrypt"))
    closing_root = _root(expect_root) if expect_root is not None else None
    final = parse_head(canonical_json(server.heads(slug)[-1]))
    with tempfile.TemporaryDirectory() as folder:
        path = record if record is not None else Path(folder) / "record.zip"
        if record is None:
            server.record(slug, path)
        elif not record.is_file():
            raise ToolError(_("%(file)s does not exist", file=record))
        try:
            election, tally, closing = tally_to_decrypt(path, requested, final)
        except RecordRefused as refused:
            raise ToolError(
                _("the tool refuses to decrypt: %(reason)s", reason=refused)
            ) from refused
    # The closing head, not the newest: the log grows as trustees post their shares, and every
    # trustee must see the state the projector shows (protocol.md §II.3).
    out.append(
        _(
            "closing head: %(size)d entries, root %(root)s (compare it with the one shown at the meeting)",
            size=closing.head.size,
            root=closing.head.root.hex(),
        )
    )
    if closing_root is not None and not hmac.compare_digest(closing.head.root, closing_root):
        raise ToolError(
            _(
                "the log's closing state is not the one shown at the meeting (--expect-root): refusing to decrypt"
            )
        )
    share = decrypt_share(election, tally, secret)
    server.post("decryption", share.to_json())
    out.append(
        _(
            "sent the decryption share of trustee %(trustee)d for %(ballots)d ballots",
            trustee=share.trustee,
            ballots=tally.ballots_counted,
        )
    )


def _root(text: str) -> bytes:
    """The root hash given with --expect-root: 64 hex digits, in any case, spaces allowed (as
    read from the projector, in groups)."""
    digits = "".join(text.split()).lower()
    if len(digits) != 64 or any(c not in "0123456789abcdef" for c in digits):
        raise ToolError(_("--expect-root takes the root hash shown at the meeting: 64 hex digits"))
    return bytes.fromhex(digits)


def _language_given(argv: list[str] | None) -> str | None:
    """The --language of the command line, read before the help texts are made."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--language")
    return early.parse_known_args(argv)[0].language


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command."""
    words.use(words.choose(_language_given(argv), os.environ))
    parser = argparse.ArgumentParser(
        prog="stembus-trustee",
        description=_("A trustee's own tool for the key ceremony and the decryption."),
    )
    parser.add_argument("command", choices=["ceremony", "decrypt"])
    parser.add_argument(
        "--server", required=True, help=_("the Stembus address, e.g. https://stembus.example.org")
    )
    parser.add_argument(
        "--secret-file",
        required=True,
        type=Path,
        help=_("your secret share (made in the ceremony)"),
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help=_("keep waiting for the other trustees until the ceremony is done"),
    )
    parser.add_argument(
        "--expect-root",
        help=_(
            "decrypt only if the log's closing head has this root hash (shown at the meeting after closing)"
        ),
    )
    parser.add_argument(
        "--record",
        type=Path,
        help=_("decrypt: use this election record (a zip) instead of downloading it"),
    )
    parser.add_argument(
        "--announcements",
        help=_(
            "ceremony: the fingerprint of all announcements that the trustees read aloud to each other; the tool deals your shares only if it matches"
        ),
    )
    parser.add_argument(
        "--language",
        choices=words.LANGUAGES,
        help=_("nl (Dutch, the default) or en (English); also STEMBUS_LANGUAGE"),
    )
    args = parser.parse_args(argv)
    token = os.environ.get("STEMBUS_TRUSTEE_TOKEN") or getpass.getpass(
        _("Trustee token from the website: ")
    )
    server = Server(args.server, token.strip())
    lines: list[str] = []
    try:
        if args.command == "ceremony":
            ceremony(server, args.secret_file, wait=args.wait, out=lines, agreed=args.announcements)
        else:
            decrypt(server, args.secret_file, lines, args.expect_root, args.record)
    except ToolError as error:
        print("\n".join(lines))  # the tool's output
        print(f"stembus-trustee: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
