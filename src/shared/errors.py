"""What the logic raises: failures in its own terms, with no HTTP in them.

Each service's logic (``service.py``, its adapters and parsers) raises a
:class:`DomainError` subclass, or an upstream's error as a :class:`DomainError` that names
the operation and the upstream's own error code. Only the edge turns one into an HTTP
answer: the service's ``errors.py`` holds the one table from ``(operation, code)`` to
status, contract ``error`` code and sentence (``shared.http.ErrorMapping``), and
``shared.app.FunctionApp`` renders it (docs/architecture.md, "Rules of the road").
"""

from __future__ import annotations

#: The ``operation`` of an error that is not an upstream call's.
ANY = "*"


class DomainError(Exception):
    """A failure of the logic.

    Args:
        message: one sentence for a person; the edge relays it where its table says so
            (never a secret, code or token).
        code: the error's name in the edge's table: an upstream error code
            (``"CodeMismatchException"``, ``"invalid_grant"``) or, by default, the class
            name (``"PhotoNotFound"``).
        operation: the upstream operation that failed (``"SignUp"``), or :data:`ANY`.
    """

    def __init__(self, message: str = "", *, code: str | None = None, operation: str = ANY) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or type(self).__name__
        self.operation = operation
