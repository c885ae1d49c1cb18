#!/usr/bin/env python3
"""Writes the seed corpus of one fuzz target from the project's own files.

usage: make_seeds.py TARGET OUT_DIR   (run from the repository root)
Seeds are kept small (libFuzzer's speed falls with input size): safetensors files are rebuilt with
tiny shapes under their real tensor names, data files are cut to a few KB at a line boundary, the
demo database is shrunk to a few rows with 512-byte pages.
"""
import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import struct
import sys
import tempfile

DTYPE_SIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def put(out, data, tag):
    if isinstance(data, str):
        data = data.encode()
    name = tag + "-" + hashlib.sha1(data).hexdigest()[:12]
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def head_lines(path, limit):
    with open(path, "rb") as f:
        data = f.read(limit)
    return data[: data.rfind(b"\n") + 1] if b"\n" in data and len(data) == limit else data


def safetensors_header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n))


def shrunk_safetensors(header):
    """The same tensor names and dtypes with every dimension cut to at most 2."""
    out, offset = {}, 0
    if "__metadata__" in header:
        out["__metadata__"] = header["__metadata__"]
    for name in sorted(k for k in header if k != "__metadata__"):
        e = header[name]
        shape = [min(d, 2) for d in e["shape"]]
        size = DTYPE_SIZE[e["dtype"]]
        for d in shape:
            size *= d
        out[name] = {"dtype": e["dtype"], "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(out, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + bytes(offset)


def seeds_safetensors_header(out):
    files = sorted(glob.glob("tests/data/golden/*/*.safetensors")) + sorted(glob.glob("resources/demo-model*/*.safetensors"))
    for f in files:
        header = safetensors_header(f)
        put(out, shrunk_safetensors(header), "shrunk")
        with open(f, "rb") as fh:
            n = struct.unpack("<Q", fh.read(8))[0]
            fh.seek(0)
            put(out, fh.read(8 + n), "header-only")  # truncated data section: rejected, but parsed
        if os.path.getsize(f) <= 32 << 10:
            with open(f, "rb") as fh:
                put(out, fh.read(), "whole")


def seeds_model_config(out):
    for f in sorted(glob.glob("tests/data/golden/*/config.json") + glob.glob("resources/demo-model*/config.json")):
        with open(f, "rb") as fh:
            put(out, fh.read(), "config")


def shrunk_tokenizer(tok, keep):
    model = tok["model"]
    vocab = {k: v for k, v in model["vocab"].items() if v < keep}
    merges = []
    for m in model.get("merges", []):
        a, b = m.split(" ", 1) if isinstance(m, str) else m
        if a in vocab and b in vocab and a + b in vocab:
            merges.append(m)
    small = dict(tok)
    small["model"] = dict(model, vocab=vocab, merges=merges)
    return json.dumps(small, ensure_ascii=False, indent=None)


def seeds_tokenizer_json(out):
    for f in sorted(set(glob.glob("resources/demo-model*/tokenizer.json"))):
        with open(f, "rb") as fh:
            raw = fh.read()
        put(out, raw, "tokenizer")
        tok = json.loads(raw)
        for keep in (300, 600):
            put(out, shrunk_tokenizer(tok, keep), "shrunk")


def seeds_bpe_encode(out):
    texts = ["README.md"] + sorted(glob.glob("resources/demo-data/*.txt")) + sorted(glob.glob("resources/data/kl/*.txt"))
    for f in texts:
        with open(f, "rb") as fh:
            data = fh.read(16 << 10)
        for i in range(0, min(len(data), 8 << 10), 1024):
            put(out, data[i : i + 1024], "text")
    put(out, "<|endoftext|>Hello<|endoftext|> world\n\n\t  naïve 日本語 🙂", "special")


def inline_includes(path, seen=()):
    with open(path, encoding="utf-8") as f:
        own = json.load(f)
    merged = {}
    inc = own.pop("include", [])
    for name in [inc] if isinstance(inc, str) else inc:
        p = os.path.normpath(os.path.join(os.path.dirname(path), name))
        if p not in seen and os.path.exists(p):
            deep_merge(merged, inline_includes(p, seen + (p,)))
    merged.pop("abstract", None)
    deep_merge(merged, own)
    return merged


def deep_merge(base, over):
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            deep_merge(base[k], v)
        else:
            base[k] = v


def seeds_task_file(out):
    for f in sorted(glob.glob("resources/tasks/**/*.json", recursive=True)):
        with open(f, "rb") as fh:
            put(out, fh.read(), "raw")  # "include": "base.json" finds the harness's base.json
        try:
            put(out, json.dumps(inline_includes(f), indent=2, ensure_ascii=False), "merged")
        except (OSError, ValueError):
            pass


def seeds_dataset_reader(out):
    files = []
    for root in ("resources/data", "resources/demo-data"):
        for ext in ("jsonl", "json", "csv", "txt", "lst"):
            files += glob.glob(f"{root}/**/*.{ext}", recursive=True)
    for f in sorted(files):
        put(out, head_lines(f, 4096), os.path.splitext(f)[1][1:])


def seeds_quant_name(out):
    names = {"FP16", "W8", "W4", "W3", "W2", "W8A8", "W4A8", "W4A4", "KV8", "KV4", "KV3", "KV2",
             "W4A8KV4-g128", "W4A16KV16-g64-symW-excl.router", "W8A8KV16-g128-asymA-gptqzero",
             "W4A16KV16-g128-awq", "W8A8KV16-pc-smoothquant", "W4A16KV16-g128-gptq",
             "W4A16KV8-wg128-kvpc-incl.lm_head-excl.down_proj.L0to3", "W16A4KV16-ag64", "W8A8KV8-pt-apt-symKV",
             "W2A16KV16-g32-excl.kv.L1-incl.all.L2to5"}
    pattern = re.compile(r"\b(?:W\d+(?:A\d+)?(?:KV\d+)?|KV\d+|FP16)(?:-[A-Za-z0-9.]+)*")
    for f in ["README.md"] + glob.glob("../shared/docs/*.md"):
        if os.path.exists(f):
            with open(f, encoding="utf-8", errors="replace") as fh:
                names.update(pattern.findall(fh.read()))
    for n in sorted(names):
        put(out, n, "name")


def seeds_experiment_store(out):
    tmp = tempfile.mkdtemp(prefix="qs-seeds-")
    try:
        db = os.path.join(tmp, "demo.qsdb")
        shutil.copyfile("resources/demo/demo.qsdb", db)
        con = sqlite3.connect(db)
        con.execute("PRAGMA foreign_keys = OFF")
        keep = [r[0] for r in con.execute("SELECT id FROM runs ORDER BY id LIMIT 3")]
        marks = ",".join("?" * len(keep))
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for t in tables:
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{t}")')]
            # run_items is WITHOUT ROWID (schema v5): its first items stand in for rowid order.
            first = ("(run_id, item) NOT IN (SELECT run_id, item FROM run_items ORDER BY run_id, item LIMIT 4)"
                     if t == "run_items" else f'rowid NOT IN (SELECT rowid FROM "{t}" ORDER BY rowid LIMIT 4)')
            if t == "runs":
                con.execute(f"DELETE FROM runs WHERE id NOT IN ({marks})", keep)
            elif "run_id" in cols:
                con.execute(f'DELETE FROM "{t}" WHERE run_id IS NULL OR run_id NOT IN ({marks}) OR {first}', keep)
            elif t != "models":  # the per-tensor analyses and method transforms: a few rows each
                con.execute(f'DELETE FROM "{t}" WHERE {first}')
        con.commit()
        con.execute("PRAGMA journal_mode = DELETE")
        con.execute("PRAGMA page_size = 512")
        con.execute("VACUUM")
        con.close()
        with open(db, "rb") as f:
            small = f.read()
        put(out, small, "demo-small")
        con = sqlite3.connect(db)
        con.execute("PRAGMA journal_mode = WAL")
        con.close()
        with open(db, "rb") as f:
            put(out, f.read(), "demo-small-wal")
        con = sqlite3.connect(db)
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > 1:
            con.execute(f"PRAGMA user_version = {version - 1}")
            con.execute("PRAGMA journal_mode = DELETE")
        con.close()
        if version > 1:
            with open(db, "rb") as f:
                put(out, f.read(), "demo-older-schema")
        put(out, b"", "empty")
    finally:
        shutil.rmtree(tmp)


def main():
    target, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    globals()["seeds_" + target](out)
    # Inputs that once crashed (tests/unit/test_fuzz_regressions.cpp feeds them too).
    for f in sorted(glob.glob(f"fuzz/regressions/{target}/*")):
        with open(f, "rb") as fh:
            put(out, fh.read(), "regression")


if __name__ == "__main__":
    main()
