"""Reading large DCAT pages in worker processes, out of the harvest's GIL.

A harvest spends most of its CPU turning a page's bytes into prepared records: parsing (Oxigraph into
a dict index), mapping (catalog/formats/dcat_read.py) and preparing (ids, checks, score, JSON, hash,
facet and full-text values: catalog/store/prepared.py). In one process that work and the store thread
take turns on the GIL. Here the large pages of a paged source (each at least :data:`THRESHOLD` bytes)
are sent, as bytes, to worker processes (``spawn``; :func:`size`: at most two), each page to one
worker in turn: the worker parses it, reads and prepares its records and streams them back in batches,
in a compact picklable form (:func:`catalog.store.prepared.to_wire`), while the parent, which only
decides and writes (catalog/store/runs.py), stores the page before. :func:`dcat_pages` fetches one page
ahead, so memory stays bounded by a couple of pages, not by the source: the page being stored, and the
next one in a worker.

A source's first page is read in-process: it may be its only page, and for one page the workers'
start (a process, its imports and word lists: about 0.5 s of CPU each) and the pickling cost more CPU
than they save on a shared 2-core machine (docs/decisions/0001). :meth:`Lease.submit` can also split
one page between the workers (``split``: each parses it and reads a consecutive share,
``iter_resources(part=(k, n))``); the shares in order give exactly the records of an in-process read.
Small pages (the demo's and the tests' fixtures) never start the processes. Records read by a worker
are stored and reported exactly as records read in-process (tests/harvester/test_parse_pool.py).

Workers are kept per process (started on the first large page, reused by later runs, and ended at exit).
A worker that dies mid-page (killed, out of memory) fails the run with :class:`WorkerLost`: the run
then stores nothing, as any failed run (harvester/runner.py); a worker that was left mid-page by a run
that failed for another reason is ended, never handed to another run with its stale output.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing as mp
import os
import pickle
import queue
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urljoin

from catalog import logs
from catalog.errors import CatalogError, ParseError
from catalog.store.prepared import Prepared, from_wire

log = logging.getLogger(__name__)

# a page at least this large is read in the pool: about 450 generated datasets (2.2 KB of Turtle each);
# under it the processes' start (~0.3 s) and the pickling cost more than they save
THRESHOLD = 1_000_000
BATCH = 250  # records a worker sends in one message


def size(wanted: int | None = None) -> int:
    """How many worker processes read large pages: ``wanted`` (the ``HARVEST_PARSE_PROCESSES`` setting)
    when set (0: every page is read in-process); else two on a machine with two cores or more while a
    core is free (load average under the cores less one half), none while it is not: on a machine
    whose cores are all busy the workers only add their CPU (+20% for a paged source,
    docs/decisions/0001) and gain no time."""
    if wanted is not None:
        return wanted
    return 2 if core_free() else 0


def core_free() -> bool:
    """Whether this machine has two cores or more and one of them is free: the load average is under the
    cores less one half (a system without a load average counts as busy)."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this system: assume the cores are shared
        load = float(cores)
    return cores >= 2 and load <= cores - 0.5


class WorkerLost(CatalogError):
    """A pool worker ended while reading a page (killed, or out of memory): the run fails, storing nothing."""

    status = 500


class Failed(Exception):
    """A record a worker could not map or prepare: its report line's message, as the runner words it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- the worker process ----------------------------------------------------------------------------


def _worker(conn: Connection, log_format: str, level: int) -> None:
    """A worker's life: read tasks (pages) from ``conn`` and send back what they hold, until told to end.
    Its log lines take the parent's format (``LOG_FORMAT=json``: with the job id of the page it reads)."""
    import gc

    from harvester import gc_pause

    if logs.configure(log_format, level=level) is None:
        logging.basicConfig(level=level, format=logs.TEXT)

    gc.set_threshold(*gc_pause.THRESHOLDS)  # the worker only reads pages: collect rarely (harvester/gc_pause.py)
    tasks: queue.Queue[Any] = queue.Queue()
    out: queue.Queue[bytes | None] = queue.Queue()

    def receive() -> None:  # tasks are taken off the pipe at once: the parent never waits to hand one over
        try:
            while True:
                tasks.put(pickle.loads(conn.recv_bytes()))
        except (EOFError, OSError):
            tasks.put(None)

    def send() -> None:  # messages leave in the background while the next batch is being read
        try:
            while (msg := out.get()) is not None:
                conn.send_bytes(msg)
        except (EOFError, OSError):
            pass

    threading.Thread(target=receive, daemon=True).start()
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    while (task := tasks.get()) is not None:
        job_id, body, base_iri, content_type, source_name, part = task
        with logs.job_context(job_id):  # a worker's log lines name the job whose page it reads
            for msg in _read(body, base_iri, content_type, source_name, part):
                out.put(pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL))
        del body  # the page's graph and records went with _read's frame (no cycles: no collection needed)
    out.put(None)
    sender.join()


