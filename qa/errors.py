"""Errors that the CLI and the web chat report as one clear line."""


class QAError(Exception):
    """Base class: the message is one line that names what is wrong and, where there is one, the fix."""


class IndexMissing(QAError):
    pass


class IndexCorrupt(QAError):
    pass


class ModelMismatch(QAError):
    pass


class IndexBusy(QAError):
    pass


class IssueConflict(QAError):
    pass


class ParseError(QAError, ValueError):
    """A file that cannot be read as an issue; the message is one line naming the file."""


class ModelError(QAError, RuntimeError):
    """A model that cannot be loaded (one-line message)."""
