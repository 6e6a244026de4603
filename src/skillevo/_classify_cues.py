"""The cues `classify_error` reads: an error code's words, an HTTP status, a message's own words.

Three kinds of evidence, from the most to the least reliable. A service's own *code* for the
failure (``StatusCode.UNAVAILABLE``, botocore's ``(ThrottlingException)``, pydantic's
``[type=int_parsing``, Slack's ``"error": "channel_not_found"``, an exception class such as
``ConnectionResetError``) is read as words (``connection reset error``) against `CODE_CUES`. An HTTP
*status* in a status position (``429 Client Error``, ``Error code: 503``, ``"status": 404``) says
the class of the service-side failures (`STATUS_CLASSES`). The message's *words* (`TEXT_CUES`,
in several human languages) decide the rest, in a fixed order.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["CODE_CUES", "FAULT", "GENERIC_CODE", "STATUS_CLASSES", "TEXT_CUES", "WEAK_CODES", "WEAK_TYPES",
           "status_class"]


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


#: An error code's words (lower case, one space between) -> its class, first match wins.
CODE_CUES: Final[list[tuple[str, re.Pattern[str]]]] = [
    ("rate_limit", _c(r"rate ?limit|throttl|too many (?:requests|calls)|resource exhausted|quota|slow down|"
                      r"throughput exceeded|limit exceeded")),
    ("transient", _c(r"time ?out|timed out|deadline exceeded|unavailable|temporar|overloaded|^internal$|"
                     r"internal (?:server )?error|^server error|bad gateway|connect(?:ion|or)? (?:error|reset|refused|"
                     r"aborted|closed|lost)|disconnected|broken pipe|protocol error|deadlock|serialization failure|"
                     r"try again|\bbusy\b|\btransport\b")),
    ("auth", _c(r"unauthori[sz]ed|unauthenticated|authori[sz]ation failed|"
                r"authenticat|(?<!extra )forbidden|access denied|permission|not authed|"
                r"invalid auth|credential|(?:expired|invalid|revoked|bad) (?:security |access )?token|"
                r"token (?:expired|revoked|invalid)|scope|privilege|api key|unrecognized client|invalid client|"
                r"not in channel|account inactive")),
    ("not_found", _c(r"not found|no such|does not exist|not exist|resource missing|undefined (?:table|column|"
                     r"function|object)|unknown (?:tool|method|model|user|channel|resource)|\bgone\b")),
    ("missing_arg", _c(r"\bmissing\b|required|not null violation")),
    ("extra_arg", _c(r"extra (?:forbidden|fields?|inputs?)|unknown (?:parameter|field|argument|key|property)|"
                     r"parameter unknown|unknown attribute|"
                     r"unrecognized (?:keys?|fields?|arguments?|parameters?)|additional "
                     r"properties|unexpected (?:keyword|argument|field)")),
    ("enum", _c(r"\benum\b|literal error|invalid choice|not one of")),
    ("pattern", _c(r"pattern|regex")),
    ("format", _c(r"\b(?:date|time|datetime|timestamp|url|uri|uuid|email|json|iso|phone|ip|hostname|base64)\b.*"
                  r"\b(?:pars(?:e|ing)|invalid|format|decode)\b|\binvalid\b.*\b(?:date|time|datetime|url|uuid|email|"
                  r"json|phone)\b|format|decode")),
    ("type", _c(r"\b(?:int|integer|float|number|numeric|bool|boolean|string|str|bytes|list|dict|tuple|set|array|"
                r"object|decimal|model)\b (?:parsing|type)|invalid type|wrong type|type mismatch")),
    ("validation", _c(r"less than|greater than|too (?:short|long|large|small|big|many|few)|multiple of|out of "
                      r"range|length exceeded|exceeds|check violation|unique violation|constraint|finite number")),
]
#: The words of a code that only says the request was rejected (``ValidationError``,
#: ``invalid_request_error``, ``INVALID_ARGUMENT``): a validation failure, unless the message says more.
GENERIC_CODE: Final = _c(r"validation|invalid|bad request|unprocessable|argument error|bad parameter|integrity error")
#: Codes too broad to decide (Jackson's InvalidFormatException is thrown for a wrong type, an enum
#: value or a date alike; Java's NumberFormatException for any text that is no number): read the
#: message's words, and take this class only when they say nothing. Before 2026-12-08 their
#: "format" made every one a format error.
WEAK_CODES: Final[list[tuple[str, re.Pattern[str]]]] = [
    ("type", _c(r"^(?:invalid format|mismatched input|number format|invalid cast|json mapping) exception$")),
]
#: Exception classes that say little about the cause: their class when nothing else does.
WEAK_TYPES: Final = {"TypeError": "type", "KeyError": "not_found", "LookupError": "not_found",
                     "IndexError": "not_found"}

#: HTTP statuses that say what failed, whatever the body says (a 400 or 422 says only "rejected").
STATUS_CLASSES: Final = {429: "rate_limit", 401: "auth", 403: "auth", 407: "auth", 404: "not_found",
                         410: "not_found", 408: "transient"}

# An HTTP status where one is written: a status line or reason (`429 Client Error`, `(404)`,
# `504, message=...`), after a word naming it (`HTTP 503`, `Error code: 429`, `"status": 404`), or
# httpx's `Client error '404 Not Found'`. ("code": 20404 is no status: the digits must stand alone.)
_STATUS_AT: Final = [
    _c(r"^\W{0,2}([45]\d\d)\)?(?=[ ,:\-]|$)(?=.{0,3}(?:[a-z]+ ?error|message=|reason|[a-z]|$))"),
    _c(r"\b(?:https?(?:/[\d.]+)?|status(?:[ _-]?code)?|error[ _-]?code|code)[\"']?\s*[:=]?\s*[\"']?([45]\d\d)(?!\d)"),
    _c(r"\b(?:client|server) error:? [\"']?([45]\d\d)(?!\d)"),
]


def status_class(raw: str) -> str | None:
    """The class an HTTP status written in `raw` says (`STATUS_CLASSES`; any 5xx but 501 and 505 is
    transient), or None."""
    for regex in _STATUS_AT:
        m = regex.search(raw)
        if m is None:
            continue
        code = int(m.group(1))
        if code >= 500:
            return None if code in (501, 505) else "transient"
        if code in STATUS_CLASSES:
            return STATUS_CLASSES[code]
    return None


# The words of other languages, per class (German, French, Spanish, Portuguese, Italian, Japanese,
# Chinese, Russian, Korean): an error a service words in its user's language is the same error.
_RATE_WORDS = "|".join((
    'zu viele anfragen', 'trop de requ[eê]tes',
    'limite de d[ée]bit', 'demasiadas solicitudes',
    'muitas (?:solicita', 'requisi)', 'troppe richieste',
    'リクエストが多すぎ', '请求过多', '请求太频繁', '频率限制',
    'слишком много запросов', '요청이 너무 많',
))
_TRANSIENT_WORDS = "|".join((
    'zeit[uü]berschreitung', 'vor[uü]bergehend',
    'nicht verf[uü]gbar', "d[ée]lai d'attente",
    'temporairement', 'indisponible', 'tiempo de espera',
    'no disponible', 'temporalmente', 'tempo limite',
    'indispon[ií]vel', 'タイムアウト', '一時的', '超时', '暂时', '服务不可用',
    'время ожидания', 'недоступ', 'тайм-?аут', '시간 초과',
    'connexion a expir', '接続でき', '连接失败', 'nie mo[zż]na po[lł][aą]czy',
))
_AUTH_WORDS = "|".join((
    'zugriff verweigert', 'berechtigung', 'nicht autorisiert',
    'acc[eè]s refus[ée]', 'non autoris[ée]', 'authentif',
    'no autorizado', 'acceso denegado', 'acesso negado',
    'n[aã]o autorizado', 'credenciais', '認証', '権限', '权限',
    '拒绝访问', '未授权', '认证失败', 'доступ запрещ', 'не авторизован',
    'нет прав', '권한', 'credenciales', 'inicie sesi', 'iniciar sesi',
    'ログイン', '请先登录', 'brak uprawnie',
))
_NOT_FOUND_WORDS = "|".join((
    'nicht gefunden', 'introuvable', "n'existe pas",
    'no se encontr', 'no encontrad', 'no existe',
    'n[aã]o encontrad', 'n[aã]o existe', '見つかりません', '存在しません',
    '未找到', '找不到', '不存在', 'не найден', 'не существует',
    '찾을 수 없', 'nie znaleziono', 'non trovat', 'non esiste',
))
_MISSING_WORDS = "|".join((
    'pflichtfeld', r"\bfehlt\b", 'obligatoire',
    'es obligatori', 'es requerid', 'obrigat[oó]ri', '必須',
    '必填', '缺少', 'обязательн', 'отсутству', '필수',
))
_EXTRA_WORDS = "|".join((
    'unbekannter parameter', 'param[eè]tre inconnu',
    'par[aá]metro desconocido', 'par[aâ]metro desconhecido',
    '未知参数', 'неизвестный параметр',
))
_ENUM_WORDS = "|".join((
    'erlaubt sind', 'zul[aä]ssige werte',
    'valeurs autoris[ée]es', 'valores permitidos',
    'valores v[aá]lidos', '允许的值', 'допустимые значения',
))
_FORMAT_WORDS = "|".join((
    'formato', '形式', '格式', 'формат',
))
_TYPE_WORDS = "|".join((
    r"\btyp\b", r"\btipo\b", '型が', '类型', r"\bтип",
))
_VALIDATION_WORDS = "|".join((
    'ung[uü]ltig', r"\bmuss\b", 'doit [eê]tre', 'invalide',
    'debe ser', 'inv[aá]lid', 'no v[aá]lid', 'deve ser', '無効',
    '正しくありません', '指定してください', '以上', '以下', '无效', '不正确', '必须',
    'недопустим', 'неверн', 'должн', 'deve essere', 'compres[oa] tra',
    '이상', '이하', 'nieprawid',
))

#: A fault in the tool's own code (an index past a list's end, a null dereference, a value its encoder
#: cannot write) is no argument's: "list index out of range" is no validation error, and an
#: IndexError or TypeError that says so is unknown, not its exception class's weak reading.
FAULT: Final = _c(r"\b(?:list|string|tuple|array|slice|str) index out of range|index out of (?:range|bounds) for "
                  r"length|is not (?:json )?serializable|null ?pointer|nil pointer dereference|object reference not "
                  r"set|panicked at|unwrap\(\)|segmentation fault")

#: The message's words -> its class, first match wins (the order puts the classes no argument causes
#: first, then the specific argument errors, then not_found, then any rejection).
TEXT_CUES: Final[list[tuple[str, re.Pattern[str]]]] = [
    ("rate_limit", _c(r"rate.?limit|too many (?:requests|calls)|\b429\b|quota|throttl|retry.?after|\brate exceeded|"
                      r"slow ?down|request rate|throughput exceeded|resource.?exhausted|" + _RATE_WORDS)),
    ("transient", _c(r"timed? ?out|timeout|temporar|unavailable|\b50[234]\b|try again (?:later|in|shortly|soon)|"
                     r"connection ?(?:reset|refused|aborted|closed|error|lost)|closed the connection|disconnected|"
                     r"broken pipe|overloaded|busy|deadline exceeded|internal (?:server )?error|bad gateway|deadlock|"
                     r"could not serialize|(?:database|table|file|resource|row) is locked|lock wait|name resolution|"
                     r"network (?:is )?unreachable|no such host|"
                     r"could not resolve (?:host|hostname|address)|failed to connect|"
                     r"(?:^|\W)EOF\s*$|lost connection|" + _TRANSIENT_WORDS)),
    ("auth", _c(r"unauthori[sz]ed|\bforbidden\b|\b40[13]\b|permission denied|invalid (?:api )?key|authenticat|"
                r"access denied|\bcredentials?\b|not authori[sz]ed|(?:invalid|incorrect|wrong|bad|expired|revoked|"
                r"missing) api.?key|(?:security|access|auth|bearer|session|refresh|api) token\b(?:\W+\w+){0,6}?\W+"
                r"(?:is )?(?:invalid|expired|revoked)|(?:invalid|expired|revoked) (?:security |access |auth |bearer "
                r"|session )?token|logged in|privilege|does not have (?:access|permission)|" + _AUTH_WORDS)),
    # "A valid integer is required": a value of the wrong type was sent, not none.
    ("type", _c(r"\ba valid (?:integer|number|float|decimal|boolean|string|list|array|object|dict) is required")),
    ("missing_arg", _c(r"missing|required (?:argument|field|parameter|property|param|option|value)|field required|"
                       r"is a required property|(?:is|are) required|\brequired\s*(?:;|$)|not[- ]?null|"
                       r"(?:cannot|can'?t|can not) be (?:null|empty|blank)|"
                       r"must be (?:provided|specified|supplied|present)|"
                       r"(?:was|were|is|are) not (?:provided|given|supplied|specified|present)|"
                       + _MISSING_WORDS)),
    ("extra_arg", _c(r"unexpected (?:keyword )?argument|extra (?:fields|inputs?) (?:not permitted|are not)|"
                     r"additional properties|unknown (?:field|argument|parameter|key|property|option)|not permitted|"
                     r"unknown attribute|"
                     r"unrecognized (?:request )?(?:keys?|fields?|arguments?|parameters?|propert(?:y|ies)|options?)\b|"
                     r"not an? (?:permitted|allowed|recognized|known) (?:key|field|argument|parameter|property)|"
                     + _EXTRA_WORDS)),
    ("enum", _c(r"one of|must be (?:in|either)|allowed values|permitted values|not a valid (?:choice|enum)|"
                r"did you mean|valid options|should be '[^']*'(?:, '[^']*')* or '|\benum\b|valid values|supported "
                r"values|unsupported value|invalid choice|choose from|valid choices|"
                r"not (?:included )?in the list|'' \| ''|" + _ENUM_WORDS)),
    # Python's Enum("x"): "'x' is not a valid Color"
    ("enum", re.compile(r"is not a valid [A-Z][a-z][A-Za-z]*\s*(?:\.\s*)?$")),  # (one way to split a word)
    # ("format\b", not "\w*format\b": the same matches, without reading a word run to its end at each of its
    # characters, quadratic on a message of one long token; tests/test_classify_cues_linear.py)
    ("format", _c(r"format\b|iso.?8601|yyyy|mm/dd|dd/mm|malformed|invalid date|"
                  r"\bparse(?!.{0,30}\bas an? (?:integer|int|number|float|boolean|bool)\b)|"
                  r"(?:invalid|not an? valid|valid)\W+(?:\w+\W+)?(?:e-?mail|url|uri|uuid|date|datetime|"
                  r"time(?:stamp)?|phone|ip(?:v[46])?|json|hostname)\b|for type (?:timestamp|date|time|uuid|json|"
                  r"jsonb|inet|cidr|interval)\b|" + _FORMAT_WORDS)),
    ("pattern", _c(r"pattern|regex|does not match|(?:should|must) match|(?:must )?consist(?:s|ing)? (?:only )?of "
                   r"(?:\w+ )?(?:letters|characters|alphanumeric|digits|lower|upper)")),
    ("type", _c(r"\btypes?\b|should be a valid (?:integer|number|string|boolean|list|dict|array|object)|not an? (?:int|"
                r"integer|number|string|float|boolean|list|array|object)\b|expected (?:an? )?(?:int|integer|str|"
                r"string|float|number|boolean|bool|list|array|object)\b|invalid literal|invalid (?:integer|number|"
                r"float|boolean)\b|must be an? (?:integer|int|number|float|string|boolean|bool|list|array|object|"
                r"dict)\b|cannot unmarshal|can only concatenate|"
                r"non-(?:integer|numeric|number|string|boolean)|unsupported operand|" + _TYPE_WORDS)),
    ("not_found", _c(r"not found|no such|does not exist|(?<!\w)unknown (?!error|exception|status|reason|cause|failure)"
                     r"\w+|\b404\b|no (?:matching|results)|(?:could|can)(?:no|')?t find|cannot find|nonexistent|"
                     r"no longer exists|did not match any|" + _NOT_FOUND_WORDS)),
    ("validation", _c(r"invalid|validation|not valid|must be|should be|constraint|out of range|too (?:long|short|"
                      r"large|small|big|many|few)\b|exceeds? (?:the )?(?:maximum|max|limit|\d)|length exceeded|"
                      r"maximum (?:\w+ ){0,2}(?:length|size)|at (?:least|most)|greater than|less than|"
                      r"duplicate (?:key|entry|value)|already (?:exists|been taken|in use)|"
                      + _VALIDATION_WORDS)),
]
