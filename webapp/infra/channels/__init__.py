"""Channels: the ways a message leaves Linli (issue 17), each behind one small interface.

An adapter knows one gateway's protocol (its request signing, its rate limit, its error codes) and nothing
of Linli's records: it gets an `Envelope` with the address already resolved and the words already chosen,
sends it, and answers with a `Sent` that says in plain words what happened. It never raises for a gateway's
refusal or an unreachable server (a failing channel must never block the request or the job that caused the
message); it raises only for a programming error.

Adapters import no Flask, no model and no rule, so that the worker, the `channels check` command and the tests
use them alike. `build(kind, settings)` is the one way to get one; `KINDS` lists what exists.
"""

from webapp.infra.channels.base import Channel, Envelope, Sent

__all__ = ["Channel", "Envelope", "Sent"]
