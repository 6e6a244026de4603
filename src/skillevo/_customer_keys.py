"""Which argument names hold a person's data, judged on the key's words like `is_secret_key`.

``holder``, ``passenger_name``, ``lastName``, ``recipient``, ``email``, ``phone_number``,
``date_of_birth``, ``iban`` name a person, their contact or their identity: the values a tool
accepts for them ("must be one of Moreau, Stone") are one customer's records, not a closed set the
tool declares, so no prompt lists them (`_guidance_facts.declared_values`). ``name``, ``file_name``,
``city``, ``holder_type`` name no person.

The same judgement keeps a person out of a repair (`writes_person`): a constant a repair writes into
such a field was one customer's (the payee one agent's correction added), and as a rule it would
write that person into every later customer's call.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ._secret_contact import contact_spans
from ._secret_keys import key_words
from ._shape import literal_is_code

__all__ = ["holds_one_value", "is_personal_key", "names_a_name", "names_an_id", "writes_person"]

#: Words naming a person (their values are people's names) or a person's contact or identity field.
_PERSON_WORDS = frozenset(
    {"holder", "holders", "cardholder", "accountholder", "owner", "passenger", "passengers", "recipient",
     "recipients", "beneficiary", "beneficiaries", "payee", "payer", "customer", "customers", "guest", "guests",
     "patient", "traveler", "traveller", "travelers", "travellers", "addressee", "sender", "contact", "contacts",
     "surname", "surnames", "firstname", "lastname", "fullname", "givenname", "familyname", "middlename",
     "email", "emails", "mail", "phone", "phones", "mobile", "telephone", "tel", "msisdn", "address", "addresses",
     "street", "dob", "birthdate", "birthday", "birth", "passport", "iban", "nationality", "username", "usernames",
     "userid"}
)  # fmt: skip
#: Words naming one contact or identity value: every field of a record under such a key is part of
#: it (``shipping_address = {"line1": ..., "postcode": ...}``), unlike a person's record
#: (``customer = {"tier": ...}``), whose fields are judged on their own keys.
_VALUE_WORDS = frozenset(
    {"email", "emails", "mail", "phone", "phones", "mobile", "telephone", "tel", "msisdn", "address",
     "addresses", "street", "dob", "birthdate", "birthday", "birth", "passport", "iban"}
)  # fmt: skip
#: Words whose values are a person's name: written in lower case (``jane roe``) it is still a name.
_NAME_WORDS = frozenset(
    {"name", "names", "surname", "surnames", "firstname", "lastname", "fullname", "givenname", "familyname",
     "middlename", "holder", "holders", "cardholder", "accountholder", "owner", "passenger", "passengers",
     "recipient", "recipients", "beneficiary", "beneficiaries", "payee", "payer", "guest", "guests", "patient",
     "traveler", "traveller", "travelers", "travellers", "addressee", "sender", "username", "usernames", "userid"}
)  # fmt: skip
#: A "name" is a person's after these words (``first_name``, ``passenger_name``); ``file_name`` is none.
_NAME_MODIFIERS = frozenset(
    {"first", "last", "full", "given", "family", "middle", "maiden", "legal", "display", "nick", "person",
     "user", "contact", "account"}
) | _PERSON_WORDS  # fmt: skip
#: A "number" or "id" is a person's after these (``account_number``, ``national_id``, ``tax_id``).
#: (``user_id``: a person's account, often spelling their name, ``jdoe_1984``; a ``client_id`` is an app's.)
_ID_MODIFIERS = frozenset(
    {"account", "national", "tax", "passport", "license", "licence", "identity", "social", "user"}
)
#: A last word that describes the field rather than holding it (``holder_type``, ``email_format``).
_DESCRIPTOR_TAILS = frozenset(
    {"type", "types", "kind", "count", "format", "formats", "status", "id_type", "required", "enabled", "mode",
     "policy", "field", "fields", "length", "limit", "verified", "valid", "template", "provider", "domain"}
)  # fmt: skip


@functools.lru_cache(maxsize=4096)
def is_personal_key(key: str) -> bool:
    """Whether a value under `key` is a person's name, contact or identity (see the module doc)."""
    words = tuple(w.rstrip("0123456789") or w for w in key_words(key))
    if not words or (len(words) > 1 and words[-1] in _DESCRIPTOR_TAILS):
        return False
    last, before = words[-1], words[:-1]
    if last in ("name", "names"):
        return any(w in _NAME_MODIFIERS for w in before)
    if last in ("number", "id", "no", "num"):
        return any(w in _ID_MODIFIERS or w in _PERSON_WORDS for w in before)
    if last in ("date", "day"):
        return "birth" in before
    # The field holds the person or their contact (``recipient``, ``billing_address``); a person's
    # attribute names its kind last (``customer_tier``, ``contact_method``: a closed set of the tool's).
    return last in _PERSON_WORDS


