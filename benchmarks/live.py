"""The live store: build, serve, add, load, and arrival order (issue: a live archive).

    python benchmarks/live.py export --source synthetic --n 100000 --out /tmp/pile  # then: /usr/bin/time -v
        khulasa ingest /tmp/pile --db /tmp/syn.db   (the real ingest path: peak memory, CPU)
    python benchmarks/live.py build --source ant --db /tmp/ant.db [--hold-out 1000]
    python benchmarks/live.py build --source synthetic --n 100000 --db /tmp/syn.db
    python benchmarks/live.py serve --db /tmp/ant.db          # ready time, p50/p99 of every read endpoint
    python benchmarks/live.py add --db /tmp/ant.db --source ant  # the held-out articles, until visible
    python benchmarks/live.py load --db /tmp/ant.db           # mixed load: GETs everywhere while POSTs arrive
    python benchmarks/live.py order                           # MultiLing in 5 shuffled batches vs one batch

Each step runs in its own process (peak memory is per step) and prints one JSON line; wall and CPU
seconds are both reported (the machine is shared). Data: ``../shared/data`` (ANT 2018 corpus, MultiLing);
the synthetic archive is ``benchmarks/scale.py``'s generator.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from khulasa.model import Article
from khulasa.text import content_hash

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ant_articles(data: Path = DATA) -> Iterator[Article]:
    """The ANT 2018 corpus as articles, in file order (streamed)."""
    with gzip.open(data / "ant2018_news.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            date = dt.date.fromisoformat(r["date"][:10]) if r.get("date") else None
            yield Article(id=f"ant-{r['id']}", text=r["text"], title=r.get("title") or "", date=date,
                          outlet=r.get("outlet") or "", url=r.get("url") or "", content_hash=content_hash(r["text"]))


def _source(name: str, n: int | None, hold_out: int, held: bool) -> list[Article]:
    if name == "ant":
        arts = list(ant_articles())
    else:
        sys.path.insert(0, str(Path(__file__).parent))
        from scale import build

        arts = build((n or 100_000) + hold_out, DATA)[0]
    if n is not None and name == "ant":
        arts = arts[:n + hold_out]
    cut = len(arts) - hold_out
    return arts[cut:] if held else arts[:cut]


def cmd_export(args: argparse.Namespace) -> dict[str, object]:
    """The articles (all but the held-out ones) as JSONL files of 1,000 lines in ``--out``: a pile to
    time ``khulasa ingest`` on (``/usr/bin/time -v`` gives its peak memory)."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    articles = _source(args.source, args.n, args.hold_out, held=False)
    for k in range(0, len(articles), 1000):
        with (out / f"part-{k // 1000:05d}.jsonl").open("w", encoding="utf-8") as f:
            for a in articles[k:k + 1000]:
                f.write(json.dumps({"id": a.id, "text": a.text, "title": a.title, "source": a.outlet or "synthetic",
                                    "date": a.date.isoformat() if a.date else None, "url": a.url},
                                   ensure_ascii=False) + "\n")
    return {"step": "export", "articles": len(articles), "files": -(-len(articles) // 1000), "out": str(out)}


def cmd_build(args: argparse.Namespace) -> dict[str, object]:
    from khulasa.archive import Archive
    from khulasa.store import Store

    articles = _source(args.source, args.n, args.hold_out, held=False)
    Path(args.db).unlink(missing_ok=True)
    wall, cpu = time.perf_counter(), _cpu()
    marks: list[tuple[int, float]] = []
    with Store(args.db) as store:
        archive = Archive(store)

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "articles" and done % 5000 < archive.batch_size:
                marks.append((done, round(time.perf_counter() - wall, 1)))
                print(f"  {done}/{total} articles, {marks[-1][1]} s, peak {_peak_mb():.0f} MB", file=sys.stderr,
                      flush=True)

        report = archive.add(articles, on_progress=progress, total=len(articles))
        stories = report.stories
    return {"step": "build", "source": args.source, "articles": len(articles), "added": len(report.added),
            "copies": report.copies, "stories": stories, "wall_s": round(time.perf_counter() - wall, 1),
            "cpu_s": round(_cpu() - cpu, 1), "peak_mb": round(_peak_mb()), "db_mb": round(Path(args.db).stat().st_size / 1e6)}


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(1000 * statistics.median(ordered), 1),
            "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
            "n": len(ordered)}


def _start_server(db: str, port: int) -> tuple[subprocess.Popen[bytes], float]:
    import urllib.request

    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "khulasa.cli", "serve", "--db", db, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as r:
                if r.status == 200:
                    return proc, time.perf_counter() - start
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the server exited") from None
            time.sleep(0.02)


def _get(url: str) -> tuple[int, float, bytes]:
    import urllib.error
    import urllib.request

    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            body = r.read()
            return r.status, time.perf_counter() - start, body
    except urllib.error.HTTPError as exc:
        return exc.code, time.perf_counter() - start, b""


def cmd_serve(args: argparse.Namespace) -> dict[str, object]:
    port = args.port
    proc, ready = _start_server(args.db, port)
    base = f"http://127.0.0.1:{port}"
    try:
        first_status, first_page, _ = _get(base + "/")
        stories = json.loads(_get(base + "/api/stories?limit=200")[2])["stories"]
        ids = [s["id"] for s in stories]
        out: dict[str, object] = {"step": "serve", "ready_s": round(ready, 2), "first_page_ms": round(first_page * 1000),
                                  "first_page_status": first_status}
        rnd = random.Random(1)
        urls: tuple[tuple[str, Callable[[], str]], ...] = (("api_stories", lambda: f"{base}/api/stories?limit=50&offset={rnd.randrange(0, 500, 50)}"),
                           ("api_story", lambda: f"{base}/api/stories/{rnd.choice(ids)}"),
                           ("story_page", lambda: f"{base}/stories/{rnd.choice(ids)}"),
                           ("home_page", lambda: f"{base}/?page={rnd.randrange(1, 6)}"),
                           ("health", lambda: f"{base}/api/health"))
        for name, make in urls:
            times = []
            for _ in range(args.requests):
                status, seconds, _ = _get(make())
                assert status == 200, (name, status)
                times.append(seconds)
            out[name] = _percentiles(times)
        return out
    finally:
        proc.terminate()
        proc.wait()


def cmd_add(args: argparse.Namespace) -> dict[str, object]:
    from khulasa.archive import Archive
    from khulasa.engine import open_engine
    from khulasa.store import Store

    held = _source(args.source, args.n, args.hold_out, held=True)
    engine = open_engine(args.engine, workers=args.workers)
    wall, cpu = time.perf_counter(), _cpu()
    try:
        with Store(args.db) as store:
            before = store.count()
            report = Archive(store, engine=engine).add(held)
            pending = store.db.execute("SELECT count(*) FROM stories WHERE doc IS NULL").fetchone()[0]
    finally:
        engine.close()  # the workers' CPU time is counted once they are gone
    return {"step": "add", "engine": args.engine, "stored_before": before, "added": len(report.added), "stories_changed":
            len(report.stories_changed), "summaries_pending": pending, "wall_s": round(time.perf_counter() - wall, 1),
            "cpu_s": round(_cpu() - cpu, 1), "peak_mb": round(_peak_mb())}


def _reader(base: str, ids: list[str], seed: int, rate: float, stop: Any, out: Any) -> None:
    """GETs on every read endpoint at about ``rate`` per second until ``stop``; errors go to ``out``."""
    rnd = random.Random(seed)
    errors = 0
    n = 0
    while not stop.is_set():
        url = rnd.choice([f"{base}/api/stories?limit=20", f"{base}/api/stories/{rnd.choice(ids)}",
                          f"{base}/stories/{rnd.choice(ids)}", f"{base}/?page={rnd.randrange(1, 4)}",
                          f"{base}/api/articles?limit=20", f"{base}/api/search?q=%D8%A7%D9%84%D8%AD%D9%83%D9%88%D9%85%D8%A9"])
        status, seconds, _ = _get(url)
        n += 1
        errors += status not in (200, 308)
        time.sleep(max(0.0, 1 / rate - seconds))
    out.put(("reader", n, errors))


def _poster(base: str, posts: int, out: Any) -> None:
    import urllib.request

    rnd = random.Random(3)
    posted: list[str] = []
    errors: list[str] = []
    for k in range(posts):
        body = {"articles": [{"text": f"قال مسؤول في وزارة الاختبار رقم {k}-{j} إن الاجتماع الدوري عقد اليوم "
                                      f"لبحث خطة العمل للعام المقبل وإن النتائج ستعلن لاحقا {rnd.random()}.",
                              "title": f"اجتماع اختبار {k}-{j}", "date": "2018-10-01", "source": "وكالة الاختبار"}
                             for j in range(20)]}
        req = urllib.request.Request(f"{base}/api/articles", data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                posted.extend(json.loads(r.read())["added"])
        except Exception as exc:
            errors.append(f"POST {exc}")
    out.put(("poster", posted, errors))


def cmd_load(args: argparse.Namespace) -> dict[str, object]:
    """A bounded mixed load: 3 reader processes (about ``--rate`` GETs a second each, on every read
    endpoint) while a fourth POSTs ``--posts`` batches of 20 articles; this process times /api/health
    every 50 ms meanwhile (alone, so the client's own work does not count). The load starts once the
    server's writer has started (loaded its stages and caught up: ``writes_queued`` 0), as it meets a
    server that runs, not one booting."""
    import multiprocessing as mp

    port = args.port
    proc, _ = _start_server(args.db, port)
    base = f"http://127.0.0.1:{port}"
    settled = time.perf_counter()  # the load meets a started server: its writer has loaded (writes_queued 0)
    while json.loads(_get(base + "/api/health")[2])["writes_queued"] and time.perf_counter() - settled < 120:
        time.sleep(0.1)
    settled = time.perf_counter() - settled
    ids = [s["id"] for s in json.loads(_get(base + "/api/stories?limit=100")[2])["stories"]]
    stop = mp.Event()
    out: Any = mp.Queue()
    health: list[float] = []
    errors: list[str] = []
    try:
        readers = [mp.Process(target=_reader, args=(base, ids, k, args.rate, stop, out)) for k in range(3)]
        poster = mp.Process(target=_poster, args=(base, args.posts, out))
        for p in (*readers, poster):
            p.start()
        while poster.is_alive():
            status, seconds, _ = _get(base + "/api/health")
            if status != 200:
                errors.append(f"health {status}")
            health.append(seconds)
            time.sleep(0.05)
        stop.set()
        results = [out.get(timeout=60) for _ in range(4)]
        for p in (*readers, poster):
            p.join()
        final = json.loads(_get(base + "/api/health")[2])
    finally:
        proc.terminate()
        proc.wait()
    from khulasa.store import Store

    posted = next(r[1] for r in results if r[0] == "poster")
    errors += next(r[2] for r in results if r[0] == "poster")
    gets = sum(r[1] for r in results if r[0] == "reader")
    get_errors = sum(r[2] for r in results if r[0] == "reader")
    with Store(args.db) as store:
        fts = store.db.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
        n = store.count()
        present = len(store.articles_by_id(posted))
    return {"step": "load", "writer_settled_s": round(settled, 1), "health": _percentiles(health), "gets": gets, "get_errors": get_errors,
            "errors": len(errors) + get_errors, "first_errors": errors[:5], "posted": len(posted),
            "posted_present": present, "articles": n, "fts_rows": fts, "server_articles": final["articles"]}


def cmd_order(args: argparse.Namespace) -> dict[str, object]:
    """The 100 MultiLing Arabic articles stored in 5 shuffled batches: B-cubed F1 against the topics and
    against the one-batch result (the single pass depends on the order articles arrive in)."""
    import tempfile

    sys.path.insert(0, str(Path(__file__).parent))
    from clustering import bcubed

    from khulasa.archive import Archive, stored_stories
    from khulasa.config import DEFAULT
    from khulasa.pipeline import digest
    from khulasa.store import Store

    topics = [json.loads(line) for line in (DATA / "multiling2011_ar_mds.jsonl").read_text(encoding="utf-8").splitlines()]
    articles, labels = [], {}
    for t, topic in enumerate(topics):
        for k, text in enumerate(topic["documents"]):
            aid = f"t{t}d{k}"
            articles.append(Article(id=aid, text=text, content_hash=content_hash(text)))
            labels[aid] = str(t)
    batch = {m: s.story.id for s in digest(articles, summaries=False).stories for m in s.story.article_ids}
    rows = []
    for seed in range(args.seeds):
        rnd = random.Random(seed)
        order = list(articles)
        rnd.shuffle(order)
        with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "o.db") as store:
            config = DEFAULT.with_values(cluster={"repass_below": args.repass_below}) \
                if args.repass_below is not None else DEFAULT
            archive = Archive(store, config)
            for part in range(5):
                archive.add(order[part * 20:(part + 1) * 20], digests=False)
            live = {m: s.story.id for s in stored_stories(store) for m in s.story.article_ids}
        ids = [a.id for a in articles]
        rows.append({"seed": seed,
                     "vs_topics": round(bcubed([labels[i] for i in ids], [live[i] for i in ids])[2], 3),
                     "vs_batch": round(bcubed([batch[i] for i in ids], [live[i] for i in ids])[2], 3)})
    ids = [a.id for a in articles]
    return {"step": "order", "repass_below": args.repass_below, "batch_vs_topics": round(bcubed([labels[i] for i in ids], [batch[i] for i in ids])[2], 3),
            "runs": rows, "min_vs_topics": min(r["vs_topics"] for r in rows),
            "min_vs_batch": min(r["vs_batch"] for r in rows)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["export", "build", "serve", "add", "load", "order"])
    parser.add_argument("--out", default="/tmp/khulasa-pile", help="export: the folder to write")
    parser.add_argument("--db", default="/tmp/khulasa-live.db")
    parser.add_argument("--source", choices=["ant", "synthetic"], default="ant")
    parser.add_argument("--n", type=int, default=None, help="articles to build from (default: all of ANT, 100k synthetic)")
    parser.add_argument("--hold-out", type=int, default=1000, help="articles kept back for the add step")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10.0, help="load: GETs a second per reader")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--engine", choices=["auto", "local", "processes", "ray"], default="auto",
                        help="add: the engine (auto: the command line's default)")
    parser.add_argument("--workers", type=int, default=2, help="add: the engine's workers")
    parser.add_argument("--repass-below", type=int, default=None,
                        help="order: cluster.repass_below (0: only the growth rule re-clusters)")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} is missing (the shared evaluation data)", file=sys.stderr)
        return 0
    steps = {"export": cmd_export, "build": cmd_build, "serve": cmd_serve, "add": cmd_add, "load": cmd_load, "order": cmd_order}
    print(json.dumps(steps[args.step](args), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