def _read(body: bytes, base_iri: str, content_type: str | None, source_name: str,
          part: tuple[int, int]) -> Iterator[tuple[str, Any]]:
    """The messages for one page: ("next", next page URL) once parsed, then ("batch", [...]) of
    (ref, wire tuple) or (ref, failure message), then ("done", None); or ("error", (kind, message))."""
    from catalog.formats import dcat_read
    from catalog.rdf.parse import parse
    from catalog.store.prepared import prepare, to_wire

    try:
        graph = parse(body, base_iri=base_iri, content_type=content_type)
        nxt = dcat_read.next_page(graph)
        yield "next", urljoin(base_iri, nxt) if nxt else None
        k, n = part
        count, shareable = dcat_read.resource_count(graph)
        if not shareable:  # ids made unique across the whole document: the first worker reads it all
            if k > 0:
                yield "done", None
                return
            k, n = 0, 1
        batch: list[tuple[str, Any]] = []
        for ref, item in dcat_read.iter_resources(graph, (k, n)):
            if isinstance(item, Exception):
                batch.append((ref, f"{type(item).__name__}: {item}"))
            else:
                try:
                    batch.append((ref, to_wire(prepare(ref, item, source_name), source_name)))
                except Exception as exc:  # one bad record never sinks a run
                    batch.append((ref, f"{type(exc).__name__}: {exc}"))
            if len(batch) >= BATCH:
                yield "batch", batch
                batch = []
        if batch:
            yield "batch", batch
        yield "done", None
    except ParseError as exc:
        yield "error", ("parse", exc.message)
    except Exception as exc:  # noqa: BLE001 - the parent fails the run with it
        log.exception("reading a page in the parse pool failed")
        yield "error", ("other", f"{type(exc).__name__}: {exc}")


# -- the parent's side -----------------------------------------------------------------------------