def holds_one_value(key: str) -> bool:
    """Whether `key` is a person's key naming one contact or identity value (``billing_address``,
    ``email``): a record under it is that value's parts, all of them the person's."""
    words = key_words(key)
    return bool(words) and is_personal_key(key) and (words[-1].rstrip("0123456789") or words[-1]) in _VALUE_WORDS


def names_a_name(key: str) -> bool:
    """Whether `key` is a person's key whose value is a person's name (``last_name``, ``payee``)."""
    words = key_words(key)
    return bool(words) and is_personal_key(key) and (words[-1].rstrip("0123456789") or words[-1]) in _NAME_WORDS


def names_an_id(key: str) -> bool:
    """Whether `key` is a person's identifier (``customer_id``, ``account_number``): its format code
    (``CUS-``) is the same for every customer (`_id_code`)."""
    words = key_words(key)
    return bool(words) and words[-1] in ("id", "number", "no", "num") and is_personal_key(key)


def writes_person(ops: Iterable[Mapping[str, Any]]) -> bool:
    """Whether repair operations (as JSON) write a constant into a field that holds a person.

    A value set under a person's key (``payee``, ``card.holder_name``, ``legs.*.passenger``), a
    member of a set object or list under one (``transfer = {"beneficiary": ...}``), text with a
    letter added before or after a person's value, and any value map on a person's field (what it
    reads and what it writes are both people's values) count; a cleared field (``None``) and a flag
    do not, nor do the ops that reshape the agent's own value (case, strip, a cast, a sign added).
    On any key, a constant holding a contact detail or a mailbox's domain counts (`_holds_contact`).
    Learned from one customer's correction, such a constant is that customer's record, never a rule.
    """
    for op in ops:
        arg = op.get("arg")
        if not isinstance(arg, str):
            continue
        if any(_holds_contact(c) for c in _constants(op)):
            return True
        if op.get("op") == "set" and _holds_person(op.get("value"), is_personal_key(arg)):
            return True
        # Text glued onto a person's value ("Mallory " before a payee) writes a name all the same; a
        # sign or digits (a phone's "+") name no one, nor does an identifier's format code (`CUS-`).
        text = op.get("text")
        if (
            op.get("op") in ("add_prefix", "add_suffix")
            and isinstance(text, str)
            and is_personal_key(arg)
            and any(c.isalpha() for c in text)
            and not _id_code(arg, text)
        ):
            return True
        if op.get("op") == "map":
            mapping = op.get("mapping")
            if not isinstance(mapping, Mapping) or not mapping:
                continue
            if is_personal_key(arg) or any(_holds_person(v, False) for v in mapping.values()):
                return True
    return False


#: A mailbox's domain glued on alone (``@mail.ng``): the rest of an address a repair would complete.
_MAIL_DOMAIN = re.compile(r"@[^\s@]+\.[^\W\d_]{2,}")


def _constants(op: Mapping[str, Any]) -> list[str]:
    """The texts an operation writes: a set value (and the strings it holds), an affix, a map's values."""
    found: list[str] = []
    stack: list[Any] = [op.get("value"), op.get("text")]
    mapping = op.get("mapping")
    if isinstance(mapping, Mapping):
        stack.extend(mapping.values())
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _holds_contact(text: str) -> bool:
    """Whether a constant holds a contact detail or a mailbox's domain: one customer's, and, mined
    from the library, a pseudonym of it (``xxx@xxxx.xx``), never a value to write into a real call."""
    return _MAIL_DOMAIN.search(text) is not None or any(True for _ in contact_spans(text))


def _id_code(key: str, text: str) -> bool:
    """Whether `text` is an identifier's format code glued onto an id under `key`: the key's last word
    is ``id`` / ``number`` / ``no`` / ``num`` (an identity, never a name or a contact) and its letters
    are codes of at most three capitals (`_shape.literal_is_code`: ``CUS-``, ``-GB``), the same for
    every customer; a word (``Mallory-``, ``ACCOUNT-``) could be someone's data and stays refused."""
    words = key_words(key)
    return bool(words) and words[-1] in ("id", "number", "no", "num") and literal_is_code(text)


def _holds_person(value: Any, personal: bool) -> bool:
    """Whether `value` holds a value (not None, not a flag) under a person's key; `personal`: the
    key `value` itself is written under is one. Walked without recursion (a hostile import)."""
    stack: list[tuple[Any, bool]] = [(value, personal)]
    while stack:
        item, under_person = stack.pop()
        if isinstance(item, Mapping):
            stack.extend(
                (v, under_person or (isinstance(k, str) and is_personal_key(k))) for k, v in item.items()
            )
        elif isinstance(item, list):
            stack.extend((v, under_person) for v in item)
        elif under_person and item is not None and not isinstance(item, bool):
            return True
    return False
