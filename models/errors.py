"""Errors raised by the models' state rules."""


class StateError(Exception):
    """An illegal state change; `message` is a translatable (lazy) string for the user."""

    def __init__(self, message, **params):
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return self.user_message()

    def user_message(self) -> str:
        """Return the message in the current locale with its parameters filled in."""
        text = str(self.message)
        return text % self.params if self.params else text