class _Proc:
    """One worker process and its end of the pipe."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe(duplex=True)
        root = logging.getLogger()
        json_lines = any(isinstance(h.formatter, logs.JsonFormatter) for h in root.handlers)
        args = (child, "json" if json_lines else "text", root.getEffectiveLevel())
        self.proc = ctx.Process(target=_worker, args=args, name="datakatalog-parse", daemon=True)
        self.proc.start()
        child.close()
        self.busy = 0  # pages handed to it whose messages were not all read

    def send(self, task: tuple[Any, ...]) -> None:
        try:
            self.conn.send_bytes(pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            raise WorkerLost(f"a parse worker ended before it was given a page ({exc})") from exc
        self.busy += 1

    def recv(self) -> tuple[str, Any]:
        try:
            msg: tuple[str, Any] = pickle.loads(self.conn.recv_bytes())
        except (EOFError, OSError) as exc:
            code = self.proc.exitcode
            raise WorkerLost(f"a parse worker ended while reading a page (exit code {code}); "
                             "nothing of this run was stored") from exc
        return msg

    def stop(self, *, kill: bool = False) -> None:
        try:
            if kill:
                self.proc.kill()
            else:
                self.conn.send_bytes(pickle.dumps(None))
        except OSError:
            pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5)
        self.conn.close()


_lock = threading.Lock()
_idle: list[_Proc] = []


def _take(n: int) -> list[_Proc]:
    with _lock:
        procs = [p for p in _idle[:n] if p.proc.is_alive()]
        del _idle[:n]
    return procs + [_Proc() for _ in range(n - len(procs))]


def _give_back(procs: list[_Proc]) -> None:
    with _lock:
        for p in procs:
            if len(_idle) < 2:
                _idle.append(p)
            else:
                p.stop()


@atexit.register
def shutdown() -> None:
    """End the idle workers (at exit; tests call it to start from none)."""
    with _lock:
        procs = list(_idle)
        _idle.clear()
    for p in procs:
        p.stop()


class Lease:
    """The workers one run reads its large pages with (taken on its first large page, given back at its end)."""

    def __init__(self, job_id: int | None = None, processes: int | None = None) -> None:
        self.job_id = job_id
        self.wanted = processes  # the HARVEST_PARSE_PROCESSES setting (None: decided by the load, see size())
        self.procs: list[_Proc] = []
        self.turn = 0

    def size(self) -> int:
        """How many workers this run's large pages may use now (see the module's ``size``)."""
        return size(self.wanted)

    def submit(self, body: bytes, base_iri: str, content_type: str | None, source_name: str, *,
               split: bool = True) -> PagePending:
        """Hand a page to the workers; returns what to read its records from. ``split``: every worker
        parses it and reads its share (a source's first page: it may be the only one); else one worker,
        in turn, reads it whole (the next pages: the workers read two pages at once, none parsed twice)."""
        if not self.procs:
            self.procs = _take(max(1, self.size()))
        if split:
            n = len(self.procs)
            for k, p in enumerate(self.procs):
                p.send((self.job_id, body, base_iri, content_type, source_name, (k, n)))
            return PagePending(self.procs)
        p = self.procs[self.turn % len(self.procs)]
        self.turn += 1
        p.send((self.job_id, body, base_iri, content_type, source_name, (0, 1)))
        return PagePending([p])

    def close(self) -> None:
        """Give back workers whose output was all read; end any left mid-page (their queue is stale)."""
        clean = [p for p in self.procs if p.busy == 0]
        for p in self.procs:
            if p.busy:
                p.stop(kill=True)
        _give_back(clean)
        self.procs = []


class PagePending:
    """A page handed to the workers: its next link (once parsed), then its records in order."""

    def __init__(self, procs: list[_Proc]) -> None:
        self.procs = procs
        self._next: str | None = None
        self._have_next = False

    def next_url(self) -> str | None:
        """The page's next link (raises ParseError when the page could not be parsed)."""
        if not self._have_next:
            head = self.procs[0]
            while True:
                kind, value = head.recv()
                if kind == "next":
                    self._next, self._have_next = value, True
                    break
                self._fail(kind, value)
        return self._next

    def records(self) -> Iterator[tuple[str, Prepared | Exception]]:
        """Every record of the page, in document order: worker 0's share, then worker 1's."""
        self.next_url()
        for p in self.procs:
            while True:
                kind, value = p.recv()
                if kind == "next":
                    continue  # each worker parses the page: only the first one's next link is used
                if kind == "done":
                    p.busy -= 1
                    break
                if kind == "batch":
                    for ref, item in value:
                        yield ref, (Failed(item) if isinstance(item, str) else from_wire(item))
                else:
                    self._fail(kind, value)

    def _fail(self, kind: str, value: Any) -> None:
        if kind == "error":
            what, message = value
            raise ParseError(message) if what == "parse" else RuntimeError(message)
        raise RuntimeError(f"unexpected message from a parse worker: {kind}")


# -- DCAT pages, read through the pool --------------------------------------------------------------


def dcat_pages(adapter: Any, previous: dict[str, Any], lease: Lease) -> Iterator[Any]:
    """:meth:`harvester.adapters.dcat.DcatAdapter.pages`, with large pages read by ``lease``'s workers
    and one page fetched ahead (the workers read it while the parent stores the one before). Small
    pages are read in-process, exactly as the adapter reads them."""
    from harvester.adapters.base import Page, PageWalk
    from harvester.adapters.dcat import MAPPING_VERSION, read_page

    url: str | None = adapter.spec.url
    walk = PageWalk(adapter.spec.url, adapter.settings.fetch_max_pages)
    ahead: tuple[Any, PagePending | None] | None = None  # a page fetched (and handed over) before its turn

    def fetch(u: str) -> tuple[Any, PagePending | None]:
        first = not walk.visited  # a source's first page is read here: it may be its only one
        walk.visit(u)
        fetched = adapter.fetch_page(u, previous, salt=MAPPING_VERSION)
        if first or fetched.unchanged or len(fetched.body) < THRESHOLD or lease.size() == 0:
            return fetched, None
        pending = lease.submit(fetched.body, fetched.final_url, fetched.content_type, adapter.spec.name,
                               split=False)
        fetched.body = b""  # the worker has it: the parent keeps no copy
        return fetched, pending

    while url:
        fetched, pending = ahead if ahead is not None else fetch(url)
        ahead = None
        if fetched.unchanged:
            page = fetched.unchanged_page()
            yield page
            url = page.next
            continue
        records: Any
        if pending is None:
            next_url, records = read_page(url, fetched)
        else:
            try:
                next_url = pending.next_url()
            except ParseError as exc:
                raise ParseError(f"{url}: {exc.message}") from exc
            records = pending.records()
        if next_url and (pending is not None or len(fetched.body) >= THRESHOLD) and lease.size() > 0:
            # a large page's next is fetched now and handed to a worker, to be read while this one is stored
            ahead = fetch(next_url)
        yield Page(url=url, hash=fetched.hash, next=next_url, records=records,
                   etag=fetched.etag, last_modified=fetched.last_modified)
        url = next_url
