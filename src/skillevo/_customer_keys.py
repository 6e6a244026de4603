"""Which argument names hold a person's data, judged on the key's words like `is_secret_key`.

``holder``, ``passenger_name``, ``lastName``, ``recipient``, ``email``, ``phone_number``,
``date_of_birth``, ``iban`` name a person, their contact or their identity: the values a tool
accepts for them ("must be one of Moreau, Stone") are one customer's records, not a closed set the
tool declares, so no prompt lists them (`_guidance_facts.declared_values`). ``name``, ``file_name``,
``city``, ``holder_type`` name no person.
"""

from __future__ import annotations

import functools

from ._secret_keys import key_words

__all__ = ["is_personal_key"]

#: Words naming a person (their values are people's names) or a person's contact or identity field.
_PERSON_WORDS = frozenset(
    {"holder", "holders", "cardholder", "accountholder", "owner", "passenger", "passengers", "recipient",
     "recipients", "beneficiary", "beneficiaries", "payee", "payer", "customer", "customers", "guest", "guests",
     "patient", "traveler", "traveller", "travelers", "travellers", "addressee", "sender", "contact", "contacts",
     "surname", "surnames", "firstname", "lastname", "fullname", "givenname", "familyname", "middlename",
     "email", "emails", "mail", "phone", "phones", "mobile", "telephone", "tel", "msisdn", "address", "addresses",
     "street", "dob", "birthdate", "birthday", "birth", "passport", "iban", "nationality"}
)  # fmt: skip
#: A "name" is a person's after these words (``first_name``, ``passenger_name``); ``file_name`` is none.
_NAME_MODIFIERS = frozenset(
    {"first", "last", "full", "given", "family", "middle", "maiden", "legal", "display", "nick", "person",
     "user", "contact", "account"}
) | _PERSON_WORDS  # fmt: skip
#: A "number" or "id" is a person's after these (``account_number``, ``national_id``, ``tax_id``).
_ID_MODIFIERS = frozenset({"account", "national", "tax", "passport", "license", "licence", "identity", "social"})
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
