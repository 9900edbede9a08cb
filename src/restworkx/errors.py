"""Domain errors, raised anywhere and rendered once into the envelope.

Raising (rather than returning an error) lets pyramid_tm abort the
transaction, so a failed request never leaves half-written records.
"""

from __future__ import annotations


class APIError(Exception):
    code = 400

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class BadRequest(APIError):
    code = 400


class Unauthorized(APIError):
    code = 401


class Forbidden(APIError):
    code = 403


class NotFound(APIError):
    code = 404


class Conflict(APIError):
    code = 409


LOGIN_FAILED = "The username and password provided were not correct."
NOT_PERMITTED = "You do not have permission to perform that operation."
