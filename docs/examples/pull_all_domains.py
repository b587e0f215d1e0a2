#!/usr/bin/env python3
"""Pull every domain dataset of the trial EDC into pandas DataFrames (and CSV files).

    pip install requests pandas
    export EDC_URL=https://edc.example.org EDC_USERNAME=stat EDC_PASSWORD=...
    python pull_all_domains.py --out data/                  # current data
    python pull_all_domains.py --out data/ --as-of 2026-01-31T18:00   # as it was then
    python pull_all_domains.py --out data/ --package         # + the zip, checksums verified

Types come from the data dictionary the API serves with the domain list (integer → Int64,
float → float64, text/date/datetime → string). Text cells the server neutralised against
spreadsheet formula injection (a leading ' before = + - @ tab CR) are restored.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import requests

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PANDAS_TYPES = {"integer": "Int64", "float": "float64"}


def get_token(base: str, username: str, password: str) -> str:
    response = requests.post(
        f"{base}/api/v1/auth/token/", data={"username": username, "password": password}, timeout=30
    )
    response.raise_for_status()
    return response.json()["token"]


def unescape(cell):
    """Undo the server's formula neutralisation of a text cell."""
    if isinstance(cell, str) and cell.startswith("'"):
        rest = cell[1:]
        if rest.startswith(TRIGGERS) or (rest.startswith("'") and rest[1:].startswith(TRIGGERS)):
            return rest
    return cell


def read_domain(session: requests.Session, domain: dict, params: dict) -> pd.DataFrame:
    """One domain's CSV, streamed, typed from its variables."""
    with session.get(domain["links"]["csv"], params=params, stream=True, timeout=600) as response:
        response.raise_for_status()
        data = response.content
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, na_values=[""])
    for variable in domain["variables"]:
        name, kind = variable["name"], variable["type"]
        if kind in PANDAS_TYPES:
            frame[name] = pd.to_numeric(frame[name]).astype(PANDAS_TYPES[kind])
        else:
            frame[name] = frame[name].map(unescape).astype("string")
    return frame


def pull_package(session: requests.Session, base: str, params: dict, out: Path) -> dict:
    """Request the full package, wait for it, download it and check every file's SHA-256."""
    response = session.post(f"{base}/api/v1/exports/jobs/", json=params, timeout=60)
    response.raise_for_status()  # 202 Accepted
    status_url = response.headers["Location"]
    while True:
        status = session.get(status_url, timeout=60).json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(2)
    if status["status"] != "done":
        raise RuntimeError(f"The package failed: {status['error']}")
    with session.get(status["download_url"], stream=True, timeout=600) as response:
        response.raise_for_status()
        data = response.content
    if hashlib.sha256(data).hexdigest() != status["sha256"]:
        raise RuntimeError("The package's checksum does not match.")
    (out / status["filename"]).write_bytes(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        if hashlib.sha256(archive.read(entry["name"])).hexdigest() != entry["sha256"]:
            raise RuntimeError(f"{entry['name']}: checksum does not match the manifest.")
    return manifest


def main(argv: list[str] | None = None) -> dict[str, pd.DataFrame]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("EDC_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--username", default=os.environ.get("EDC_USERNAME"))
    parser.add_argument("--password", default=os.environ.get("EDC_PASSWORD"))
    parser.add_argument("--token", default=os.environ.get("EDC_TOKEN"))
    parser.add_argument("--as-of", help="ISO 8601 date or date-time: the data as it was then")
    parser.add_argument("--updated-since", help="only subjects changed since (ISO 8601)")
    parser.add_argument("--out", type=Path, help="write <domain>.csv files here")
    parser.add_argument("--package", action="store_true", help="also fetch the zip package")
    args = parser.parse_args(argv)

    base = args.url.rstrip("/")
    token = args.token or get_token(base, args.username, args.password)
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    filters = {"as_of": args.as_of, "updated_since": args.updated_since}
    params = {key: value for key, value in filters.items() if value}

    domains = session.get(f"{base}/api/v1/exports/domains/", timeout=60)
    domains.raise_for_status()
    frames = {}
    for domain in domains.json():
        frames[domain["code"]] = frame = read_domain(session, domain, params)
        print(f"{domain['code']}: {len(frame)} rows, {len(frame.columns)} variables")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            frame.to_csv(args.out / f"{domain['code'].lower()}.csv", index=False)
    if args.package:
        out = args.out or Path.cwd()
        out.mkdir(parents=True, exist_ok=True)
        manifest = pull_package(session, base, {"as_of": args.as_of or ""}, out)
        print(f"package: {len(manifest['files'])} files, checksums verified")
    return frames


if __name__ == "__main__":
    main(sys.argv[1:])
