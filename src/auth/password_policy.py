"""The user pool's password policy, checked by the broker before Cognito sees a password.

Why the broker checks it too: Cognito's answer to a weak password can depend on the
account. On sign-up, an existing email is refused as ``UsernameExistsException`` (which
the broker answers like a new sign-up) before the policy is checked, while a new email
gets ``InvalidPasswordException``; a weak password would then tell the two apart. Checked
first, a weak password gets the same 400 for every email.

The rules are the template's ``UserPool.Policies.PasswordPolicy``, passed to the broker as
``PASSWORD_MIN_LENGTH`` and ``PASSWORD_REQUIRE`` (``tests/tools`` pins them to the pool's).
Character classes follow the Cognito guide, "Password policies": lowercase and uppercase
are ASCII letters, numbers are ASCII digits, and symbols are the listed special
characters and the non-leading, non-trailing space.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: Cognito's "special characters" (Cognito guide, user pool password requirements).
SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")


def _symbol(char: str) -> bool:
    return char in SYMBOLS


_CLASSES: dict[str, tuple[str, Callable[[str], bool]]] = {
    "lowercase": ("a lowercase letter", str.islower),
    "uppercase": ("an uppercase letter", str.isupper),
    "numbers": ("a number", str.isdigit),
    "symbols": ("a symbol", _symbol),
}


@dataclass(frozen=True)
class PasswordPolicy:
    """``min_length`` characters, and one of each class in ``require`` (names from
    :data:`_CLASSES`: ``lowercase``, ``uppercase``, ``numbers``, ``symbols``)."""

    min_length: int = 8
    require: tuple[str, ...] = ("lowercase", "uppercase", "numbers", "symbols")

    @classmethod
    def parse(cls, min_length: str | None, require: str | None) -> PasswordPolicy:
        """From the environment's strings; Cognito's own defaults where unset.

        Raises:
            ValueError: a length below 6 (Cognito's minimum) or an unknown class name.
        """
        length = int(min_length) if min_length else cls.min_length
        classes = (
            tuple(part.strip() for part in require.split(",") if part.strip())
            if require is not None
            else cls.require
        )
        if length < 6 or any(name not in _CLASSES for name in classes):
            raise ValueError("invalid password policy")
        return cls(length, classes)

    def describe(self) -> str:
        """One sentence for the 400: the same whichever rule failed."""
        parts = [_CLASSES[name][0] for name in self.require]
        needs = ""
        if parts:
            needs = ", with " + (
                parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
            )
        return f"The password must have at least {self.min_length} characters{needs}."

    def allows(self, password: str) -> bool:
        """Whether ``password`` meets every rule."""
        if len(password) < self.min_length:
            return False
        ascii_chars = [c for c in password if c.isascii()]
        return all(
            any(_CLASSES[name][1](c) for c in (ascii_chars if name != "symbols" else password))
            for name in self.require
        )
