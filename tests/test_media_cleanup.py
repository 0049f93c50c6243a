"""flask media cleanup: orphaned photo files go, referenced and young ones stay, nothing outside the store moves."""
import hashlib
import io
import os
import time

from sqlmodel import select

from conftest import jpeg_bytes
from webapp.media import cleanup
from webapp.media.models import Photo
from webapp.media.photos import process_photo
from webapp.media.storage import LocalStorage

HOUR = 3600


def _photo(color=(200, 30, 30)):
    return process_photo(io.BytesIO(jpeg_bytes(color=color)), max_bytes=10 * 2**20, max_pixels=50_000_000)


def _age(path, seconds):
    """Make a file look `seconds` old (its mtime), as a crash long ago would have left it."""
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def _orphan(store: LocalStorage, seed: bytes, age: float = 2 * HOUR) -> str:
    """A file saved under its key with no Photo row, like the leftovers of a request killed before commit."""
    data = b"\xff\xd8orphan" + seed
    key = store.save(data, hashlib.sha256(data).hexdigest())
    _age(store.path(key), age)
    return key


def _keys(session):
    return {k for p in session.exec(select(Photo)) for k in (p.display_key, p.thumb_key)}


def _age_all(root, seconds=2 * HOUR):
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            _age(os.path.join(dirpath, name), seconds)


def test_referenced_files_stay_old_orphans_and_tmp_leftovers_go(app, session, make_complaint):
    store = LocalStorage(app.config["UPLOAD_DIR"])
    make_complaint(photos=[_photo(), _photo((10, 200, 10))])
    referenced = _keys(session)
    _age_all(store.root)  # the referenced files are old too: age alone never condemns a file
    old = _orphan(store, b"old")
    young = _orphan(store, b"young", age=60)
    tmp = store.root / old[:5] / ".tmp-abc123xy.jpg"
    tmp.write_bytes(b"half a photo")
    _age(tmp, 2 * HOUR)

    dry = cleanup.cleanup(session, store.root)
    assert (dry.referenced, dry.young) == (len(referenced), 1)
    assert {c.name for c in dry.orphans} == {old} and [c.name for c in dry.leftovers] == [tmp.relative_to(
        store.root).as_posix()]
    assert dry.candidate_bytes == store.path(old).stat().st_size + len(b"half a photo")
    assert store.exists(old) and tmp.exists() and dry.deleted == []  # a dry run changes nothing

    done = cleanup.cleanup(session, store.root, remove=True)
    assert len(done.deleted) == 2 and done.deleted_bytes == dry.candidate_bytes
    assert not store.exists(old) and not tmp.exists()
    assert store.exists(young)
    assert all(store.exists(k) for k in referenced)
    again = cleanup.cleanup(session, store.root, remove=True)
    assert again.candidates == [] and again.referenced == len(referenced)


def test_grace_period_protects_an_upload_in_flight(app, session):
    store = LocalStorage(app.config["UPLOAD_DIR"])
    fresh = _orphan(store, b"in flight", age=10 * 60)
    assert cleanup.cleanup(session, store.root, remove=True).deleted == []
    assert store.exists(fresh)
    gone = cleanup.cleanup(session, store.root, grace_seconds=5 * 60, remove=True)
    assert [c.name for c in gone.deleted] == [fresh] and not store.exists(fresh)


def test_a_file_shared_by_two_rows_survives_deleting_one(app, session, make_complaint):
    store = LocalStorage(app.config["UPLOAD_DIR"])
    make_complaint(photos=[_photo()])
    make_complaint(photos=[_photo()])  # the same picture again: the same content-addressed files
    rows = session.exec(select(Photo).order_by(Photo.id)).all()
    assert len(rows) == 2 and rows[0].display_key == rows[1].display_key
    shared = {rows[0].display_key, rows[0].thumb_key}
    session.delete(rows[0])
    session.commit()
    _age_all(store.root)
    report = cleanup.cleanup(session, store.root, grace_seconds=0, remove=True)
    assert report.deleted == [] and report.referenced == 2
    assert all(store.exists(k) for k in shared)
    session.delete(rows[1])
    session.commit()
    report = cleanup.cleanup(session, store.root, grace_seconds=0, remove=True)
    assert {c.name for c in report.deleted} == shared and not any(store.exists(k) for k in shared)


