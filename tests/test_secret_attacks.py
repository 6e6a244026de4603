"""Secrets and customer data never stored, shown or exported: each attack places a secret where a
real agent would (arguments, results, errors, the task, metadata, a mined skill) and the test reads
every byte skillevo leaves behind: the database file with its WAL and SHM (before and after close),
the CLI's output, the Markdown and HTML report, the SKILL.md export and the GRPO export.

Over-redaction is tested too: ordinary values under look-alike keys (``author``, ``max_tokens``,
``shipping_address``, ``mapping``) and a word seen once next to a secret must survive.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, ProcessSandbox, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo._models import Origin, Repair, SetArg
from skillevo._redaction import _KEY_STEMS, _SECRET_HEADS, _SECRET_WORDS, is_secret_key, mask_url, redact
from skillevo._secret_shapes import DS_GATES
from skillevo.cli import main

PEM_BODY = "MIIEowIBAAKCAQEAq7BFUpkGp3+LQmlQYh2WJzN8HgBmAxYbzQ9UvK3mXcR1aT0lP4sE"
PEM_TAIL = "AnotherLineOfKeyMaterial0987"
PRIVATE_KEY = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n{PEM_TAIL}\n-----END RSA PRIVATE KEY-----"
ANTHROPIC = "sk-ant-api03-Qm9vYmFyQmF6UXV4Q29ycmVjdEhvcnNlQmF0dGVyeQ"
GOOGLE = "AIzaSyD4x9Kq2Lr7Mn0Pb5Vc8Wd1Ye6Zf3Gh4Tj"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
GITHUB = "ghp_R2l0SHViVG9rZW5UaGF0SXNSZWFsbHlMb25nMQ"


@dataclass
class Attack:
    """A leak attempt: `drive` runs the agent; none of `secrets` may appear anywhere afterwards."""

    name: str
    secrets: list[str]
    drive: Callable[[Evolver, SkillLibrary], None]
    sandbox: bool = False
    in_events: bool = True  # the secret passes through the event log (which then shows a redaction mark)


def _call(
    evo: Evolver,
    args: dict[str, Any],
    *,
    result: Any = None,
    error: Any = None,
    task: str = "t",
    metadata: dict[str, Any] | None = None,
    tool: str = "pay",
) -> None:
    with evo.episode(task=task, metadata=metadata) as ep:
        new_args = ep.before_tool(tool, args)
        if error is not None:
            retry = ep.on_tool_error(tool, new_args, error)
            if retry is not None:
                ep.on_tool_result(tool, retry, {"ok": True})
        if result is not None:
            ep.on_tool_result(tool, new_args, result)
        ep.finish(reward=1.0)


def _twice(fn: Callable[[Evolver], None]) -> Callable[[Evolver, SkillLibrary], None]:
    """Run `fn` on two episodes, so that mining sees a repeated failure."""
    return lambda evo, lib: (fn(evo), fn(evo), None)[-1]


def _code_skill(evo: Evolver, lib: SkillLibrary) -> None:
    # A code skill that throws the arguments back in its error: the sandbox's error text is logged.
    code = "def repair(tool, args, error):\n    raise ValueError(str(args))\n"
    lib.add_skill("echo-args", Trigger(tool="login"), Strategy(code=code), status=VersionStatus.ACTIVE)
    evo.invalidate()
    _call(evo, {"user": "ana", "password": "Sandb0x-Echoed-Pw"}, error=ValueError("bad login"), tool="login")


def _code_skill_echo(evo: Evolver, lib: SkillLibrary) -> None:
    # The error names no key: the value is known to be secret from this episode's own arguments.
    code = "def repair(tool, args, error):\n    raise ValueError('rejected ' + args['password'])\n"
    lib.add_skill("echo-value", Trigger(tool="login"), Strategy(code=code), status=VersionStatus.ACTIVE)
    evo.invalidate()
    _call(evo, {"user": "ana", "password": "Unlabeled-Echo-Pw"}, error=ValueError("bad login"), tool="login")


def _mined_text(evo: Evolver, lib: SkillLibrary) -> None:
    # A skill whose text quotes a secret (a miner copying from a failure): the store boundary scrubs it.
    lib.add_skill(
        "use-key",
        Trigger(tool="pay"),
        Strategy(guidance=f"Authenticate with api key {ANTHROPIC} before paying."),
        description=f"mined from a failure mentioning {GOOGLE}",
        origin=Origin(note="seen: client_secret=Mined-Note-Secret-77"),
        status=VersionStatus.ACTIVE,
    )
    lib.add_version(
        "use-key",
        Strategy(repair=Repair(ops=[SetArg(arg="password", value="Repair-Set-Pw-88")])),
        status=VersionStatus.TESTING,
    )
    _call(evo, {"amount": 3}, result={"ok": True})


def _deep(level: int) -> dict[str, Any]:
    node: dict[str, Any] = {"value": "Ten-Levels-Down-Secret"}
    for i in range(level):
        node = {f"layer{i}": node}
    return node


ATTACKS = [
    Attack(
        "auth as a [user, password] list",
        ["Li5t-Pa55word"],
        lambda evo, lib: _call(evo, {"auth": ["ana", "Li5t-Pa55word"], "amount": 3}, result="ok"),
    ),
    Attack(
        "credentials as a nested dict",
        ["Cred-Value-9f8e"],
        lambda evo, lib: _call(evo, {"credentials": {"value": "Cred-Value-9f8e"}}, result="ok"),
    ),
    Attack(
        "credentials ten levels deep",
        ["Ten-Levels-Down-Secret"],
        lambda evo, lib: _call(evo, {"credentials": _deep(10)}, result="ok"),
    ),
    Attack(
        "pwd / passwd / apiKey / X-Api-Key keys",
        ["Pwd-Short-1", "Passwd-2x", "CamelKey-3y", "Header-Key-4z"],
        lambda evo, lib: _call(
            evo,
            {"pwd": "Pwd-Short-1", "passwd": "Passwd-2x", "apiKey": "CamelKey-3y", "X-Api-Key": "Header-Key-4z"},
            result="ok",
        ),
    ),
    Attack(
        "Authorization: Basic header in text",
        ["YW5hOkJhc2ljLUF1dGgtUHc=", "Basic-Auth-Pw"],
        lambda evo, lib: _call(
            evo, {"headers": "Authorization: Basic YW5hOkJhc2ljLUF1dGgtUHc=\nAccept: */*"}, result="sent"
        ),
    ),
    Attack(
        "PostgreSQL DSN with a password in an error",
        ["Dsn-Passw0rd-x1"],
        _twice(
            lambda evo: _call(
                evo,
                {"q": 1},
                error=ConnectionError("could not connect to postgresql://app:Dsn-Passw0rd-x1@db.internal:5432/shop"),
            )
        ),
    ),
    Attack(
        "user:password@ in a result URL",
        ["Tr0ub4dor-Url-Pw"],
        lambda evo, lib: _call(evo, {"q": 1}, result="fetched https://admin:Tr0ub4dor-Url-Pw@api.example.com/v1"),
    ),
    Attack(
        "?password= and &token= query parameters",
        ["Query-Pw-77", "Query-Token-88"],
        lambda evo, lib: _call(
            evo, {"url": "https://api.example.com/cb?password=Query-Pw-77&token=Query-Token-88&x=1"}, result="ok"
        ),
    ),
    Attack(
        "aws_secret_access_key= in a result",
        [AWS_SECRET],
        lambda evo, lib: _call(evo, {"q": 1}, result=f"aws_secret_access_key={AWS_SECRET}"),
    ),
    Attack(
        "sk-ant- and AIza keys in free text",
        [ANTHROPIC, GOOGLE, ANTHROPIC[13:25], GOOGLE[4:16]],
        lambda evo, lib: _call(evo, {"note": f"keys: {ANTHROPIC} and {GOOGLE}"}, result="ok"),
    ),
    Attack(
        "a key placed across the 2,000-character cut",
        [ANTHROPIC[13:23]],
        lambda evo, lib: _call(evo, {"q": 1}, result="x" * 1977 + ANTHROPIC + " tail"),
    ),
    Attack(
        "a private key across the 2,000-character cut",
        [PEM_BODY[:12], PEM_TAIL],
        lambda evo, lib: _call(evo, {"q": 1}, result="y" * 1950 + PRIVATE_KEY),
    ),
    Attack(
        "a secret in the task",
        [GITHUB, GITHUB[4:20]],
        lambda evo, lib: _call(evo, {"q": 1}, result="ok", task=f"deploy with token {GITHUB}"),
        in_events=False,
    ),
    Attack(
        "secrets in episode metadata",
        ["Meta-Api-Key-5", "Meta-Text-Pw-6"],
        lambda evo, lib: _call(
            evo, {"q": 1}, result="ok", metadata={"api_key": "Meta-Api-Key-5", "note": "password: Meta-Text-Pw-6"}
        ),
        in_events=False,
    ),
    Attack(
        "a secret in an error message and its signature",
        ["correcthorsebatterystaple"],
        _twice(
            lambda evo: _call(
                evo, {"user": "ana"}, error=PermissionError("login refused for password: correcthorsebatterystaple")
            )
        ),
    ),
    Attack(
        "a secret echoed without a label in a result",
        ["Echo-Me-5ecret"],
        lambda evo, lib: _call(evo, {"password": "Echo-Me-5ecret"}, result="welcome back, Echo-Me-5ecret works"),
    ),
    Attack("sandbox error text carrying the arguments", ["Sandb0x-Echoed-Pw"], _code_skill, sandbox=True),
    Attack(
        "sandbox error echoing a secret value without its name", ["Unlabeled-Echo-Pw"], _code_skill_echo, sandbox=True
    ),
    Attack(
        "skill text, description, note and repair value from mining",
        [ANTHROPIC, GOOGLE, "Mined-Note-Secret-77", "Repair-Set-Pw-88"],
        _mined_text,
        in_events=False,
    ),
    Attack(
        "JSON text with client_secret and a cookie header",
        ["Json-Client-Secret-1", "sid=Cookie-Sess-2"],
        lambda evo, lib: _call(
            evo, {"q": 1}, result='{"client_secret": "Json-Client-Secret-1"}\nCookie: sid=Cookie-Sess-2; theme=dark'
        ),
    ),
    Attack(
        "a Luhn-valid card number in an error",
        ["4111 1111 1111 1111", "4111111111111111"],
        _twice(lambda evo: _call(evo, {"amount": 3}, error=ValueError("card 4111 1111 1111 1111 declined"))),
    ),
    Attack(
        "a private key in tool arguments",
        [PEM_BODY[:24]],
        lambda evo, lib: _call(evo, {"key_material": PRIVATE_KEY}, result="ok"),
    ),
]


def _bytes_under(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def _everything_shown(tmp_path: Path, db: str, capsys: pytest.CaptureFixture[str]) -> dict[str, bytes]:
    """What a user or an export gets from the library: CLI output, reports, SKILL.md and GRPO exports."""
    shown: dict[str, bytes] = {}
    with SkillLibrary(db) as lib:
        names = [s.name for s in lib.skills()]
    cli = []
    for argv in (["ls"], ["stats"], *(["show", n] for n in names)):
        main([*argv, "--db", db])
        out = capsys.readouterr()
        cli.append(out.out + out.err)
    shown["cli"] = "\n".join(cli).encode()
    md, html = tmp_path / "report.md", tmp_path / "report.html"
    assert main(["diff", "--db", db, "--out", str(md), "--html", str(html)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    shown["report"] = md.read_bytes() + html.read_bytes()
    assert main(["export", "skills", str(tmp_path / "skills"), "--db", db]) == 0
    assert main(["export", "grpo", str(tmp_path / "grpo"), "--db", db]) == 0
    capsys.readouterr()
    shown["SKILL.md export"] = _bytes_under(tmp_path / "skills")
    shown["GRPO export"] = _bytes_under(tmp_path / "grpo")
    return shown


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_no_secret_byte_is_stored_shown_or_exported(
    attack: Attack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    db = str(folder / "lib.db")
    sandbox = ProcessSandbox(cpu_s=1, memory_mb=256, wall_s=4.0) if attack.sandbox else None
    places: dict[str, bytes] = {}
    with SkillLibrary(db) as lib:
        evo = Evolver(lib, sandbox=sandbox, seed=0)
        attack.drive(evo, lib)
        lib.flush()
        assert lib.count_episodes() >= 1
        places["database (open: file + WAL + SHM)"] = _bytes_under(folder)
        events = lib.events()
    places["database (closed)"] = _bytes_under(folder)
    places.update(_everything_shown(tmp_path, db, capsys))
    leaks = [
        f"{secret!r} in {place}"
        for place, data in places.items()
        for secret in attack.secrets
        if secret.encode() in data
    ]
    assert not leaks, leaks
    # The secret went through the event log and was hidden there (the attack did reach skillevo).
    assert not attack.in_events or any("[REDACTED:" in json.dumps(e.data) for e in events)


# --------------------------------------------------------------------------------------------- kept values


def test_look_alike_keys_keep_their_values(tmp_path: Path) -> None:
    args = {
        "author": "Jane Austen",
        "max_tokens": 512,
        "shipping_address": "12 Rue de la Paix",
        "mapping": {"old": "new"},
        "token_type": "Bearer",
        "password_policy": "min 12 chars",
        "tokenizer": "cl100k",
        "input_tokens": 12,
    }
    assert redact(args) == args
    with SkillLibrary(tmp_path / "lib.db") as lib:
        _call(Evolver(lib, sandbox=None), args, result={"ok": True})
        stored = next(e for e in lib.events() if e.kind == "tool_call")
    # No secret: each is kept, but a shipping address is a customer's, kept as its pseudonym (privacy8).
    assert stored.data["args"] == {**args, "shipping_address": "99 Xxx xx xx Xxxx"}


def test_a_secret_looking_result_does_not_poison_later_episodes(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        evo = Evolver(lib, sandbox=None)
        _call(evo, {"api_key": "business", "plan": "business"}, result="plan business renewed")
        _call(evo, {"plan": "business"}, result="business plan renewed")
        first, second = ([e for e in lib.events(episode_id=ep.id) if e.kind == "tool_result"] for ep in lib.episodes())
    # In its own episode the secret value is hidden where it is echoed; the next episode is untouched.
    assert "business" not in json.dumps(first[0].data)
    assert second[0].data["args"] == {"plan": "business"} and second[0].data["result"] == "business plan renewed"
    assert redact("business as usual") == "business as usual"


def test_ordinary_text_and_ids_survive() -> None:
    for text in (
        "order #W6067464 for Yusuf Rossi, 2 items",
        "the basic information is on page 3",
        "session started at 10:00",
        "keyboard with 104 keys",
        "mapping shipping addresses",
        "https://example.com/docs?page=2&sort=asc",
        "call 1-800-555-0199",
    ):
        assert redact(text) == text, text


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("access_token", True),
        ("api_key", True),
        ("apiKey", True),
        ("X-Api-Key", True),
        ("pwd", True),
        ("passwd", True),
        ("auth", True),
        ("credentials", True),
        ("secret_key", True),
        ("Authorization", True),
        ("session_id", True),
        ("cookie", True),
        ("APIKey", True),
        ("aws_secret_access_key", True),
        ("db_pass", True),
        ("max_tokens", False),
        ("passwords", True),  # plurals: a list of secrets (failed before 2026-12-05)
        ("pins", True),
        ("access_tokens", True),
        ("tokens", False),
        ("num_tokens", False),
        ("author", False),
        ("shipping_address", False),
        ("mapping", False),
        ("key", False),
        ("token_type", False),
        ("secret_name", False),
        ("keyboard", False),
        ("passenger", False),
        ("id", False),
    ],
)
def test_key_names_are_judged_on_whole_words(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


def test_every_secret_word_is_seen_by_the_prefilter() -> None:
    # A secret key holds a secret word, or a head word with a modifier (``session_id``): one of them
    # must hold a stem the pre-filter looks for.
    # (``id``, ``code``, ``number``, ``value``, ``phrase`` name no secret alone: their modifiers hold the stem)
    modified = ("id", "code", "codes", "number", "answer", "answers", "value", "phrase", "phrases")
    words = set(_SECRET_WORDS) | {h for h in _SECRET_HEADS if h not in modified}
    words |= {w for h in modified for w in _SECRET_HEADS[h]}
    assert [w for w in words if not any(stem in w for stem in _KEY_STEMS)] == []


# One sample secret per reviewed detect-secrets plugin: each must be hidden through its gate.
DS_SAMPLES = {
    "ArtifactoryDetector": 'artifactory "AKCp8jQ8tQbDkZQRBx3Ce9U2kQmWcRZvUtXpXkUQ8Zx"',
    "AWSKeyDetector": "id AKIAIOSFODNN7EXAMPLE ok",
    "AzureStorageKeyDetector": "AccountKey=" + "a" * 86 + "==",
    "BasicAuthDetector": "https://user:Pa55w0rdBasic@example.com",
    "CloudantDetector": 'cloudant_password="' + "0123456789abcdef" * 4 + '"',
    "DiscordBotTokenDetector": "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs",
    "GitHubTokenDetector": "ghp_" + "A1b2C3d4E5" * 3 + "f6G7h8",
    "GitLabTokenDetector": "glpat-" + "x1Y2z3W4v5" * 2,
    "IbmCloudIamDetector": 'ibm_cloud_iam_key = "' + "A1b2C3d4E5f6G7h8I9j0" * 2 + 'abcd"',
    "IbmCosHmacDetector": 'secret_access_key = "' + "0123456789abcdef" * 3 + '"',
    "JwtTokenDetector": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "MailchimpDetector": "0123456789abcdef0123456789abcdef-us12",
    "NpmDetector": "//registry.npmjs.org/:_authToken=" + "0123abcd-" * 4,
    "OpenAIDetector": "sk-" + "A" * 20 + "T3BlbkFJ" + "B" * 20,
    "PrivateKeyDetector": PRIVATE_KEY,
    "PypiTokenDetector": "pypi-AgEIcHlwaS5vcmc" + "A" * 70,
    "SendGridDetector": "SG." + "a" * 22 + "." + "b" * 43,
    "SlackDetector": "xoxb-123456789012-abcdefghijkl",
    "SoftlayerDetector": 'softlayer_api_key = "' + "0123456789abcdef" * 4 + '"',
    "SquareOAuthDetector": "sq0csp-" + "A" * 43,
    "StripeDetector": "sk_live_" + "a1B2c3D4e5F6g7H8i9J0k1L2",
    "TelegramBotTokenDetector": "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq",
    "TwilioKeyDetector": "AC" + "0123456789abcdef" * 2,
}


def test_every_reviewed_detect_secrets_plugin_has_a_sample() -> None:
    assert set(DS_SAMPLES) == set(DS_GATES)


@pytest.mark.parametrize("plugin", sorted(DS_SAMPLES))
def test_detect_secrets_shapes_are_hidden(plugin: str) -> None:
    sample = DS_SAMPLES[plugin]
    out = redact(f"value: {sample} end")
    assert "[REDACTED:" in out, (plugin, out)
    from skillevo._redaction import _redact_all_rules

    assert out == _redact_all_rules(f"value: {sample} end", False)  # the gates changed nothing


def test_mask_url() -> None:
    assert mask_url("postgresql://app:pw@db:5432/shop") == "postgresql://app:***@db:5432/shop"
    assert (
        mask_url("postgresql://db/shop?password=pw&sslmode=require")
        == "postgresql://db/shop?password=***&sslmode=require"
    )
    assert mask_url("postgresql://app:p@ss/w#rd@db/shop?schema=s") == "postgresql://app:***@db/shop?schema=s"
    assert mask_url("skills.db") == "skills.db" and mask_url(":memory:") == ":memory:"


def test_cli_error_and_titles_mask_a_database_url(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://app:Cli-Dsn-Pw-1@127.0.0.1:1/none?password=Cli-Query-Pw-2&connect_timeout=1"
    assert main(["ls", "--db", url]) == 1
    out = capsys.readouterr()
    assert "Cli-Dsn-Pw-1" not in out.out + out.err and "Cli-Query-Pw-2" not in out.out + out.err
    assert "***" in out.err


def test_migrate_redacts_rows_an_older_version_wrote_unredacted(tmp_path: Path) -> None:
    records = [
        ("skill", {"name": "s", "description": f"uses {GOOGLE}", "trigger": {"tool": "pay"}, "created_at": 1.0}),
        (
            "version",
            {
                "id": "s@1",
                "skill": "s",
                "number": 1,
                "strategy": {"guidance": f"key {ANTHROPIC}"},
                "parent": None,
                "origin": {"note": "password=Old-Row-Pw-1"},
                "status": "active",
                "created_at": 1.0,
            },
        ),
        ("episode", {"id": "e1", "task": f"token {GITHUB}", "started_at": 1.0, "metadata": {"pwd": "Old-Meta-2"}}),
        (
            "event",
            {
                "id": 1,
                "ts": 1.0,
                "kind": "tool_call",
                "episode_id": "e1",
                "tool": "pay",
                "data": {"args": {"api_key": "Old-Event-Key-3"}},
            },
        ),
    ]
    folder = tmp_path / "copy"
    folder.mkdir()
    with SkillLibrary(folder / "lib.db") as lib:
        lib.load(records)
        assert lib.skill("s").versions[0].strategy.guidance == "key [REDACTED:api_key]"
    data = _bytes_under(folder)
    for secret in (GOOGLE, ANTHROPIC, GITHUB, "Old-Row-Pw-1", "Old-Meta-2", "Old-Event-Key-3"):
        assert secret.encode() not in data, secret


# --------------------------------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_postgres_dsn_password_never_shown(pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import psycopg

    with psycopg.connect(pg_url.split("?")[0]) as conn:
        row = conn.execute("SELECT current_user").fetchone()
    assert row is not None
    user = row[0]
    # Trust authentication ignores the password: the URL connects, and the password must show nowhere.
    url = pg_url.replace("postgresql://", f"postgresql://{user}:Pg-Url-Pw-3@") + "&password=Pg-Query-Pw-4"
    secrets = ["Pg-Url-Pw-3", "Pg-Query-Pw-4"]
    with SkillLibrary(url) as lib:
        assert all(s not in repr(lib) + str(lib) + lib.location for s in secrets)
        lib.add_skill(
            "iso-dates",
            Trigger(tool="book"),
            Strategy(guidance="Send dates as YYYY-MM-DD."),
            status=VersionStatus.ACTIVE,
        )
        _call(Evolver(lib, sandbox=None), {"date": "2025/01/02"}, result="ok", tool="book")
    outputs = []
    for argv in (["ls"], ["stats"], ["show", "iso-dates"], ["show", "missing"], ["review", "list"]):
        main([*argv, "--db", url])
        out = capsys.readouterr()
        outputs.append(out.out + out.err)
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    assert main(["diff", "--db", url, "--out", str(md), "--html", str(html)]) == 0
    outputs.append(capsys.readouterr().out + md.read_text() + html.read_text())
    assert main(["export", "grpo", str(tmp_path / "grpo"), "--db", url]) == 0
    outputs.append(_bytes_under(tmp_path / "grpo").decode("latin-1"))
    bad = url.replace("127.0.0.1:5432", "127.0.0.1:1")
    assert main(["ls", "--db", bad]) == 1
    outputs.append(capsys.readouterr().err)
    joined = "\n".join(outputs)
    assert "***" in joined
    assert all(s not in joined for s in secrets), [s for s in secrets if s in joined]


_AWS = "AKIAIOSFODNN7EXAMPLE"


@pytest.mark.parametrize(
    "write",
    [
        lambda lib: lib.add_skill("s", Trigger(tool="t", pattern=f"key {_AWS}"), Strategy(guidance="do x")),
        lambda lib: lib.add_skill("s", Trigger(tool="t", task_pattern=_AWS), Strategy(guidance="do x")),
        lambda lib: lib.add_skill("s", Trigger(tool="t", error_type=_AWS), Strategy(guidance="do x")),
        lambda lib: _call(Evolver(lib, seed=0), {"a": 1}, result="ok", metadata={_AWS: 1}),
        lambda lib: _call(Evolver(lib, seed=0), {_AWS: 1}, result="ok"),
        lambda lib: _call(Evolver(lib, seed=0), {"a": 1}, result="ok", tool=f"t_{_AWS}"),
    ],
    ids=["trigger pattern", "trigger task pattern", "trigger error type", "metadata key", "argument key", "tool name"],
)
def test_a_secret_outside_event_values_never_reaches_the_database(write: Any, tmp_path: Path) -> None:
    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        write(lib)
        lib.flush()
        assert _AWS.encode() not in _bytes_under(tmp_path)
        for skill in lib.skills():  # a redacted pattern still compiles and matches the redacted text
            assert skill.trigger.matches(tool="t", text="key [REDACTED:aws_key]") or skill.trigger.pattern is None
    assert _AWS.encode() not in _bytes_under(tmp_path)


_JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    + "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ" * 12
    + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


@pytest.mark.parametrize("offset", [0, 700, 1279, 1280, 1281, 2047, 2048, 2600, 4000])
def test_a_secret_straddling_a_scan_window_is_hidden_whole(offset: int) -> None:
    # Shape rules scan long texts in overlapping windows (a hostile repetition cost quadratic time
    # before); a secret anywhere, even one longer than the overlap, is still hidden whole.
    for secret in (_JWT, "AKIAIOSFODNN7EXAMPLE", "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"):
        text = "x " * (offset // 2) + secret + " y" * 3000
        out = redact(text)
        assert secret not in out and secret[4:24] not in out and "[REDACTED:" in out


def test_a_secret_value_longer_than_the_pair_bound_is_hidden_whole() -> None:
    value = "Q" * 3000 + "tail"
    for text in (f"password={value} next", f"key=key=key= password={value}"):
        out = redact(text)
        assert "tail" not in out and out.endswith(" next") == text.endswith(" next")


@pytest.mark.parametrize("unit", ["key=", "password=", "eyJ", "-----BEGIN PRIVATE KEY-----", "https://a:b@"])
def test_hostile_repetitions_are_redacted_like_every_rule_would(unit: str) -> None:
    # The bounded scans change no verdict on these inputs (the unbounded ones took seconds on 100 KB).
    from skillevo._redaction import _redact_all_rules

    text = (unit * (6000 // len(unit) + 1))[:6000]
    assert redact(text) == _redact_all_rules(text, False)
