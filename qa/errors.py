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


class IndexReadOnly(QAError):
    """A write to an index on read-only media or in a directory the user may not write."""


class DiskFull(QAError):
    """A write stopped for want of disk space; nothing of it was published."""


class Interrupted(KeyboardInterrupt):
    """A write stopped by SIGINT or SIGTERM; published says whether it had already been made visible."""

    def __init__(self, published: bool):
        self.published = published
        super().__init__(
            "the write had just been published: the index holds it"
            if published
            else "nothing was written: the index is as it was"
        )


class ParseError(QAError, ValueError):
    """A file that cannot be read as an issue; the message is one line naming the file."""


class ModelError(QAError, RuntimeError):
    """A model that cannot be loaded (one-line message)."""
