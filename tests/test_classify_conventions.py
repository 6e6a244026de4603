"""`classify_error` reads the conventions many tools share, not one service's wording.

Before 2026-12-08 these were read as words only: Node's ``read ECONNRESET`` was unknown, a
go-playground/validator ``failed on the 'email' tag`` a validation error, a field-error map
(``{"errors": {"title": ["This field is required."]}}``) unknown, PyMySQL's ``(1054, "Unknown column
...")`` unknown (its message is quoted, and quoted values are skipped), a problem-details body's
``"type": "https://..."`` URL swallowed its title, every ``MongoServerError`` transient (its class
holds "server error"), a Jackson ``InvalidFormatException`` a format error whatever its message said,
and Python's ``list index out of range`` a validation error.
"""

from __future__ import annotations

import pytest

from skillevo._detect import classify_error


@pytest.mark.parametrize(
    ("message", "error_type", "category"),
    [
        # errno names: the network's are transient (ENOTFOUND is a failed DNS lookup).
        ("read ECONNRESET", "", "transient"),
        ("connect ETIMEDOUT 10.0.0.5:443", "Error", "transient"),
        ("getaddrinfo ENOTFOUND db.internal", "", "transient"),
        ("Error: EACCES: permission denied, open '/etc/app.conf'", "", "auth"),
        # curl's exit statuses
        ("curl: (6) Could not resolve host: h.example", "", "transient"),
        ("curl: (7) Failed to connect to h.example port 443 after 3 ms: Couldn't connect to server", "", "transient"),
        # A Redis reply's code
        ("LOADING Redis is loading the dataset in memory", "", "transient"),
        ("WRONGTYPE Operation against a key holding the wrong kind of value", "ResponseError", "type"),
        # grpc-go's and librdkafka's code members
        ("rpc error: code = PermissionDenied desc = caller lacks storage.objects.get", "", "auth"),
        ('KafkaError{code=_TRANSPORT,val=-195,str="broker: Connection refused"}', "", "transient"),
    ],
)
def test_an_error_code_convention_names_the_class(message: str, error_type: str, category: str) -> None:
    assert classify_error(message, error_type) == category


@pytest.mark.parametrize(
    ("tag", "category"),
    [("required", "missing_arg"), ("email", "format"), ("uuid4", "format"), ("oneof", "enum"),
     ("alphanum", "pattern"), ("max", "validation"), ("gte", "validation"), ("numeric", "type")],
)
def test_a_validator_tag_names_the_class(tag: str, category: str) -> None:
    message = f"Key: 'Order.Field' Error:Field validation for 'Field' failed on the '{tag}' tag"
    assert classify_error(message) == category


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ('{"errors": {"title": ["This field is required."]}}', "missing_arg"),
        ('{"errors": {"quantity": ["Ensure this value is less than or equal to 100."]}}', "validation"),
        ('{"errors": {"name": ["can\'t be blank"]}}', "missing_arg"),
        ('{"errors": {"quantity": ["A valid integer is required."]}}', "type"),
        # ASP.NET's problem details: the type URL ends at its quote, the title and the map are read.
        ('{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1","title":"One or more validation errors '
         'occurred.","status":400,"errors":{"Name":["The Name field is required."]}}', "missing_arg"),
        # A list of values (no message in it) is not read as words.
        ('{"errors": {"mode": ["timeout"]}}', "unknown"),
    ],
)
def test_a_field_error_maps_messages_are_read(message: str, category: str) -> None:
    assert classify_error(message) == category


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("(1054, \"Unknown column 'emial' in 'field list'\")", "not_found"),
        ("(1406, \"Data too long for column 'name' at row 1\")", "validation"),
        ("(1045, \"Access denied for user 'app'@'10.0.0.8' (using password: YES)\")", "auth"),
        ("(2013, 'Lost connection to MySQL server during query')", "transient"),
    ],
)
def test_an_exceptions_quoted_message_argument_is_read(message: str, category: str) -> None:
    assert classify_error(message, "OperationalError") == category


@pytest.mark.parametrize(
    ("message", "error_type", "category"),
    [
        # A class named "...ServerError" says who answered, not that the server failed.
        ("E11000 duplicate key error collection: shop.users index: email_1 dup key: { email: 1 }",
         "MongoServerError", "validation"),
        ("Document failed validation: 'age' must be of BSON type \"int\"", "MongoServerError", "type"),
        # Jackson's InvalidFormatException: the message decides, type when it says nothing.
        ('Cannot deserialize value of type `int` from String "ten": not a valid `int` value',
         "InvalidFormatException", "type"),
        ('Cannot deserialize value of type `Status` from String "DONE": not one of the values accepted for Enum '
         'class: [OPEN, CLOSED]', "InvalidFormatException", "enum"),
        ('For input string: "abc"', "java.lang.NumberFormatException", "type"),
        # A fault in the tool's own code is no argument's and no lookup's.
        ("list index out of range", "IndexError", "unknown"),
        ("Object of type Decimal is not JSON serializable", "TypeError", "unknown"),
        # A failed DNS lookup is transient, not a missing resource.
        ("No such host is known. (api.example.com:443)", "HttpRequestException", "transient"),
        ('Post "https://api.example.com/v1/orders": EOF', "", "transient"),
    ],
)
def test_an_exception_class_is_read_by_what_it_says(message: str, error_type: str, category: str) -> None:
    assert classify_error(message, error_type) == category
