"""Job files in the database: uploaded CSVs and out_files.

They are replicated with everything else, so a job resumed or downloaded on
the other host of a pair after a failover finds them. The files under the
upload and download directories are this host's caches: written beside the
database, checked against its SHA-256 and rewritten from it when missing or
different.

A file is a row of ``stored_file`` (application, directory ``upload`` or
``download``, its path inside that directory, size, SHA-256) and its bytes
are rows of ``stored_file_chunk``, in sequence, at most ``CHUNK`` bytes each.
Bytes go in and out a chunk at a time, so memory stays bounded whatever the
size of the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Iterator

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow
from . import csvio

CHUNK = 1 << 20
# Chunks fetched per round trip when reading: a few MiB in memory at most.
READ_CHUNKS = 4
UPLOAD, DOWNLOAD = "upload", "download"


class StoredFile(Base):
    __tablename__ = "stored_file"
    __table_args__ = (
        UniqueConstraint("app", "directory", "name"),
        Index("ix_stored_file_app_modified", "app", "modified"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app: Mapped[str] = mapped_column(String(16))
    directory: Mapped[str] = mapped_column(String(16))  # upload | download
    name: Mapped[str] = mapped_column(String(1024))  # the path inside that directory
    job_id: Mapped[int | None] = mapped_column(Integer)  # the <app>_job.id writing it
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))  # None until complete
    created: Mapped[dt.datetime] = mapped_column(DateTime)
    modified: Mapped[dt.datetime] = mapped_column(DateTime)


class StoredChunk(Base):
    __tablename__ = "stored_file_chunk"

    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class StoredFileError(RuntimeError):
    """The stored bytes do not match the stored SHA-256."""


def chunks(db, file_id: int) -> Iterator[bytes]:
    """The file's bytes, a chunk at a time (a session or a connection)."""
    t = StoredChunk.__table__
    stmt = (
        select(t.c.data)
        .where(t.c.file_id == file_id)
        .order_by(t.c.seq)
        .execution_options(stream_results=True, yield_per=READ_CHUNKS)
    )
    for (data,) in db.execute(stmt):
        yield bytes(data)


def stream(engine, file_id: int) -> Iterator[bytes]:
    """The file's bytes read on a connection of its own (a response's body)."""
    with engine.connect() as conn:
        yield from chunks(conn, file_id)


def local_matches(path: str, size: int, sha256: str | None) -> bool:
    """The local file is the stored one (size first: it costs nothing)."""
    try:
        if os.path.getsize(path) != size:
            return False
    except OSError:
        return False
    return sha256 is not None and csvio.sha256_of(path) == sha256


def lz4_available(db) -> bool:
    """The database is PostgreSQL built with LZ4 (so TOAST can use it)."""
    if db.get_bind().dialect.name != "postgresql":
        return False
    found = db.execute(
        text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
    ).scalar()
    return bool(found)


class Appender:
    """Adds chunks to a stored file in the caller's transactions and keeps its
    size and SHA-256; ``seal`` records them, marking the file complete."""

    def __init__(self, db, file_id: int, *, seq: int = 0, size: int = 0, digest=None):
        self.db, self.file_id = db, file_id
        self.seq, self.size = seq, size
        self.digest = digest or hashlib.sha256()
        self.lz4: bool | None = None  # PostgreSQL with LZ4 TOAST compression

    def append(self, data: bytes) -> None:
        if not data:
            return
        if self.lz4 is None:
            self.lz4 = lz4_available(self.db)
        if self.lz4:
            # LZ4 compresses a chunk several times faster than the default pglz
            # (CSV chunks are big and compress well); this transaction only.
            self.db.execute(text("SET LOCAL default_toast_compression = lz4"))
        # The mapped class, not its table: zope.sqlalchemy then sees the session changed.
        self.db.execute(insert(StoredChunk).values(file_id=self.file_id, seq=self.seq, data=data))
        self.seq += 1
        self.size += len(data)
        self.digest.update(data)

    def hexdigest(self) -> str:
        return self.digest.hexdigest()

    def seal(self) -> str:
        t = StoredFile.__table__
        self.db.execute(
            update(StoredFile)
            .where(t.c.id == self.file_id)
            .values(size=self.size, sha256=self.hexdigest(), modified=utcnow())
        )
        return self.hexdigest()