def test_foreign_names_and_symlinks_are_reported_never_touched(app, session, tmp_path):
    store = LocalStorage(app.config["UPLOAD_DIR"])
    key = _orphan(store, b"real orphan")
    outside = tmp_path / "outside"
    outside.mkdir()
    precious = outside / "precious.jpg"
    precious.write_bytes(b"not the store's")
    _age(precious, 2 * HOUR)
    notes = store.root / "README.txt"
    notes.write_text("operator notes")
    wrong_fanout = store.root / "00" / "00" / ("ab" * 32 + ".jpg")  # digest does not match its directories
    wrong_fanout.parent.mkdir(parents=True)
    wrong_fanout.write_bytes(b"x")
    link_dir = store.root / "ee"
    link_dir.symlink_to(outside, target_is_directory=True)
    digest = "ff" * 32
    link_file = store.root / "ff" / "ff" / f"{digest}.jpg"
    link_file.parent.mkdir(parents=True)
    link_file.symlink_to(precious)
    for path in (notes, wrong_fanout):
        _age(path, 2 * HOUR)
    _age(link_file, 2 * HOUR)

    report = cleanup.cleanup(session, store.root, grace_seconds=0, remove=True)
    assert [c.name for c in report.deleted] == [key]
    assert report.foreign == sorted(["README.txt", "00/00/" + "ab" * 32 + ".jpg", "ee",
                                     f"ff/ff/{digest}.jpg"])
    assert precious.read_bytes() == b"not the store's" and notes.exists() and wrong_fanout.exists()
    assert link_file.is_symlink() and link_dir.is_symlink()


def test_a_row_committed_after_the_scan_saves_its_file(app, session, make_complaint):
    """The recheck before deleting: a photo committed between scan and delete is not removed."""
    store = LocalStorage(app.config["UPLOAD_DIR"])
    photo = _photo((5, 5, 250))
    store.save(photo.display, photo.display_sha256)
    store.save(photo.thumb, photo.thumb_sha256)
    _age_all(store.root)
    report = cleanup.scan(session, store.root, grace_seconds=0)
    assert len(report.orphans) == 2
    make_complaint(photos=[photo])  # the request that wrote them commits now
    cleanup.delete(session, store.root, report, grace_seconds=0)
    assert report.deleted == [] and report.kept_on_recheck == 2
    assert store.exists(report.orphans[0].name) and store.exists(report.orphans[1].name)


def test_missing_store_is_an_empty_report(session, tmp_path):
    report = cleanup.cleanup(session, tmp_path / "never-created", remove=True)
    assert (report.referenced, report.candidates, report.foreign) == (0, [], [])


def test_cli_dry_run_then_delete(app, session, make_complaint):
    store = LocalStorage(app.config["UPLOAD_DIR"])
    make_complaint(photos=[_photo()])
    orphan = _orphan(store, b"cli")
    size = store.path(orphan).stat().st_size
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["media", "cleanup"])
    assert dry.exit_code == 0, dry.output
    assert "orphaned files:          1" in dry.output and f"total to remove:         1, {size} bytes" in dry.output
    assert "dry run" in dry.output and store.exists(orphan)

    done = runner.invoke(args=["media", "cleanup", "--delete", "--grace-minutes", "30", "-v"])
    assert done.exit_code == 0, done.output
    assert f"removed 1 files, {size} bytes" in done.output and orphan in done.output
    assert not store.exists(orphan) and "referenced files:        2" in done.output

    young = _orphan(store, b"young cli", age=5 * 60)
    kept = runner.invoke(args=["media", "cleanup", "--delete", "--grace-minutes", "30"])
    assert "removed 0 files" in kept.output and store.exists(young)
    bad = runner.invoke(args=["media", "cleanup", "--grace-minutes", "-1"])
    assert bad.exit_code != 0


def test_an_old_orphan_taken_over_by_a_new_upload_looks_young_until_its_row_commits(app, session):
    """An outbox replay after a crash uploads the same bytes: the file is already there (and old); saving it again
    must make it young, or a cleanup running during that request would delete the file its row is about to use."""
    store = LocalStorage(app.config["UPLOAD_DIR"])
    data = b"\xff\xd8replayed photo"
    key = store.save(data, hashlib.sha256(data).hexdigest())
    _age(store.path(key), 2 * HOUR)
    assert {c.name for c in cleanup.cleanup(session, store.root).orphans} == {key}
    store.save(data, hashlib.sha256(data).hexdigest())        # the replay, before its transaction commits
    report = cleanup.cleanup(session, store.root, remove=True)
    assert key not in {c.name for c in report.orphans} and report.young == 1
    assert store.exists(key)
