"""Where an outbox message goes, as a typed value instead of strings built in many places.

An address is one of: a person (on the message's channel), the policy-division channel, the
CAIO channel, an e-mail address, or a thread in a shared channel. In the database it is the
`target` column (and, for a thread, `thread_key` and `opens_thread`); `columns_of` and
`address_of` convert both ways, so no other module writes "user:" + id.
"""

from __future__ import annotations

from dataclasses import dataclass

# One source of truth for the lengths of what holds an address (the outbox's target, the
# local channel's channel_key): "mail:" and an e-mail address of 254 characters (RFC 5321)
# fit, as does "user:" and the longest user id a person row can hold.
USER_ID_LENGTH = 128
EMAIL_LENGTH = 254
ADDRESS_LENGTH = 300


@dataclass(frozen=True)
class PersonAddress:
    """A person, by their user id on the channel the message is sent on."""

    user_id: str


@dataclass(frozen=True)
class PolicyChannel:
    """The policy division's shared channel."""


@dataclass(frozen=True)
class CaioChannel:
    """The CAIO's shared channel."""


@dataclass(frozen=True)
class MailAddress:
    address: str


SharedChannel = PolicyChannel | CaioChannel
POLICY = PolicyChannel()
CAIO = CaioChannel()


@dataclass(frozen=True)
class InThread:
    """A post in the thread named `key` (a report's, a request's) in a shared channel: the
    post that `opens` it starts the thread; every other one is a reply inside it."""

    key: str
    opens: bool = False
    place: SharedChannel = POLICY


Address = PersonAddress | PolicyChannel | CaioChannel | MailAddress | InThread


class AddressError(ValueError):
    """A target that names no address (or one too long for its column)."""


def target_of(address: Address) -> str:
    """The address as the `target` column (and the local channel's channel_key) holds it."""
    match address:
        case PersonAddress(user_id=user_id):
            text = f"user:{user_id}"
        case PolicyChannel():
            text = "policy"
        case CaioChannel():
            text = "caio"
        case MailAddress(address=mail):
            text = f"mail:{mail}"
        case InThread(place=place):
            text = target_of(place)
        case _:
            raise AddressError(f"not an address: {address!r}")
    if len(text) > ADDRESS_LENGTH:
        raise AddressError(f"an address of {len(text)} characters (at most {ADDRESS_LENGTH})")
    return text


def columns_of(address: Address) -> dict[str, str | bool | None]:
    """The outbox columns that hold the address."""
    thread = address if isinstance(address, InThread) else None
    return {
        "target": target_of(address),
        "thread_key": thread.key if thread else None,
        "opens_thread": thread.opens if thread else False,
    }


def parse_target(target: str) -> PersonAddress | SharedChannel | MailAddress:
    if target == "policy":
        return POLICY
    if target == "caio":
        return CAIO
    kind, _, rest = target.partition(":")
    if kind == "user" and rest:
        return PersonAddress(rest)
    if kind == "mail" and rest:
        return MailAddress(rest)
    raise AddressError(f"not an address: {target[:40]!r}")


def address_of(target: str, thread_key: str | None = None, opens: bool = False) -> Address:
    """The address held in the outbox columns."""
    plain = parse_target(target)
    if thread_key is None:
        return plain
    if not isinstance(plain, PolicyChannel | CaioChannel):
        raise AddressError(f"a thread outside a shared channel: {target[:40]!r}")
    return InThread(thread_key, opens, plain)


def shared_channel_of(address: Address) -> SharedChannel | None:
    """The shared channel a message goes to (directly or in a thread), if any."""
    if isinstance(address, InThread):
        return address.place
    return address if isinstance(address, PolicyChannel | CaioChannel) else None