class FileStore:
    """One application's stored files, named by their paths on this host."""

    def __init__(self, app_name: str, settings: dict):
        from .service import directories

        self.app = app_name
        upload, download = directories(app_name, settings)
        self.roots = {UPLOAD: upload, DOWNLOAD: download}

    def key(self, path: str) -> tuple[str, str]:
        """(directory, path inside it): the same on both hosts of a pair."""
        full = os.path.realpath(path)
        for directory, root in self.roots.items():
            root = os.path.realpath(root)
            if full != root and os.path.commonpath([root, full]) == root:
                return directory, os.path.relpath(full, root)
        raise ValueError(f"{path} is in neither the upload nor the download directory")

    def _where(self, path: str):
        t = StoredFile.__table__
        directory, name = self.key(path)
        return (t.c.app == self.app, t.c.directory == directory, t.c.name == name)

    def find(self, db, path: str):
        """The stored file's row (id, size, sha256, modified, ...), or None."""
        t = StoredFile.__table__
        return db.execute(select(t).where(*self._where(path))).first()

    def remove(self, db, path: str) -> None:
        t, c = StoredFile.__table__, StoredChunk.__table__
        ids = select(t.c.id).where(*self._where(path)).scalar_subquery()
        db.execute(delete(StoredChunk).where(c.c.file_id.in_(ids)))
        db.execute(delete(StoredFile).where(*self._where(path)))

    def create(self, db, path: str, job_id: int | None = None) -> Appender:
        """A new, empty stored file at ``path`` replacing any (the caller commits)."""
        self.remove(db, path)
        directory, name = self.key(path)
        now = utcnow()
        file_id = db.execute(
            insert(StoredFile)
            .values(
                app=self.app,
                directory=directory,
                name=name,
                job_id=job_id,
                size=0,
                sha256=None,
                created=now,
                modified=now,
            )
            .returning(StoredFile.id)
        ).scalar_one()
        return Appender(db, file_id)

    def store_local(self, db, path: str) -> Appender:
        """Store the local file's bytes (the caller seals if it is complete, and commits)."""
        out = self.create(db, path)
        with open(path, "rb") as fh:
            for data in iter(lambda: fh.read(CHUNK), b""):
                out.append(data)
        return out

    def materialize(self, db, row, path: str) -> None:
        """Write the stored file to ``path``: aside, checked, then renamed.

        Its mtime is the stored file's, so the nightly clean-up of the
        directories removes it with the stored one.
        """
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".csv.part"
        )
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as fh:
                for data in chunks(db, row.id):
                    digest.update(data)
                    fh.write(data)
            if row.sha256 is not None and digest.hexdigest() != row.sha256:
                raise StoredFileError(f"the stored copy of {path} does not match its SHA-256")
            stamp = row.modified.replace(tzinfo=dt.UTC).timestamp()
            os.utime(tmp, (stamp, stamp))
            os.chmod(tmp, 0o640)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def ensure_local(self, db, path: str) -> bool:
        """Make the local file the stored one; store a file only found locally.

        Returns False when the file is neither stored nor here. A stored
        file wins over a different local one. Storing is left for the caller
        to commit.
        """
        row = self.find(db, path)
        if row is not None and row.sha256 is not None:
            if not local_matches(path, row.size, row.sha256):
                self.materialize(db, row, path)
            return True
        if os.path.isfile(path):
            self.store_local(db, path).seal()
            return True
        return False

    def resume(self, db, path: str) -> Appender | None:
        """Rewrite the local file from the stored one (a job going on after its
        last commit, maybe on the other host); None if nothing is stored."""
        row = self.find(db, path)
        if row is None:
            return None
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        out = Appender(db, row.id)
        tmp = path + ".part"
        with open(tmp, "wb") as fh:
            for data in chunks(db, row.id):
                fh.write(data)
                out.seq += 1
                out.size += len(data)
                out.digest.update(data)
        os.replace(tmp, path)
        return out

    def reseal(self, db, path: str) -> str | None:
        """Record the size and SHA-256 of what is stored (a job that stopped)."""
        row = self.find(db, path)
        if row is None:
            return None
        out = Appender(db, row.id)
        for data in chunks(db, row.id):
            out.size += len(data)
            out.digest.update(data)
        return out.seal()

    def remove_older(self, db, cutoff: dt.datetime) -> list[str]:
        """Delete the files last written before ``cutoff``; returns their names."""
        t, c = StoredFile.__table__, StoredChunk.__table__
        old = (t.c.app == self.app, t.c.modified < cutoff)
        rows = db.execute(select(t.c.id, t.c.directory, t.c.name).where(*old)).all()
        if rows:
            ids = [r.id for r in rows]
            db.execute(delete(StoredChunk).where(c.c.file_id.in_(ids)))
            db.execute(delete(StoredFile).where(t.c.id.in_(ids)))
        return [f"{r.directory}/{r.name}" for r in rows]
