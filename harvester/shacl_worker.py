"""SHACL after a harvest, out of the serving process's way: one check at a time, each in a child process.

pyshacl on what a large run changed takes minutes, holds the GIL and grows the process by a gigabyte.
Run inside ``serve`` it stalled every search meanwhile (issue 15, problem 6), so a harvest pool hands
each finished job to :class:`ShaclChecks` instead. A check runs in a process of its own, started with
the *spawn* context (a clean interpreter: no copy of the server's memory, threads or locks), at a lower
priority (``os.nice``); it opens its own engine from the database URL, stores its findings chunk by
chunk and bumps the search generation once at the end (:func:`catalog.quality.checks.validate_changed`).
When it exits, its memory goes back to the operating system.

Checks queue behind one another; :meth:`ShaclChecks.shutdown` drops the queued ones and waits for the
running one (as the pool waits for a running harvest), or ends it after ``timeout`` seconds (the
database then rolls back its open transaction; the datasets it had stored keep their findings).
``datakatalog quality check --job N`` runs a dropped check by hand.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import threading
import time
import traceback
from collections import deque
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger(__name__)

NICENESS = 10  # added to the child's nice value: searches on the server go first

Result = dict[str, int]


def check_job(database_url: str, job_id: int, base_url: str) -> Result:
    """SHACL-check what a job changed, through an engine of this process's own; what a child runs."""
    from catalog.quality import checks
    from catalog.store.engine import make_engine

    engine = make_engine(database_url)
    try:
        result = checks.validate_changed(engine, job_id, base_url=base_url)
    finally:
        engine.dispose()
    return {**result, "pid": os.getpid()}


def _child(database_url: str, job_id: int, base_url: str, send: Connection) -> None:
    with contextlib.suppress(OSError):  # not allowed here: run at the server's priority
        os.nice(NICENESS)
    try:
        send.send(("ok", check_job(database_url, job_id, base_url)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which logs it
        send.send(("error", traceback.format_exc()))
    finally:
        send.close()


class CheckFailed(RuntimeError):
    """The child process failed (its traceback is the message) or died without an answer."""


class ShaclChecks:
    """SHACL checks of finished jobs, one at a time, each in a child process; :meth:`submit` returns at once."""

    def __init__(self, database_url: str, base_url: str) -> None:
        self.database_url = database_url
        self.base_url = base_url
        self._queue: queue.Queue[tuple[int, Future[Result]] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._running: multiprocessing.process.BaseProcess | None = None
        self.recent: deque[tuple[int, Future[Result]]] = deque(maxlen=20)  # (job id, future), for tests

    def submit(self, job_id: int) -> Future[Result]:
        """Queue the check of a finished job; its future gives the counts and the child's pid."""
        future: Future[Result] = Future()
        with self._lock:
            if self._closed:
                future.cancel()
                return future
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="shacl-checks", daemon=True)
                self._thread.start()
            self._queue.put((job_id, future))
            self.recent.append((job_id, future))
        return future

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            job_id, future = item
            with self._lock:  # one decision under the lock: dropped like the rest, or run to its end
                if self._closed:  # taken from the queue as shutdown began
                    future.cancel()
                runs = future.set_running_or_notify_cancel()
            if not runs:
                continue
            started = time.monotonic()
            try:
                result = self._run(job_id)
            except BaseException as exc:  # noqa: BLE001 - the future carries it
                log.error("SHACL check of job %s failed: %s", job_id, exc)
                future.set_exception(exc)
            else:
                log.info("SHACL check of job %s: %s datasets checked, %s with violations (process %s, %.1f s)",
                         job_id, result["checked"], result["with_violations"], result["pid"],
                         time.monotonic() - started)
                future.set_result(result)

    def _run(self, job_id: int) -> Result:
        ctx = multiprocessing.get_context("spawn")
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(self.database_url, job_id, self.base_url, send),
                           name=f"shacl-job-{job_id}", daemon=True)
        with self._lock:  # a check marked running is run, and waited for by shutdown
            proc.start()
            self._running = proc
        send.close()  # the child holds the only writing end now: its death ends recv()
        try:
            status, payload = receive.recv()
        except EOFError:
            proc.join()
            raise CheckFailed(f"the check's process ended without an answer (exit code {proc.exitcode})") from None
        finally:
            receive.close()
            proc.join()
            with self._lock:
                self._running = None
        if status != "ok":
            raise CheckFailed(str(payload))
        result: Any = payload
        return dict(result)

    def shutdown(self, *, wait: bool = True, timeout: float | None = None) -> None:
        """Drop queued checks; wait for the running one (at most ``timeout`` seconds, then end it)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        dropped = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                dropped.append(item[0])
                item[1].cancel()
        if dropped:
            log.warning("SHACL checks of jobs %s not run: the server stopped (datakatalog quality check --job N runs "
                        "one)", dropped)
        self._queue.put(None)
        if thread is None or not wait:
            return
        thread.join(timeout)
        if thread.is_alive():
            with self._lock:
                proc = self._running
            if proc is not None:
                log.warning("SHACL check still running at shutdown: ended (process %s)", proc.pid)
                proc.terminate()
            thread.join()
