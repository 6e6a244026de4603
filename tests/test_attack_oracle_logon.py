"""An Oracle logon without a connect identifier, or with a quoted password (attack17).

``user/password`` alone is a logon to the local database (``sqlplus system/<pw> as sysdba``,
``expdp system/<pw> directory=...``, ``sqlldr userid=scott/<pw>``, ``CONNECT scott/<pw>``,
``rman target sys/<pw>``), and a
password holding ``@`` is written quoted (``scott/"p@ss"@ORCL``). The connect-string rule wanted
``@database`` after an unquoted password: 7 of 7 such forms kept the password before.
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact_text

PW = "Tiger9x7QSecret"

FORMS = [
    f"sqlplus system/{PW} as sysdba failed: ORA-01031: insufficient privileges",
    f"expdp system/{PW} directory=DP dumpfile=x.dmp: ORA-39002",
    f'sqlplus scott/"{PW}@x"@ORCL failed: ORA-01017',
    f"sqlldr userid=scott/{PW} control=x.ctl: ORA-01017",
    f"Oracle: CONNECT scott/{PW}; ORA-01017: invalid username/password",
    f"ORA-01017 while running: sqlplus -s -L app_rw/{PW}",
    f"rman target sys/{PW} (Oracle recovery)",
    f"oracle: rman target sys/x@db catalog rman/{PW}",
]


@pytest.mark.parametrize("text", FORMS)
def test_an_oracle_logons_password_is_hidden(text: str) -> None:
    shown = redact_text(text)
    assert PW not in shown, shown
    assert redact_text(shown) == shown


@pytest.mark.parametrize(
    "text",
    [
        "sqlplus / as sysdba",
        "ORA-01017: invalid username/password; logon denied",
        "sqlplus @scripts/setup.sql (oracle)",
        "oracle client installed at /opt/oracle/instantclient",
        "expdp directory=DP dumpfile=exp/full.dmp (ORA-39002)",
        "oracle pool: see conn pool/size and imp/exp tools",
    ],
)
def test_look_alikes_stay(text: str) -> None:
    assert redact_text(text) == text
