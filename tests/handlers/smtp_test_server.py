#!/usr/bin/python3
"""A real SMTP server on loopback for jobforge's email.send tests (aiosmtpd).

Prints "port N" once listening, then one line per event: "connect N
HOST:PORT" when the N-th client connects from HOST:PORT, "data" when a message's DATA begins. Saves each
accepted message as msg-N.eml (the raw bytes) and msg-N.json (the envelope
and the message as Python's own e-mail parser reads it). Exits when its
standard input closes, so it never outlives the test that started it.
"""

import argparse
import asyncio
import email
import email.policy
import email.utils
import hashlib
import json
import os
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

options = None
connections = 0
accepted = 0


def emit(line):
    print(line, flush=True)


def describe_part(part):
    """A leaf part as the test needs it: headers, decoded text or bytes."""
    payload = part.get_payload(decode=True) or b""
    described = {
        "content_type": part.get_content_type(),
        "charset": part.get_content_charset(),
        "transfer_encoding": part.get("Content-Transfer-Encoding"),
        "disposition": part.get_content_disposition(),
        "filename": part.get_filename(),
        "raw_body": part.get_payload(decode=False),
        "size": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "defects": [type(d).__name__ for d in part.defects],
    }
    if part.get_content_maintype() == "text" and part.get_content_disposition() != "attachment":
        described["text"] = part.get_content()
    return described


def describe_message(raw):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = {}
    for name in message.keys():
        headers.setdefault(name.lower(), []).append(str(message[name]))
    date = message["Date"]
    return {
        "headers": headers,
        "structure": [p.get_content_type() for p in message.walk()],
        "parts": [describe_part(p) for p in message.walk() if not p.is_multipart()],
        "defects": [type(d).__name__ for d in message.defects],
        "date_ok": date is not None and email.utils.parsedate_to_datetime(str(date)) is not None,
    }


def save(envelope):
    global accepted
    accepted += 1
    stem = os.path.join(options.dir, "msg-%d" % accepted)
    raw = envelope.original_content or envelope.content
    with open(stem + ".eml", "wb") as f:
        f.write(raw)
    summary = {
        "mail_from": envelope.mail_from,
        "rcpt_tos": envelope.rcpt_tos,
        "message": describe_message(raw),
    }
    # Written whole under another name first: the test never reads half a file.
    with open(stem + ".json.part", "w") as f:
        json.dump(summary, f)
    os.replace(stem + ".json.part", stem + ".json")
    return accepted


class Recorder:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if options.rcpt_reply:
            return options.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        emit("data")
        if options.data_delay:
            await asyncio.sleep(options.data_delay)
        if options.data_reply:
            return options.data_reply
        return "250 2.0.0 Ok: queued as %d" % save(envelope)


def authenticate(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    user, _, password = options.auth.partition(":")
    ok = auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok, handled=False)


class ObservedSMTP(SMTP):
    def connection_made(self, transport):
        global connections
        connections += 1
        host, port = transport.get_extra_info("peername")[:2]
        emit("connect %d %s:%d" % (connections, host, port))
        super().connection_made(transport)


def make_protocol():
    extra = {}
    if options.auth:
        # Loopback only, and the test checks the credentials: plaintext AUTH is fine here.
        extra = {"authenticator": authenticate, "auth_required": True, "auth_require_tls": False}
    return ObservedSMTP(Recorder(), hostname="jobforge-test.local", **extra)


async def serve():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(make_protocol, "127.0.0.1", 0)
    closed = loop.create_future()

    def on_stdin():
        if not sys.stdin.buffer.read1(4096) and not closed.done():
            closed.set_result(None)

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    emit("port %d" % server.sockets[0].getsockname()[1])
    await closed
    server.close()


def main():
    global options
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True, help="where received messages are saved")
    parser.add_argument("--rcpt-reply", help='answer every RCPT with this, e.g. "550 5.1.1 No such user"')
    parser.add_argument("--data-reply", help="answer every DATA with this instead of accepting")
    parser.add_argument("--data-delay", type=float, default=0, help="seconds to wait before answering DATA")
    parser.add_argument("--auth", help="USER:PASSWORD that AUTH must present (AUTH is then required)")
    options = parser.parse_args()
    asyncio.run(serve())


if __name__ == "__main__":
    main()
