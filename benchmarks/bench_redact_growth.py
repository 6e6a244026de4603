"""Redaction's growth on hostile repetitive text, one rule family at a time: each shape's time over
ordinary prose's time at the same length, at several lengths.

Linear redaction keeps that ratio flat as the length grows (a quadratic one doubles it with each
doubling). The shapes are runs of one unit without a separator, each aimed at a rule family (pairs,
escapes, compatibility forms, spellings, cookies, auth schemes, SQL, passphrases, flags, URLs, cards).
Run: ``.venv/bin/python benchmarks/bench_redact_growth.py [--lengths 4000,16000,64000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import time

from skillevo._redaction import redact_text

BENIGN = "The order was shipped to the warehouse on Monday and signed for at noon. "

SHAPES: dict[str, str] = {
    "token:": "token:",
    "password=": "password=",
    "?key=": "?key=",
    "--password=": "--password=",
    "percent": "pass%77ord%3D",
    "html refs": "pass&#119;ord=",
    "escapes": "pass\\x77ord=",
    "\\u escapes": "\\u0070\\u0061ss=",
    "fullwidth": "ｐａｓｓｗｏｒｄ＝",
    "accented": "pássword=",
    "spelled": "p a s s w o r d = ",
    "Cookie:": "Cookie: ",
    "Basic": "Authorization: Basic ",
    "SQL quote": "password = '",
    "passphrase": "password: correct horse ",
    'password="': 'password="',
    '{"password":': '{"password":',
    "pin list": "pin: must be one of ",
    "userinfo URL": "http://a:b@",
    "card digits": "4111 ",
    "X-Api-Key": "X-Api-Key: ",
    # the windows read both ways from a secret's name, and a login verb's object (`_secret_context`)
    "value first": "hunter2 is the password ",
    "mot de passe": "mot de passe ",
    "login verb": "log in with ",
    "CJK name": "密码是",
    # a name's complement or relative clause, a value named after a verb of use, a pair with no link
    "complement": "the password for the vpn ",
    "relative": "the password you want ",
    "as password": "login using x as password ",
    "user pass": "user a pass ",
    # a bare "pass" repeated (every word a name's candidate: 2.5x prose in round two)
    "pass ": "pass ",
    # round three's rules: a possessive name, a value in brackets, a pointing pronoun, a glued code, a
    # URL password with unencoded characters, a quoted short option, a value held "until"
    "possessive": "password's ",
    "bracketed": "pin (",
    "pointing": "x - that's the password ",
    "glued pin": "pin1234",
    "userinfo #": "postgres://u:p#",
    "userinfo @@": "://a:@b@",
    "-p quoted": "-p 'ab",
    "until": "password stays word until ",
}
# A secret, then one long run of blanks (a clause end read again from each place in it: attack29).
BLANK_RUNS: dict[str, str] = {
    "blanks after": "password: Hunter22",
    "login blanks": "log in with Qx7!pass",
}


def _rep(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _seconds(text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        redact_text(text)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="4000,16000,64000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    lengths = [int(x) for x in args.lengths.split(",")]
    redact_text("password=warm-up")
    benign = {n: max(_seconds(_rep(BENIGN, n), args.repeat), 1e-5) for n in lengths}
    print(f"{'shape':14}" + "".join(f" {'x prose @' + str(n):>15}" for n in lengths) + "  ms @ longest")
    shapes = [(name, unit, lambda u, n: _rep(u, n)) for name, unit in SHAPES.items()]
    shapes += [(name, head, lambda h, n: (h + " " * n)[:n - 1] + "x") for name, head in BLANK_RUNS.items()]
    for name, unit, text in shapes:
        times = {n: _seconds(text(unit, n), args.repeat) for n in lengths}
        ratios = "".join(f" {times[n] / benign[n]:15.1f}" for n in lengths)
        print(f"{name:14}{ratios}  {times[lengths[-1]] * 1000:11.1f}", flush=True)
    print("prose ms: " + ", ".join(f"{n}: {benign[n] * 1000:.1f}" for n in lengths))


if __name__ == "__main__":
    main()
